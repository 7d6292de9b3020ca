package qwen2

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/dsr4d/dsr4d/internal/atomicfile"
	"github.com/dsr4d/dsr4d/nn"
	"github.com/dsr4d/dsr4d/nn/safetensors"
	"github.com/dsr4d/dsr4d/nn/tokenizer"
)

// QwenAddedTokens are Qwen2.5-VL's 22 added tokens in id order (<|endoftext|> = 151643 …).
var QwenAddedTokens = []string{"<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|object_ref_end|>",
	"<|box_start|>", "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>", "<|vision_end|>",
	"<|vision_pad|>", "<|image_pad|>", "<|video_pad|>", "<tool_call>", "</tool_call>", "<|fim_prefix|>",
	"<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>"}

// Named returns a built-in config: "tiny" (2 layers of width 64, GQA 4/2, a 320-token
// vocabulary: tests and the golden) or "7b" (Qwen2.5-VL-7B-Instruct's text sizes).
func Named(name string) (Config, error) {
	switch name {
	case "tiny":
		c := Config{Hidden: 64, Intermediate: 160, Layers: 2, Heads: 4, KVHeads: 2, Vocab: 320, MaxPositions: 512,
			RMSEps: 1e-6, RopeTheta: 1e6, MRoPESection: [3]int{2, 3, 3}, SpatialMerge: 2, TokensPerSecond: 2, TorchDType: "float32"}
		c.setAddedIDs(256)
		return c, nil
	case "7b":
		c := Config{Hidden: 3584, Intermediate: 18944, Layers: 28, Heads: 28, KVHeads: 4, Vocab: 152064, MaxPositions: 128000,
			RMSEps: 1e-6, RopeTheta: 1e6, MRoPESection: [3]int{16, 24, 24}, SpatialMerge: 2, TokensPerSecond: 2, TorchDType: "bfloat16"}
		c.setAddedIDs(151643)
		return c, nil
	}
	return Config{}, fmt.Errorf("qwen2: unknown config %q (want tiny or 7b)", name)
}

// setAddedIDs sets the vision and stop ids for Qwen's added tokens numbered from base.
func (c *Config) setAddedIDs(base int) {
	c.VisionStart, c.ImageToken, c.VideoToken = base+9, base+12, base+13
	c.EOS = []int{base + 2, base} // <|im_end|>, <|endoftext|>
}

// shardAbove is the checkpoint size (bytes at 2 per parameter) above which WriteCheckpoint
// shards; tests lower it.
var shardAbove int64 = 1 << 30

// addedBase is the id of <|endoftext|> in the tokenizer WriteCheckpoint writes for c.
func (c Config) addedBase() int { return c.EOS[1] }

// RandomParams returns seeded random values for every parameter of a model of config c, in
// the order of its Params walk (RandomModule's values). each gets the tensors one at a time (a
// 7B checkpoint does not fit in memory as float32 at once).
func RandomParams(c Config, seed uint64, each func(safetensors.Tensor) error) error {
	return RandomModule(New(nil, c), "", seed, each)
}

// RandomModule gives each seeded random values for every parameter of mod under prefix, in
// its Params walk's order: Linear weights N(0, 1/in), biases N(0, 0.1²), norm weights 1 +
// N(0, 0.1²), an embed_tokens table N(0, 1).
func RandomModule(mod nn.Module, prefix string, seed uint64, each func(safetensors.Tensor) error) error {
	rng := rand.New(rand.NewPCG(seed, 2))
	var err error
	mod.Params(prefix, func(p nn.Param) {
		if err != nil {
			return
		}
		n := 1
		for _, d := range p.Shape {
			n *= d
		}
		mean, std := 0.0, 0.1
		switch {
		case strings.HasSuffix(p.Name, "embed_tokens.weight"):
			std = 1
		case len(p.Shape) == 2:
			std = 1 / math.Sqrt(float64(p.Shape[1]))
		case strings.HasSuffix(p.Name, "norm.weight"), strings.HasSuffix(p.Name, "norm1.weight"), strings.HasSuffix(p.Name, "norm2.weight"), strings.HasSuffix(p.Name, "ln_q.weight"):
			mean = 1
		}
		data := make([]float32, n)
		for i := range data {
			data[i] = float32(mean + std*rng.NormFloat64())
		}
		err = each(safetensors.Tensor{Name: p.Name, Shape: p.Shape, Data: data})
	})
	return err
}

