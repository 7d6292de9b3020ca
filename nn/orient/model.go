package orient

import (
	"fmt"
	"math"
	"strings"

	"github.com/dsr4d/dsr4d/nn"
	"github.com/dsr4d/dsr4d/nn/dinov2"
)

// Config sizes a Model.
type Config struct {
	Encoder dinov2.Config // no registers
	Out     int           // head width, Logits for the released model
}

// Large is the released Orient Anything model: Hugging Face dinov2-large (24 layers, width
// 1024, 16 heads, patch 14, a 37×37 position table for 518 px, no registers) and a 722-wide head.
func Large() Config {
	return Config{Encoder: dinov2.Config{Dim: 1024, Depth: 24, Heads: 16, Patch: 14, Grid: 37, Offset: 0.1}, Out: Logits}
}

// Model is DINOv2_MLP in eval mode: the encoder on a Backend, the head (BatchNorm folded into
// its Linears) on the host.
type Model struct {
	Cfg Config
	Enc *dinov2.Encoder
	be  nn.Backend
	w1  []float64 // (Out, Dim), BatchNorm folded in
	b1  []float64
	w2  []float64 // (Out, Out)
	b2  []float64
}

// Source is what a checkpoint provides: tensors by name (nn.Source) and their shapes (for the
// head, read on the host). *torchfile.File implements it.
type Source interface {
	nn.Source
	Shape(name string) ([]int, error)
}

// hf is the encoder under Dinov2Model's names, in DINOv2_MLP's "dinov2." (see the package doc).
type hf struct{ e *dinov2.Encoder }

func (m hf) Params(prefix string, visit func(nn.Param)) {
	prefix += "dinov2."
	m.e.Params("", func(p nn.Param) {
		name, split := hfName(p.Name)
		if !split {
			p.Name = prefix + name
			visit(p)
			return
		}
		// blocks.N.attn.qkv.{weight,bias}: three tensors query, key, value, one row block each.
		for i, q := range []string{"query", "key", "value"} {
			shape := append([]int{p.Rows[i]}, p.Shape[1:]...)
			visit(nn.Param{Name: prefix + strings.Replace(name, "%s", q, 1), Shape: shape,
				Dst: p.Dst[i : i+1], Weight: p.Weight})
		}
	})
}

// hfName maps a DINOv2 hub name (nn/dinov2's) to its transformers Dinov2Model name; split
// reports the fused qkv, whose name comes back with a %s for query, key or value.
func hfName(n string) (name string, split bool) {
	switch {
	case n == "cls_token":
		return "embeddings.cls_token", false
	case n == "pos_embed":
		return "embeddings.position_embeddings", false
	case strings.HasPrefix(n, "patch_embed.proj."):
		return "embeddings.patch_embeddings.projection." + strings.TrimPrefix(n, "patch_embed.proj."), false
	case strings.HasPrefix(n, "norm."):
		return "layernorm." + strings.TrimPrefix(n, "norm."), false
	case strings.HasPrefix(n, "blocks."):
		rest := strings.TrimPrefix(n, "blocks.")
		i := strings.IndexByte(rest, '.')
		layer, leaf := rest[:i], rest[i+1:]
		pre := "encoder.layer." + layer + "."
		switch {
		case strings.HasPrefix(leaf, "attn.qkv."):
			return pre + "attention.attention.%s." + strings.TrimPrefix(leaf, "attn.qkv."), true
		case strings.HasPrefix(leaf, "attn.proj."):
			return pre + "attention.output.dense." + strings.TrimPrefix(leaf, "attn.proj."), false
		case leaf == "ls1.gamma":
			return pre + "layer_scale1.lambda1", false
		case leaf == "ls2.gamma":
			return pre + "layer_scale2.lambda1", false
		}
		return pre + leaf, false // norm1, norm2, mlp.fc1, mlp.fc2
	}
	return n, false
}

// Load reads the model from src (the released dino_weight.pt's names: "dinov2." and
// "down_sampler.") onto be. A missing tensor is an error naming it.
func Load(be nn.Backend, src Source, c Config) (*Model, error) {
	if c.Encoder.Registers != 0 {
		return nil, fmt.Errorf("orient: Dinov2Model has no register tokens (config has %d)", c.Encoder.Registers)
	}
	m := &Model{Cfg: c, Enc: dinov2.New(c.Encoder), be: be}
	var err error
	if m.w1, m.b1, err = foldedLinear(src, "down_sampler.net1.", c.Encoder.Dim, c.Out); err != nil {
		return nil, fmt.Errorf("orient: load: %w", err)
	}
	if m.w2, m.b2, err = foldedLinear(src, "down_sampler.net2.", c.Out, c.Out); err != nil {
		return nil, fmt.Errorf("orient: load: %w", err)
	}
	if err := nn.Load(be, src, nn.Module(hf{m.Enc})); err != nil {
		return nil, fmt.Errorf("orient: %w", err)
	}
	return m, nil
}

