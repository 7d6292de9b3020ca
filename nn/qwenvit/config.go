package qwenvit

import (
	"encoding/json"
	"fmt"
	"os"
)

// Config is the vision_config of a Qwen2.5-VL config.json (Qwen2_5_VLVisionConfig).
type Config struct {
	Depth             int    `json:"depth"`
	Hidden            int    `json:"hidden_size"`
	Intermediate      int    `json:"intermediate_size"`
	Heads             int    `json:"num_heads"`
	InChans           int    `json:"in_chans"`
	OutHidden         int    `json:"out_hidden_size"` // the LLM width the merger writes
	PatchSize         int    `json:"patch_size"`
	MergeSize         int    `json:"spatial_merge_size"`
	TemporalPatchSize int    `json:"temporal_patch_size"`
	WindowSize        int    `json:"window_size"` // pixels per window side (112)
	FullAttBlocks     []int  `json:"fullatt_block_indexes"`
	HiddenAct         string `json:"hidden_act"`
	TokensPerSecond   int    `json:"tokens_per_second"`
}

// Official is Qwen2.5-VL-7B-Instruct's vision_config.
func Official() Config {
	return Config{Depth: 32, Hidden: 1280, Intermediate: 3420, Heads: 16, InChans: 3, OutHidden: 3584,
		PatchSize: 14, MergeSize: 2, TemporalPatchSize: 2, WindowSize: 112, FullAttBlocks: []int{7, 15, 23, 31},
		HiddenAct: "silu", TokensPerSecond: 2}
}

// Tiny is the golden's configuration (scripts/golden_qwenvit.py): the official structure at
// width 32 (4 heads of 8), depth 4 with block 2 full attention, and windows of 2×2 merged
// tokens (56 px) so that small frames split into several windows.
func Tiny() Config {
	return Config{Depth: 4, Hidden: 32, Intermediate: 48, Heads: 4, InChans: 3, OutHidden: 40,
		PatchSize: 14, MergeSize: 2, TemporalPatchSize: 2, WindowSize: 56, FullAttBlocks: []int{2},
		HiddenAct: "silu", TokensPerSecond: 2}
}

// ParseConfig reads the vision_config object of a Qwen2.5-VL config.json. Fields it lacks keep
// the defaults of Qwen2_5_VLVisionConfig (in_chans 3, window 112, …) as transformers does;
// name says where the bytes came from, for errors.
func ParseConfig(data []byte, name string) (Config, error) {
	var top struct {
		Vision json.RawMessage `json:"vision_config"`
	}
	if err := json.Unmarshal(data, &top); err != nil {
		return Config{}, fmt.Errorf("qwenvit: %s: %w", name, err)
	}
	if top.Vision == nil {
		return Config{}, fmt.Errorf("qwenvit: %s: no vision_config", name)
	}
	// transformers' defaults (Qwen2_5_VLVisionConfig.__init__).
	c := Config{Depth: 32, Hidden: 3584, Intermediate: 3420, Heads: 16, InChans: 3, OutHidden: 3584,
		PatchSize: 14, MergeSize: 2, TemporalPatchSize: 2, WindowSize: 112, FullAttBlocks: []int{7, 15, 23, 31},
		HiddenAct: "silu", TokensPerSecond: 4}
	var alias struct {
		InChannels *int `json:"in_channels"` // newer transformers spell in_chans so
	}
	if err := json.Unmarshal(top.Vision, &c); err != nil {
		return Config{}, fmt.Errorf("qwenvit: %s: vision_config: %w", name, err)
	}
	if err := json.Unmarshal(top.Vision, &alias); err == nil && alias.InChannels != nil {
		c.InChans = *alias.InChannels
	}
	if err := c.Validate(); err != nil {
		return Config{}, fmt.Errorf("qwenvit: %s: %w", name, err)
	}
	return c, nil
}

// LoadConfig reads path (a config.json) with ParseConfig.
func LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("qwenvit: %w", err)
	}
	return ParseConfig(data, path)
}

// HeadDim is Hidden / Heads.
func (c Config) HeadDim() int { return c.Hidden / c.Heads }

// PatchDim is the length of one flattened patch: channels × temporal × patch × patch.
func (c Config) PatchDim() int { return c.InChans * c.TemporalPatchSize * c.PatchSize * c.PatchSize }

// Factor is the side, in pixels, frames are resized to multiples of (patch × merge, 28).
func (c Config) Factor() int { return c.PatchSize * c.MergeSize }

// WindowTokens is the side of an attention window in merged tokens (112 / 2 / 14 = 4).
func (c Config) WindowTokens() int { return c.WindowSize / c.MergeSize / c.PatchSize }

// Validate checks every field, naming the first that does not fit.
func (c Config) Validate() error {
	pos := []struct {
		name string
		v    int
	}{{"depth", c.Depth}, {"hidden_size", c.Hidden}, {"intermediate_size", c.Intermediate}, {"num_heads", c.Heads},
		{"in_chans", c.InChans}, {"out_hidden_size", c.OutHidden}, {"patch_size", c.PatchSize},
		{"spatial_merge_size", c.MergeSize}, {"temporal_patch_size", c.TemporalPatchSize}, {"window_size", c.WindowSize},
		{"tokens_per_second", c.TokensPerSecond}}
	for _, f := range pos {
		if f.v <= 0 {
			return fmt.Errorf("vision_config.%s = %d, want > 0", f.name, f.v)
		}
	}
	if c.Hidden%c.Heads != 0 || c.HeadDim()%4 != 0 {
		return fmt.Errorf("vision_config.num_heads = %d: hidden_size %d must split into heads of a multiple of 4 dims (2-D rotary)", c.Heads, c.Hidden)
	}
	if c.WindowTokens() <= 0 || c.WindowSize%(c.MergeSize*c.PatchSize) != 0 {
		return fmt.Errorf("vision_config.window_size = %d, want a multiple of spatial_merge_size × patch_size = %d", c.WindowSize, c.Factor())
	}
	for _, b := range c.FullAttBlocks {
		if b < 0 || b >= c.Depth {
			return fmt.Errorf("vision_config.fullatt_block_indexes: %d outside depth %d", b, c.Depth)
		}
	}
	if c.HiddenAct != "silu" {
		return fmt.Errorf("vision_config.hidden_act = %q, only \"silu\" is supported", c.HiddenAct)
	}
	return nil
}