// WriteCheckpoint writes a random model of config c to dir: config.json, the weights in dtype
// (F32, BF16 or F16; norms, biases and the embedding stay F32 only with F32) as
// model.safetensors, or for models over 1 GB one shard per layer with
// model.safetensors.index.json, and a tokenizer.json: a byte-level BPE of the 256 byte tokens
// (no merges) with Qwen's 22 added tokens numbered as c expects. Shapes and names are the
// released ones, so the loaders see what a real checkpoint gives them.
func WriteCheckpoint(dir string, c Config, seed uint64, dtype string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := atomicfile.Write(filepath.Join(dir, "config.json"), c.JSON()); err != nil {
		return err
	}
	tok, err := TokenizerJSON(c.addedBase())
	if err != nil {
		return err
	}
	if err := atomicfile.Write(filepath.Join(dir, "tokenizer.json"), tok); err != nil {
		return err
	}
	params := int64(c.Vocab)*int64(c.Hidden)*2 + int64(c.Layers)*(4*int64(c.Hidden)*int64(c.Hidden)+3*int64(c.Hidden)*int64(c.Intermediate))
	sharded := params*2 > shardAbove
	shardOf := func(name string) string {
		switch _, rest, layer := strings.Cut(name, "layers."); {
		case !sharded:
			return "model.safetensors"
		case layer:
			n, _, _ := strings.Cut(rest, ".")
			return fmt.Sprintf("model-layer-%s.safetensors", n)
		case strings.Contains(name, "embed_tokens"):
			return "model-embed.safetensors"
		}
		return "model-head.safetensors" // model.norm, lm_head
	}
	weightMap := map[string]string{}
	var cur string
	var batch []safetensors.Tensor
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := safetensors.Write(filepath.Join(dir, cur), batch, map[string]string{"format": "pt"})
		batch = nil
		return err
	}
	// The walk visits each shard's tensors in one run, so one shard is held at a time.
	err = RandomParams(c, seed, func(t safetensors.Tensor) error {
		t.DType = dtype
		if f := shardOf(t.Name); f != cur {
			if err := flush(); err != nil {
				return err
			}
			cur = f
		}
		weightMap[t.Name] = cur
		batch = append(batch, t)
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil || !sharded {
		return err
	}
	idx, _ := json.MarshalIndent(map[string]any{"metadata": map[string]any{}, "weight_map": weightMap}, "", "  ")
	return atomicfile.Write(filepath.Join(dir, safetensors.IndexName), idx)
}

// TokenizerJSON returns a tokenizer.json that package tokenizer loads: byte-level BPE over
// the 256 byte tokens (ids 0–255, GPT-2's byte-to-rune map, no merges) and Qwen's 22 added
// tokens from id base on. Qwen2's pre-tokenizer and decoder, so every code path is the real one.
func TokenizerJSON(base int) ([]byte, error) {
	vocab := map[string]int{}
	for b := range 256 {
		vocab[string(byteRune(byte(b)))] = b
	}
	var added []map[string]any
	for i, s := range QwenAddedTokens {
		added = append(added, map[string]any{"id": base + i, "content": s, "single_word": false, "lstrip": false,
			"rstrip": false, "normalized": false, "special": true})
	}
	f := map[string]any{
		"version":      "1.0",
		"added_tokens": added,
		"normalizer":   map[string]any{"type": "NFC"},
		"pre_tokenizer": map[string]any{"type": "Sequence", "pretokenizers": []any{
			map[string]any{"type": "Split", "pattern": map[string]any{"Regex": tokenizer.Qwen2Pattern}, "behavior": "Isolated", "invert": false},
			map[string]any{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false},
		}},
		"post_processor": nil,
		"decoder":        map[string]any{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false},
		"model":          map[string]any{"type": "BPE", "dropout": nil, "unk_token": nil, "fuse_unk": false, "byte_fallback": false, "vocab": vocab, "merges": []any{}},
	}
	return json.Marshal(f)
}

// byteRune is GPT-2's bytes_to_unicode: printable Latin-1 bytes map to themselves, the others
// to 256 + their rank among them.
func byteRune(b byte) rune {
	if ('!' <= b && b <= '~') || (0xA1 <= b && b <= 0xAC) || 0xAE <= b {
		return rune(b)
	}
	n := 0
	for c := 0; c < int(b); c++ {
		if !(('!' <= c && c <= '~') || (0xA1 <= c && c <= 0xAC) || 0xAE <= c) {
			n++
		}
	}
	return rune(256 + n)
}