// foldedLinear reads prefix+"0" (Linear in→out) and prefix+"1" (BatchNorm1d, eval mode, eps
// 1e-5) and folds the BatchNorm into the Linear in float64: y = s⊙(Wx + b − μ) + β with
// s = γ/√(σ² + ε).
func foldedLinear(src Source, prefix string, in, out int) (w, b []float64, err error) {
	get := func(name string, shape ...int) ([]float32, error) { return src.Float32(prefix+name, shape...) }
	lw, err := get("0.weight", out, in)
	if err != nil {
		return nil, nil, err
	}
	lb, err := get("0.bias", out)
	if err != nil {
		return nil, nil, err
	}
	var bn [4][]float32
	for i, n := range []string{"weight", "bias", "running_mean", "running_var"} {
		if bn[i], err = get("1."+n, out); err != nil {
			return nil, nil, err
		}
	}
	w, b = make([]float64, out*in), make([]float64, out)
	for o := range out {
		s := float64(bn[0][o]) / math.Sqrt(float64(bn[3][o])+1e-5)
		for i := range in {
			w[o*in+i] = s * float64(lw[o*in+i])
		}
		b[o] = s*(float64(lb[o])-float64(bn[2][o])) + float64(bn[1][o])
	}
	return w, b, nil
}

// Free releases the encoder's weights.
func (m *Model) Free() { nn.Free(m.be, m.Enc) }

// Forward runs n preprocessed images x (n, 3, 224, 224) and returns their logits (n, Out).
func (m *Model) Forward(x []float32, n int) ([]float32, error) {
	cls, err := m.CLS(x, n, Size, Size)
	if err != nil {
		return nil, err
	}
	return m.head(cls, n), nil
}

// CLS returns last_hidden_state[:, 0] of n images (n, 3, h, w): the cls token after the final
// layernorm, (n, Dim).
func (m *Model) CLS(x []float32, n, h, w int) ([]float32, error) {
	out, err := m.Enc.Encode(m.be, x, n, h, w, dinov2.CLSToken)
	if err != nil {
		return nil, fmt.Errorf("orient: %w", err)
	}
	defer m.be.Release(out)
	return m.be.Read(out)
}

// head applies the folded MLP_dim to n cls rows on the host, in float64.
func (m *Model) head(cls []float32, n int) []float32 {
	in, out := m.Cfg.Encoder.Dim, m.Cfg.Out
	logits := make([]float32, n*out)
	h := make([]float64, out)
	for r := range n {
		x := cls[r*in : (r+1)*in]
		for o := range out {
			acc := m.b1[o]
			for i, w := range m.w1[o*in : (o+1)*in] {
				acc += w * float64(x[i])
			}
			h[o] = max(acc, 0)
		}
		for o := range out {
			acc := m.b2[o]
			for i, w := range m.w2[o*out : (o+1)*out] {
				acc += w * h[i]
			}
			logits[r*out+o] = float32(acc)
		}
	}
	return logits
}

// ConfigFrom reads a checkpoint's sizes: width from the cls token, depth from the layers
// present, the position grid from its table, the head width from down_sampler.net2. heads 0
// means width/64 (every released DINOv2 has 64-wide heads).
func ConfigFrom(src Source, heads int) (Config, error) {
	shape := func(name string) ([]int, error) { return src.Shape("dinov2." + name) }
	cls, err := shape("embeddings.cls_token")
	if err != nil {
		return Config{}, err
	}
	pos, err := shape("embeddings.position_embeddings")
	if err != nil {
		return Config{}, err
	}
	patch, err := shape("embeddings.patch_embeddings.projection.weight")
	if err != nil {
		return Config{}, err
	}
	head, err := src.Shape("down_sampler.net2.0.weight")
	if err != nil {
		return Config{}, err
	}
	if len(cls) != 3 || len(pos) != 3 || len(patch) != 4 || len(head) != 2 {
		return Config{}, fmt.Errorf("orient: unexpected shapes: cls_token %v, position_embeddings %v, projection %v, net2 %v", cls, pos, patch, head)
	}
	c := Config{Encoder: dinov2.Config{Dim: cls[2], Patch: patch[2], Offset: 0.1}, Out: head[0]}
	g := int(math.Sqrt(float64(pos[1] - 1)))
	if g*g != pos[1]-1 {
		return Config{}, fmt.Errorf("orient: position_embeddings has %d rows, want 1 + a square", pos[1])
	}
	c.Encoder.Grid = g
	for {
		if _, err := shape(fmt.Sprintf("encoder.layer.%d.norm1.weight", c.Encoder.Depth)); err != nil {
			break
		}
		c.Encoder.Depth++
	}
	if c.Encoder.Heads = heads; heads == 0 {
		c.Encoder.Heads = c.Encoder.Dim / 64
	}
	if c.Encoder.Depth == 0 || c.Encoder.Heads <= 0 || c.Encoder.Dim%c.Encoder.Heads != 0 {
		return Config{}, fmt.Errorf("orient: %d layers of width %d with %d heads", c.Encoder.Depth, c.Encoder.Dim, c.Encoder.Heads)
	}
	return c, nil
}
