package qwen2

import (
	"encoding/json"
	"fmt"
	"os"
)

// Config is the text part of a Qwen2.5-VL (or Qwen2) config.json, the fields the decoder uses.
type Config struct {
	Hidden       int     `json:"hidden_size"`
	Intermediate int     `json:"intermediate_size"`
	Layers       int     `json:"num_hidden_layers"`
	Heads        int     `json:"num_attention_heads"`
	KVHeads      int     `json:"num_key_value_heads"`
	Vocab        int     `json:"vocab_size"`
	MaxPositions int     `json:"max_position_embeddings"`
	RMSEps       float64 `json:"rms_norm_eps"`
	RopeTheta    float64 `json:"rope_theta"`
	// MRoPESection splits half a head's dims among the (t, h, w) position rows
	// (rope_scaling.mrope_section); all on t for a plain Qwen2 config.
	MRoPESection [3]int `json:"-"`
	// The vision placeholders (get_rope_index) and the vision tower's sizes it needs.
	ImageToken      int     `json:"image_token_id"`
	VideoToken      int     `json:"video_token_id"`
	VisionStart     int     `json:"vision_start_token_id"`
	SpatialMerge    int     `json:"-"`
	TokensPerSecond float64 `json:"-"`
	// EOS are the config's eos_token_id (one id or a list).
	EOS []int `json:"-"`
	// TorchDType is the stored dtype the config names ("bfloat16", ...); informational.
	TorchDType string `json:"torch_dtype"`
}

// HeadDim is Hidden / Heads.
func (c Config) HeadDim() int { return c.Hidden / c.Heads }

// rawConfig holds the fields that need checking before they become a Config.
type rawConfig struct {
	Config
	ModelType       string          `json:"model_type"`
	HiddenAct       string          `json:"hidden_act"`
	Tie             bool            `json:"tie_word_embeddings"`
	UseSliding      bool            `json:"use_sliding_window"`
	AttentionBias   *bool           `json:"attention_bias"`
	HeadDimField    int             `json:"head_dim"`
	EOSRaw          json.RawMessage `json:"eos_token_id"`
	TextConfig      json.RawMessage `json:"text_config"`
	RopeScaling     *ropeScaling    `json:"rope_scaling"`
	VisionConfigRaw *struct {
		SpatialMerge    int     `json:"spatial_merge_size"`
		TokensPerSecond float64 `json:"tokens_per_second"`
	} `json:"vision_config"`
}

type ropeScaling struct {
	Type         string `json:"type"`
	RopeType     string `json:"rope_type"`
	MRoPESection []int  `json:"mrope_section"`
}

// LoadConfig reads and checks a config.json.
func LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("qwen2: %w", err)
	}
	c, err := ParseConfig(data)
	if err != nil {
		return Config{}, fmt.Errorf("qwen2: %s: %w", path, err)
	}
	return c, nil
}

