package qwenvl

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/dsr4d/dsr4d/nn"
	"github.com/dsr4d/dsr4d/nn/dinov2"
	"github.com/dsr4d/dsr4d/nn/gsm"
	"github.com/dsr4d/dsr4d/nn/qwen2"
	"github.com/dsr4d/dsr4d/nn/qwenvit"
	"github.com/dsr4d/dsr4d/nn/safetensors"
	"github.com/dsr4d/dsr4d/nn/tokenizer"
)

// SpatialPrefix is where the DSR model's DINOv2 weights live.
const SpatialPrefix = qwenvit.Prefix + "spatial_encoder."

// Spatial is the DSR model's spatial branch (Qwen2_5_VisionTransformerPretrainedModel_Spatial):
// DINOv2 over the clip's own patches, then the GSM over those features and the prompt's text
// embeddings, giving gsm.Config.Queries geometry tokens that follow the tower's tokens.
type Spatial struct {
	Encoder *dinov2.Encoder
	GSM     *gsm.Model
	// NonText are the ids the reference drops from the text states (its non_text_tokens:
	// <|endoftext|>, <|im_start|>, <|im_end|>, <|vision_start|> … <|video_pad|>).
	NonText []int
}

// spatialExt is the vision_config key (a dsr4d extension) that sizes a smaller spatial encoder
// for tests; without it the encoder is the reference's fixed dinov2_vitl14_reg.
type spatialExt struct {
	Dim       int `json:"dim"`
	Depth     int `json:"depth"`
	Heads     int `json:"heads"`
	Registers int `json:"registers"`
	Grid      int `json:"grid"`
}

// spatialEncoderConfig reads vision_config.spatial_encoder (absent: dinov2.DSRSpatial).
func spatialEncoderConfig(data []byte, name string) (dinov2.Config, error) {
	var top struct {
		Vision struct {
			Spatial *spatialExt `json:"spatial_encoder"`
		} `json:"vision_config"`
	}
	if err := json.Unmarshal(data, &top); err != nil {
		return dinov2.Config{}, fmt.Errorf("qwenvl: %s: %w", name, err)
	}
	c := dinov2.DSRSpatial()
	if e := top.Vision.Spatial; e != nil {
		c.Dim, c.Depth, c.Heads, c.Registers, c.Grid = e.Dim, e.Depth, e.Heads, e.Registers, e.Grid
		if c.Dim <= 0 || c.Depth <= 0 || c.Heads <= 0 || c.Dim%c.Heads != 0 || c.Registers < 0 || c.Grid <= 0 {
			return c, fmt.Errorf("qwenvl: %s: vision_config.spatial_encoder %+v: want positive sizes, dim a multiple of heads", name, *e)
		}
	}
	return c, nil
}

// gsmConfig is the GSM of the reference: its Q-Formers are built from the language model's
// config (Qwen2_5_QFormer(config_all)), its merger reads 2×2×2 encoder tokens.
func gsmConfig(lm qwen2.Config, enc dinov2.Config) gsm.Config {
	return gsm.Config{Hidden: lm.Hidden, Heads: lm.Heads, KVHeads: lm.KVHeads, MLP: lm.Intermediate,
		Queries: tokenizer.DSRGeometrySlots, SpatialDim: enc.Dim, Eps: 1e-6, Theta: lm.RopeTheta, Sections: lm.MRoPESection}
}

// checkSpatial names what the reference's reshapes assume and vc does not give.
func checkSpatial(vc qwenvit.Config, enc dinov2.Config) error {
	switch {
	case vc.TemporalPatchSize != 2:
		return fmt.Errorf("vision_config.temporal_patch_size = %d: the spatial branch pairs frames (2)", vc.TemporalPatchSize)
	case vc.MergeSize != 2:
		return fmt.Errorf("vision_config.spatial_merge_size = %d: the spatial branch merges 2×2", vc.MergeSize)
	case vc.PatchSize != enc.Patch:
		return fmt.Errorf("vision_config.patch_size = %d differs from the spatial encoder's %d", vc.PatchSize, enc.Patch)
	}
	return nil
}

