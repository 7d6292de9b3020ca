package qwenvl

import (
	"fmt"
	"github.com/dsr4d/dsr4d/nn/nntest"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dsr4d/dsr4d/internal/resample"
	"github.com/dsr4d/dsr4d/nn"
	"github.com/dsr4d/dsr4d/nn/qwen2"
	"github.com/dsr4d/dsr4d/nn/qwenvit"
	"github.com/dsr4d/dsr4d/nn/safetensors"
)

func frames(t *testing.T) []resample.Image {
	var out []resample.Image
	for i := range 4 {
		f, err := os.Open(filepath.Join("testdata", fmt.Sprintf("f%d.png", i)))
		require.NoError(t, err)
		img, err := png.Decode(f)
		f.Close()
		require.NoError(t, err)
		out = append(out, resample.FromImage(img))
	}
	return out
}

func golden(t *testing.T) (ids, greedy []int, grid, pos, tokens, logits []float32) {
	set, err := safetensors.Open("testdata/golden.safetensors")
	require.NoError(t, err)
	defer set.Close()
	read := func(name string) []float32 {
		v, err := set.Float32(name)
		require.NoError(t, err)
		return v
	}
	toInts := func(v []float32) []int {
		out := make([]int, len(v))
		for i, x := range v {
			out[i] = int(x)
		}
		return out
	}
	return toInts(read("ids")), toInts(read("greedy")), read("grid"), read("pos"), read("tokens"), read("logits")
}

// TestGolden holds the whole model to scripts/golden_qwenvl.py on every backend: PNG frames →
// clip (grid, second_per_grid_t), positions, the tower's tokens, the logits of every position
// with those tokens in place of the video pads, and greedy decoding through the KV cache.
func TestGolden(t *testing.T) {
	ids, greedy, grid, gpos, gtokens, glogits := golden(t)
	for _, be := range nntest.Backends(t) {
		t.Run(be.Name(), func(t *testing.T) {
			m, err := Load(be, "testdata/tiny")
			require.NoError(t, err)
			defer m.Free()
			clip, err := m.VisionCfg.FramesClip(frames(t), 0, 0, 0)
			require.NoError(t, err)
			require.Equal(t, [3]int{int(grid[0]), int(grid[1]), int(grid[2])}, clip.Grid)
			require.Equal(t, float64(grid[3]), clip.SecondPerGridT)

			pos, vis, err := m.Inputs(ids, []qwenvit.Clip{clip})
			require.NoError(t, err)
			tok, err := be.Read(vis)
			be.Release(vis)
			require.NoError(t, err)
			require.Less(t, nntest.NMSE(tok, gtokens), 1e-6, "vision tokens")
			n := len(ids)
			for i, p := range pos {
				require.Equal(t, [3]float32{gpos[i], gpos[n+i], gpos[2*n+i]}, p, "position %d", i)
			}

			logits, err := m.Logits(ids, []qwenvit.Clip{clip})
			require.NoError(t, err)
			e := nntest.NMSE(logits, glogits)
			t.Logf("%s: logits NMSE %.2e", be.Name(), e)
			require.Less(t, e, 1e-6)

			res, err := m.Generate(ids, []qwenvit.Clip{clip}, qwen2.GenOptions{MaxTokens: len(greedy)})
			require.NoError(t, err)
			require.Equal(t, greedy, res.IDs)
		})
	}
}

// TestMismatch: pads that do not match the clips are errors, not a silent misalignment.
func TestMismatch(t *testing.T) {
	ids, _, _, _, _, _ := golden(t)
	be := nn.NewCPU()
	m, err := Load(be, "testdata/tiny")
	require.NoError(t, err)
	defer m.Free()
	clip, err := m.VisionCfg.FramesClip(frames(t)[:2], 0, 0, 0) // 8 tokens for 16 pads
	require.NoError(t, err)
	_, err = m.Logits(ids, []qwenvit.Clip{clip})
	require.ErrorContains(t, err, "16 <|video_pad|> tokens")
	// Tokens of the wrong count handed to the language model directly.
	v := be.New(make([]float32, 3*m.LM.Cfg.Hidden), 3, m.LM.Cfg.Hidden)
	defer be.Release(v)
	_, err = m.LM.LogitsVision(ids, nil, v)
	require.ErrorContains(t, err, "3 vision tokens for 16")
}

