package gsm

import (
	"encoding/json"
	"fmt"
)

// Config holds every size of the module.
type Config struct {
	Hidden     int     `json:"hidden"`      // D, the LLM width
	Heads      int     `json:"heads"`       // query heads
	KVHeads    int     `json:"kv_heads"`    // key/value heads (GQA)
	MLP        int     `json:"mlp"`         // SwiGLU width
	Queries    int     `json:"queries"`     // learnable queries (32)
	SpatialDim int     `json:"spatial_dim"` // encoder width (1024); the merger reads 8× this
	Eps        float32 `json:"eps"`         // RMSNorm epsilon
	Theta      float64 `json:"rope_theta"`
	Sections   [3]int  `json:"mrope_section"` // M-RoPE sections (t, h, w), summing to HeadDim/2
}

// Official is the released configuration (Qwen2.5-VL-7B widths).
func Official() Config {
	return Config{Hidden: 3584, Heads: 28, KVHeads: 4, MLP: 18944, Queries: 32, SpatialDim: 1024,
		Eps: 1e-6, Theta: 1e6, Sections: [3]int{16, 24, 24}}
}

// Tiny is a small configuration for tests: D 64, 4 heads of 16, 2 KV heads, MLP 96, encoder 16.
func Tiny() Config {
	return Config{Hidden: 64, Heads: 4, KVHeads: 2, MLP: 96, Queries: 32, SpatialDim: 16,
		Eps: 1e-6, Theta: 1e6, Sections: [3]int{2, 3, 3}}
}

// Named returns the configuration "tiny" or "official".
func Named(name string) (Config, error) {
	switch name {
	case "tiny":
		return Tiny(), nil
	case "official":
		return Official(), nil
	}
	return Config{}, fmt.Errorf("gsm: unknown config %q (want tiny or official)", name)
}

// HeadDim is Hidden / Heads.
func (c Config) HeadDim() int { return c.Hidden / c.Heads }

// KVDim is the width of the key and value projections.
func (c Config) KVDim() int { return c.KVHeads * c.HeadDim() }

// MergedDim is the merger's input width: 2×2×2 encoder tokens.
func (c Config) MergedDim() int { return 8 * c.SpatialDim }

// Validate checks that the sizes fit together.
func (c Config) Validate() error {
	if c.Hidden <= 0 || c.Heads <= 0 || c.KVHeads <= 0 || c.MLP <= 0 || c.Queries <= 0 || c.SpatialDim <= 0 {
		return fmt.Errorf("gsm: config %+v has a non-positive size", c)
	}
	if c.Hidden%c.Heads != 0 || c.Heads%c.KVHeads != 0 || c.HeadDim()%2 != 0 {
		return fmt.Errorf("gsm: config: hidden %d, heads %d, kv heads %d do not divide into even heads", c.Hidden, c.Heads, c.KVHeads)
	}
	if s := c.Sections; s[0]+s[1]+s[2] != c.HeadDim()/2 {
		return fmt.Errorf("gsm: config: mrope sections %v must sum to head dim %d / 2", s, c.HeadDim())
	}
	return nil
}

// MetadataKey is the safetensors __metadata__ key under which `dsr4d gsm init` stores the config.
const MetadataKey = "dsr4d.gsm.config"

// ConfigFromMetadata reads the config stored by Random's writer, if any.
func ConfigFromMetadata(md map[string]string) (Config, bool, error) {
	s, ok := md[MetadataKey]
	if !ok {
		return Config{}, false, nil
	}
	var c Config
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		return Config{}, true, fmt.Errorf("gsm: metadata %s: %w", MetadataKey, err)
	}
	return c, true, c.Validate()
}

// Metadata returns the safetensors metadata that records c.
func (c Config) Metadata() map[string]string {
	b, _ := json.Marshal(c)
	return map[string]string{MetadataKey: string(b), "format": "pt"}
}