// loadSpatial loads the branch from set.
func loadSpatial(be nn.Backend, set *safetensors.Set, cfgData []byte, cfgPath string, lm qwen2.Config, vc qwenvit.Config) (*Spatial, error) {
	ec, err := spatialEncoderConfig(cfgData, cfgPath)
	if err != nil {
		return nil, err
	}
	if err := checkSpatial(vc, ec); err != nil {
		return nil, fmt.Errorf("qwenvl: %s: %w", cfgPath, err)
	}
	enc := dinov2.New(ec)
	if err := nn.Load(be, set.Prefix(SpatialPrefix), enc); err != nil {
		return nil, fmt.Errorf("qwenvl: spatial encoder: %w", err)
	}
	g, err := gsm.Load(be, set, qwenvit.Prefix, gsmConfig(lm, ec))
	if err != nil {
		nn.Free(be, enc)
		return nil, err
	}
	base := lm.VisionStart - 9 // Qwen's added tokens are numbered from <|endoftext|> in a fixed order
	return &Spatial{Encoder: enc, GSM: g, NonText: []int{base, base + 1, base + 2, base + 9, base + 10, base + 11, base + 12, base + 13}}, nil
}

// Free releases the branch's weights.
func (s *Spatial) Free(be nn.Backend) {
	nn.Free(be, s.Encoder)
	s.GSM.Close()
}

// LoadSpatial loads only the DSR model's spatial branch of the checkpoint in dir (config.json
// and the visual.spatial_encoder.* and GSM weights; the language model and vision tower are not
// read), with the vision config whose patches it takes: what `dsr4d gsm --frames` runs.
func LoadSpatial(be nn.Backend, dir string) (*Spatial, qwenvit.Config, error) {
	cfgPath := filepath.Join(dir, "config.json")
	cfgData, err := os.ReadFile(cfgPath)
	if err != nil {
		return nil, qwenvit.Config{}, fmt.Errorf("qwenvl: %w", err)
	}
	lc, err := qwen2.ParseConfig(cfgData)
	if err != nil {
		return nil, qwenvit.Config{}, fmt.Errorf("qwen2: %s: %w", cfgPath, err)
	}
	vc, err := qwenvit.ParseConfig(cfgData, cfgPath)
	if err != nil {
		return nil, vc, err
	}
	set, err := safetensors.Open(dir)
	if err != nil {
		return nil, vc, fmt.Errorf("qwenvl: %w", err)
	}
	defer set.Close()
	s, err := loadSpatial(be, set, cfgData, cfgPath, lc, vc)
	return s, vc, err
}

// geometry runs the branch for one clip and the prompt ids: the text states are the
// embed_tokens rows of ids without NonText.
func (m *Model) geometry(ids []int, clip qwenvit.Clip) ([]float32, error) {
	var text []int
	for _, id := range ids {
		if !slices.Contains(m.Spatial.NonText, id) {
			text = append(text, id)
		}
	}
	if len(text) == 0 {
		return nil, fmt.Errorf("qwenvl: the prompt has no text tokens for the spatial branch")
	}
	emb := m.be.Embedding(m.LM.Embed, text)
	states, err := m.be.Read(emb)
	m.be.Release(emb)
	if err != nil {
		return nil, err
	}
	return m.Spatial.Geometry(m.be, m.VisionCfg, states, clip)
}

// Geometry runs the branch on one clip (prepared by vc) and the text states (L, Hidden): the
// features are DINOv2's patch tokens of the clip's frames (dinov2.FromQwenPatches), the result
// the (Queries, Hidden) geometry tokens.
func (s *Spatial) Geometry(be nn.Backend, vc qwenvit.Config, states []float32, clip qwenvit.Clip) ([]float32, error) {
	g := clip.Grid
	imgs, err := dinov2.FromQwenPatches(clip.Patches, dinov2.QwenGrid{T: g[0], H: g[1], W: g[2], Merge: vc.MergeSize,
		TemporalPatch: vc.TemporalPatchSize, Patch: vc.PatchSize})
	if err != nil {
		return nil, err
	}
	feat, err := s.Encoder.Forward(be, imgs, g[0]*vc.TemporalPatchSize, g[1]*vc.PatchSize, g[2]*vc.PatchSize)
	if err != nil {
		return nil, err
	}
	features, err := be.Read(feat)
	be.Release(feat)
	if err != nil {
		return nil, err
	}
	out, err := s.GSM.Forward([]gsm.Sample{{Text: states, Features: features, Grid: g, SecondPerGridT: float32(clip.SecondPerGridT)}})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// PromptIDs returns ids as the model reads them: for the DSR model, with DSRGeometrySlots more
// <|video_pad|> after the first run of them (where the geometry tokens go, as the DSR Suite's
// evaluation scripts insert them); otherwise ids unchanged.
func (m *Model) PromptIDs(ids []int) []int {
	if m.Spatial == nil {
		return ids
	}
	return tokenizer.InsertAfterFirstRun(ids, m.LM.Cfg.VideoToken, tokenizer.DSRGeometrySlots)
}