// TestRandomCheckpoint: WriteCheckpoint's directory loads as one model with both halves,
// and the vision tokens change the reply's logits.
func TestRandomCheckpoint(t *testing.T) {
	dir := t.TempDir()
	lc, err := qwen2.Named("tiny")
	require.NoError(t, err)
	require.NoError(t, WriteCheckpoint(dir, lc, TinyVision(lc), nil, 7, "BF16"))
	be := nn.NewCPU()
	m, err := Load(be, dir)
	require.NoError(t, err)
	defer m.Free()
	require.Equal(t, TinyVision(lc), m.VisionCfg)
	clip, err := m.VisionCfg.FramesClip(frames(t), 0, 0, 0)
	require.NoError(t, err)
	ids, _, _, _, _, _ := golden(t)
	with, err := m.Logits(ids, []qwenvit.Clip{clip})
	require.NoError(t, err)
	without, err := m.LM.Logits(ids, nil)
	require.NoError(t, err)
	v := m.LM.Cfg.Vocab
	require.Greater(t, nntest.NMSE(with[len(with)-v:], without[len(without)-v:]), 1e-4)

	// A config whose tower does not write the language model's width is named.
	bad := TinyVision(lc)
	bad.OutHidden = 40
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.json"), ConfigJSON(lc, bad, nil), 0o644))
	_, err = Load(be, dir)
	require.ErrorContains(t, err, "out_hidden_size = 40")
}

// TestDSRGolden holds the DSR model (spatial branch included) to scripts/golden_qwenvl.py on
// every backend: DINOv2's features of the clip, the GSM's geometry tokens, the logits with
// tower and geometry tokens in the pads, and greedy decoding.
func TestDSRGolden(t *testing.T) {
	set, err := safetensors.Open("testdata/dsr_golden.safetensors")
	require.NoError(t, err)
	defer set.Close()
	read := func(name string) []float32 {
		v, err := set.Float32(name)
		require.NoError(t, err)
		return v
	}
	var ids, greedy []int
	for _, v := range read("ids") {
		ids = append(ids, int(v))
	}
	for _, v := range read("greedy") {
		greedy = append(greedy, int(v))
	}
	for _, be := range nntest.Backends(t) {
		t.Run(be.Name(), func(t *testing.T) {
			m, err := Load(be, "testdata/dsr")
			require.NoError(t, err)
			defer m.Free()
			require.NotNil(t, m.Spatial)
			require.Equal(t, TinySpatial(), m.Spatial.Encoder.Cfg)
			clip, err := m.VisionCfg.FramesClip(frames(t), 0, 0, 0)
			require.NoError(t, err)

			// PromptIDs puts the 32 geometry slots after the first run of pads.
			var plain []int
			dropped := 0
			for _, id := range ids {
				if id == m.LM.Cfg.VideoToken && dropped < 32 {
					dropped++
					continue
				}
				plain = append(plain, id)
			}
			require.Equal(t, ids, m.PromptIDs(plain))

			geo, err := m.geometry(ids, clip)
			require.NoError(t, err)
			e := nntest.NMSE(geo, read("geometry"))
			t.Logf("%s: geometry NMSE %.2e", be.Name(), e)
			require.Less(t, e, 1e-6)

			logits, err := m.Logits(ids, []qwenvit.Clip{clip})
			require.NoError(t, err)
			e = nntest.NMSE(logits, read("logits"))
			t.Logf("%s: logits NMSE %.2e", be.Name(), e)
			require.Less(t, e, 1e-6)

			res, err := m.Generate(ids, []qwenvit.Clip{clip}, qwen2.GenOptions{MaxTokens: len(greedy)})
			require.NoError(t, err)
			require.Equal(t, greedy, res.IDs)

			// Without the 32 slots the pads do not match the tower's + the geometry tokens.
			_, err = m.Logits(plain, []qwenvit.Clip{clip})
			require.ErrorContains(t, err, "16 <|video_pad|> tokens, its 1 clip(s) make 48")
		})
	}
}
