package qwenvl

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/dsr4d/dsr4d/nn"
	"github.com/dsr4d/dsr4d/nn/qwen2"
	"github.com/dsr4d/dsr4d/nn/qwenvit"
	"github.com/dsr4d/dsr4d/nn/safetensors"
)

// Model is a loaded Qwen2.5-VL: the language model and its vision tower on one backend.
type Model struct {
	LM        *qwen2.Model
	Vision    *qwenvit.Model
	VisionCfg qwenvit.Config
	// Spatial is the DSR model's spatial branch, nil for plain Qwen2.5-VL (a checkpoint
	// without visual.q_former_queries).
	Spatial *Spatial
	be      nn.Backend
}

// Load reads dir/config.json (the text fields and vision_config) and the weights
// (dir/model.safetensors or the shards of its index: the decoder's and visual.*) onto be.
func Load(be nn.Backend, dir string) (*Model, error) {
	cfgPath := filepath.Join(dir, "config.json")
	cfgData, err := os.ReadFile(cfgPath)
	if err != nil {
		return nil, fmt.Errorf("qwenvl: %w", err)
	}
	lc, err := qwen2.ParseConfig(cfgData)
	if err != nil {
		return nil, fmt.Errorf("qwen2: %s: %w", cfgPath, err)
	}
	vc, err := qwenvit.ParseConfig(cfgData, cfgPath)
	if err != nil {
		return nil, err
	}
	if vc.OutHidden != lc.Hidden {
		return nil, fmt.Errorf("qwenvl: %s: vision_config.out_hidden_size = %d, want the language model's hidden_size %d", cfgPath, vc.OutHidden, lc.Hidden)
	}
	if vc.MergeSize != lc.SpatialMerge {
		return nil, fmt.Errorf("qwenvl: %s: vision_config.spatial_merge_size = %d differs from the one the positions use (%d)", cfgPath, vc.MergeSize, lc.SpatialMerge)
	}
	set, err := safetensors.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("qwenvl: %w", err)
	}
	defer set.Close()
	lm, err := qwen2.LoadFrom(be, lc, set)
	if err != nil {
		return nil, err
	}
	vm, err := qwenvit.New(vc)
	if err != nil {
		lm.Free()
		return nil, err
	}
	if err := vm.Load(be, set, qwenvit.Prefix); err != nil {
		lm.Free()
		nn.Free(be, vm)
		return nil, fmt.Errorf("qwenvl: %s: %w", dir, err)
	}
	m := &Model{LM: lm, Vision: vm, VisionCfg: vc, be: be}
	if _, err := set.Info(qwenvit.Prefix + "q_former_queries"); err == nil {
		if m.Spatial, err = loadSpatial(be, set, cfgData, cfgPath, lc, vc); err != nil {
			m.Free()
			return nil, err
		}
	}
	return m, nil
}

// Free releases the weights.
func (m *Model) Free() {
	m.LM.Free()
	nn.Free(m.be, m.Vision)
	if m.Spatial != nil {
		m.Spatial.Free(m.be)
	}
}

// Inputs returns what the language model needs for ids (PromptIDs' result) with clips (nil:
// none): the M-RoPE positions (RopeIndex with each clip's grid and second_per_grid_ts) and the
// rows for the pads, on the backend (nil without clips; the caller releases it): the tower's
// tokens, and for the DSR model then the spatial branch's geometry tokens (its 32 extra pads
// take text positions, as get_rope_index gives them).
func (m *Model) Inputs(ids []int, clips []qwenvit.Clip) ([][3]float32, *nn.Tensor, error) {
	if len(clips) == 0 {
		return nil, nil, nil
	}
	if m.Spatial != nil && len(clips) > 1 {
		// The reference's batch-1 masks let the queries see the first video only.
		return nil, nil, fmt.Errorf("qwenvl: the DSR model takes one video per prompt, got %d", len(clips))
	}
	vis := make([]qwen2.VisionInput, len(clips))
	for i, c := range clips {
		vis[i] = qwen2.VisionInput{Video: true, T: c.Grid[0], H: c.Grid[1], W: c.Grid[2], SecondPerGrid: c.SecondPerGridT}
	}
	pos, _, err := m.LM.Cfg.RopeIndex(ids, vis)
	if err != nil {
		return nil, nil, err
	}
	pads, want := 0, 0
	for _, id := range ids {
		if id == m.LM.Cfg.VideoToken {
			pads++
		}
	}
	for _, c := range clips {
		want += m.VisionCfg.Tokens(c.Grid)
	}
	n := want
	if m.Spatial != nil {
		want += m.Spatial.GSM.Queries
	}
	if pads != want {
		return nil, nil, fmt.Errorf("qwenvl: the prompt has %d <|video_pad|> tokens, its %d clip(s) make %d", pads, len(clips), want)
	}
	var geo []float32
	if m.Spatial != nil {
		if geo, err = m.geometry(ids, clips[0]); err != nil {
			return nil, nil, err
		}
	}
	tokens, _, err := m.Vision.Encode(m.be, clips...)
	if err != nil || geo == nil {
		return pos, tokens, err
	}
	be := m.be
	all := be.Zeros(want, m.LM.Cfg.Hidden)
	g := be.New(geo, want-n, m.LM.Cfg.Hidden)
	be.CopyRows(all, 0, tokens)
	be.CopyRows(all, n, g)
	be.Release(tokens, g)
	return pos, all, nil
}

// Logits returns the logits of every position of ids (len(ids) × vocab) with clips' tokens in
// place of the video pads.
func (m *Model) Logits(ids []int, clips []qwenvit.Clip) ([]float32, error) {
	pos, vis, err := m.Inputs(ids, clips)
	if err != nil {
		return nil, err
	}
	if vis != nil {
		defer m.be.Release(vis)
	}
	return m.LM.LogitsVision(ids, pos, vis)
}

// Generate is qwen2.Model.Generate for a prompt with clips: the tower runs once, then the
// prompt is prefilled with its tokens and decoding continues with text positions.
func (m *Model) Generate(ids []int, clips []qwenvit.Clip, opt qwen2.GenOptions) (qwen2.Result, error) {
	pos, vis, err := m.Inputs(ids, clips)
	if err != nil {
		return qwen2.Result{}, err
	}
	if vis != nil {
		defer m.be.Release(vis)
	}
	opt.Vision = vis
	return m.LM.Generate(ids, pos, opt)
}