// ParseConfig parses a config.json: Qwen2.5-VL's (text fields at the top level, or under
// text_config as newer transformers write them) or Qwen2's. Anything the decoder does not
// implement is an error naming the field.
func ParseConfig(data []byte) (Config, error) {
	var r rawConfig
	if err := json.Unmarshal(data, &r); err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	if len(r.TextConfig) > 0 && string(r.TextConfig) != "null" {
		// The text fields live in text_config; the top level keeps the vision ids.
		top := r
		if err := json.Unmarshal(r.TextConfig, &r); err != nil {
			return Config{}, fmt.Errorf("config: text_config: %w", err)
		}
		for _, f := range []struct{ dst, src *int }{{&r.ImageToken, &top.ImageToken}, {&r.VideoToken, &top.VideoToken}, {&r.VisionStart, &top.VisionStart}} {
			if *f.dst == 0 {
				*f.dst = *f.src
			}
		}
		if r.VisionConfigRaw == nil {
			r.VisionConfigRaw = top.VisionConfigRaw
		}
		if len(r.EOSRaw) == 0 {
			r.EOSRaw = top.EOSRaw
		}
		r.Tie = r.Tie || top.Tie
	}
	c := r.Config
	switch {
	case r.HiddenAct != "" && r.HiddenAct != "silu":
		return c, fmt.Errorf("hidden_act: %q unsupported (want silu)", r.HiddenAct)
	case r.Tie:
		return c, fmt.Errorf("tie_word_embeddings: true unsupported (Qwen2.5-VL-7B has an untied lm_head)")
	case r.UseSliding:
		return c, fmt.Errorf("use_sliding_window: true unsupported")
	case r.AttentionBias != nil && !*r.AttentionBias:
		return c, fmt.Errorf("attention_bias: false unsupported (Qwen2 has q/k/v biases)")
	case c.Hidden <= 0:
		return c, fmt.Errorf("hidden_size: %d, want > 0", c.Hidden)
	case c.Intermediate <= 0:
		return c, fmt.Errorf("intermediate_size: %d, want > 0", c.Intermediate)
	case c.Layers <= 0:
		return c, fmt.Errorf("num_hidden_layers: %d, want > 0", c.Layers)
	case c.Heads <= 0 || c.Hidden%c.Heads != 0 || (c.Hidden/c.Heads)%2 != 0:
		return c, fmt.Errorf("num_attention_heads: %d does not split hidden_size %d into heads of an even size", c.Heads, c.Hidden)
	case r.HeadDimField != 0 && r.HeadDimField != c.Hidden/c.Heads:
		return c, fmt.Errorf("head_dim: %d unsupported (want hidden_size / num_attention_heads = %d)", r.HeadDimField, c.Hidden/c.Heads)
	case c.Vocab <= 0:
		return c, fmt.Errorf("vocab_size: %d, want > 0", c.Vocab)
	}
	if c.KVHeads == 0 {
		c.KVHeads = c.Heads
	}
	if c.KVHeads < 0 || c.Heads%c.KVHeads != 0 {
		return c, fmt.Errorf("num_key_value_heads: %d does not divide num_attention_heads %d", c.KVHeads, c.Heads)
	}
	if c.RMSEps == 0 {
		c.RMSEps = 1e-6
	}
	if c.RMSEps < 0 {
		return c, fmt.Errorf("rms_norm_eps: %v, want > 0", c.RMSEps)
	}
	if c.RopeTheta == 0 {
		c.RopeTheta = 10000
	}
	if c.RopeTheta <= 1 {
		return c, fmt.Errorf("rope_theta: %v, want > 1", c.RopeTheta)
	}
	if c.MaxPositions <= 0 {
		c.MaxPositions = 32768
	}
	half := c.HeadDim() / 2
	c.MRoPESection = [3]int{half, 0, 0}
	if rs := r.RopeScaling; rs != nil {
		typ := rs.Type
		if typ == "" {
			typ = rs.RopeType
		}
		switch typ {
		case "mrope", "default", "":
		default:
			return c, fmt.Errorf("rope_scaling.type: %q unsupported (want mrope or default)", typ)
		}
		if rs.MRoPESection != nil {
			if len(rs.MRoPESection) != 3 || rs.MRoPESection[0] < 0 || rs.MRoPESection[1] < 0 || rs.MRoPESection[2] < 0 ||
				rs.MRoPESection[0]+rs.MRoPESection[1]+rs.MRoPESection[2] != half {
				return c, fmt.Errorf("rope_scaling.mrope_section: %v, want 3 sizes summing to head_dim / 2 = %d", rs.MRoPESection, half)
			}
			c.MRoPESection = [3]int(rs.MRoPESection)
		}
	}
	c.SpatialMerge, c.TokensPerSecond = 2, 2
	if v := r.VisionConfigRaw; v != nil {
		if v.SpatialMerge > 0 {
			c.SpatialMerge = v.SpatialMerge
		}
		if v.TokensPerSecond > 0 {
			c.TokensPerSecond = v.TokensPerSecond
		}
	}
	if len(r.EOSRaw) > 0 && string(r.EOSRaw) != "null" {
		var one int
		if err := json.Unmarshal(r.EOSRaw, &one); err == nil {
			c.EOS = []int{one}
		} else if err := json.Unmarshal(r.EOSRaw, &c.EOS); err != nil {
			return c, fmt.Errorf("eos_token_id: want an id or a list of ids: %w", err)
		}
	}
	for _, id := range c.EOS {
		if id < 0 || id >= c.Vocab {
			return c, fmt.Errorf("eos_token_id: %d outside the vocabulary of %d", id, c.Vocab)
		}
	}
	return c, nil
}

// JSON returns c as a Qwen2.5-VL config.json (the fields ParseConfig reads, under their
// released names).
func (c Config) JSON() []byte {
	m := map[string]any{
		"architectures":           []string{"Qwen2_5_VLForConditionalGeneration"},
		"model_type":              "qwen2_5_vl",
		"hidden_act":              "silu",
		"hidden_size":             c.Hidden,
		"intermediate_size":       c.Intermediate,
		"num_hidden_layers":       c.Layers,
		"num_attention_heads":     c.Heads,
		"num_key_value_heads":     c.KVHeads,
		"vocab_size":              c.Vocab,
		"max_position_embeddings": c.MaxPositions,
		"rms_norm_eps":            c.RMSEps,
		"rope_theta":              c.RopeTheta,
		"rope_scaling":            map[string]any{"type": "mrope", "mrope_section": c.MRoPESection[:]},
		"tie_word_embeddings":     false,
		"use_sliding_window":      false,
		"image_token_id":          c.ImageToken,
		"video_token_id":          c.VideoToken,
		"vision_start_token_id":   c.VisionStart,
		"vision_config":           map[string]any{"spatial_merge_size": c.SpatialMerge, "tokens_per_second": c.TokensPerSecond},
		"torch_dtype":             c.TorchDType,
	}
	if len(c.EOS) == 1 {
		m["eos_token_id"] = c.EOS[0]
	} else if len(c.EOS) > 1 {
		m["eos_token_id"] = c.EOS
	}
	b, _ := json.MarshalIndent(m, "", "  ")
	return append(b, '\n')
}
