package gsm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/dsr4d/dsr4d/internal/float16"
	"github.com/dsr4d/dsr4d/nn"
	"github.com/dsr4d/dsr4d/nn/safetensors"
)

// QFormer is one Q-Former layer: "norm1", "norm2" (RMSNorm), "attn" (cross-attention with
// q_proj, k_proj, v_proj biases and o_proj without), "mlp" (SwiGLU with biases).
type QFormer struct {
	Norm1, Norm2 nn.RMSNorm
	Attn         *nn.Attention
	MLP          *nn.SwiGLU
}

func (q *QFormer) Params(prefix string, visit func(nn.Param)) {
	q.Norm1.Params(prefix+"norm1.", visit)
	q.Norm2.Params(prefix+"norm2.", visit)
	q.Attn.Params(prefix+"attn.", visit)
	q.MLP.Params(prefix+"mlp.", visit)
}

// Merger is the spatial merger: "ln_q" (RMSNorm), "mlp.0" and "mlp.2" (a GELU MLP).
type Merger struct {
	LnQ nn.RMSNorm
	MLP *nn.MLP
}

func (m *Merger) Params(prefix string, visit func(nn.Param)) {
	m.LnQ.Params(prefix+"ln_q.", visit)
	m.MLP.Params(prefix+"mlp.", visit)
}

// Model is a GSM of a Config; once loaded, on a backend.
type Model struct {
	Config
	be             nn.Backend
	QFormerQueries *nn.Tensor // q_former_queries
	Norm           nn.RMSNorm // q_former_norm
	Merger         Merger
	QF             [2]*QFormer
}

// New returns the model of cfg without weights (Load fills them).
func New(cfg Config) *Model {
	m := &Model{Config: cfg, Norm: nn.RMSNorm{Dim: cfg.Hidden, Eps: cfg.Eps},
		Merger: Merger{LnQ: nn.RMSNorm{Dim: cfg.MergedDim(), Eps: cfg.Eps}, MLP: nn.NewMLP(cfg.MergedDim(), cfg.MergedDim(), cfg.Hidden)}}
	m.Merger.MLP.Names = [2]string{"0", "2"}
	for i := range m.QF {
		m.QF[i] = &QFormer{Norm1: nn.RMSNorm{Dim: cfg.Hidden, Eps: cfg.Eps}, Norm2: nn.RMSNorm{Dim: cfg.Hidden, Eps: cfg.Eps},
			Attn: nn.NewAttention(nn.AttentionConfig{Dim: cfg.Hidden, Heads: cfg.Heads, KVHeads: cfg.KVHeads, QKVBias: true}),
			MLP:  nn.NewSwiGLU(cfg.Hidden, cfg.MLP, true)}
	}
	return m
}

// Params walks the released names (without the checkpoint's "visual." prefix).
func (m *Model) Params(prefix string, visit func(nn.Param)) {
	visit(nn.Param{Name: prefix + "q_former_queries", Shape: []int{m.Queries, m.Hidden}, Dst: []**nn.Tensor{&m.QFormerQueries}})
	m.Norm.Params(prefix+"q_former_norm.", visit)
	m.Merger.Params(prefix+"spatial_merger.", visit)
	for i, q := range m.QF {
		q.Params(fmt.Sprintf("%sq_former_%d.", prefix, i+1), visit)
	}
}

// Params lists the module's weights under the released names, in a fixed order.
func (c Config) Params() []nn.Param { return nn.Params(New(c), "") }

// Random returns seeded random weights for every parameter: Linear weights N(0, 1/in), biases
// N(0, 0.02²), norm weights 1 + N(0, 0.1²), queries N(0, 1). For tests, benchmarks and
// `dsr4d gsm init`.
func Random(c Config, seed uint64) []safetensors.Tensor {
	rng := rand.New(rand.NewPCG(seed, 0x65736d))
	var out []safetensors.Tensor
	for _, p := range c.Params() {
		n := 1
		for _, d := range p.Shape {
			n *= d
		}
		data := make([]float32, n)
		var mean, std float64
		switch {
		case p.Name == "q_former_queries":
			std = 1
		case len(p.Shape) == 2:
			std = 1 / math.Sqrt(float64(p.Shape[1]))
		case strings.HasSuffix(p.Name, ".bias"):
			std = 0.02
		default:
			mean, std = 1, 0.1
		}
		for i := range data {
			data[i] = float32(mean + std*rng.NormFloat64())
		}
		out = append(out, safetensors.Tensor{Name: p.Name, Shape: p.Shape, Data: data})
	}
	return out
}

// Load reads every parameter of cfg from w (names under prefix, e.g. "visual.") onto be. A
// missing or mis-shaped tensor is an error naming it and its file.
func Load(be nn.Backend, w *safetensors.Set, prefix string, cfg Config) (*Model, error) {
	return LoadFrom(be, w.Prefix(prefix), cfg)
}

// LoadFrom is Load from any Source. Linear weights stored in F16 or BF16 stay 16-bit (see
// nn.Load).
func LoadFrom(be nn.Backend, src nn.Source, cfg Config) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := New(cfg)
	m.be = be
	if err := nn.Load(be, src, m); err != nil {
		return nil, fmt.Errorf("gsm: %w", err)
	}
	return m, nil
}

// Backend is the backend the model lives on.
func (m *Model) Backend() nn.Backend { return m.be }

// Close releases the weights.
func (m *Model) Close() { nn.Free(m.be, m) }

// tensorMap adapts a []safetensors.Tensor to a Source (for Random weights without a file).
type tensorMap map[string]safetensors.Tensor

func (t tensorMap) Info(name string) (safetensors.Info, error) {
	x, ok := t[name]
	if !ok {
		return safetensors.Info{}, fmt.Errorf("%s: %w", name, safetensors.ErrNotFound)
	}
	dt := x.DType
	if dt == "" {
		dt = "F32"
	}
	return safetensors.Info{Name: name, DType: dt, Shape: x.Shape}, nil
}

func (t tensorMap) Float32(name string, shape ...int) ([]float32, error) {
	x, err := t.Info(name)
	if err != nil {
		return nil, err
	}
	if len(shape) != len(x.Shape) {
		return nil, fmt.Errorf("%s: shape %v, want %v", name, x.Shape, shape)
	}
	for i := range shape {
		if shape[i] != x.Shape[i] {
			return nil, fmt.Errorf("%s: shape %v, want %v", name, x.Shape, shape)
		}
	}
	data := t[name].Data
	switch x.DType { // round as a file of that type would store the values
	case "BF16":
		out := make([]float32, len(data))
		for i, v := range data {
			out[i] = float16.BF16ToFloat32(float16.BF16FromFloat32(v))
		}
		return out, nil
	case "F16":
		out := make([]float32, len(data))
		for i, v := range data {
			out[i] = float16.ToFloat32(float16.FromFloat32(v))
		}
		return out, nil
	}
	return data, nil
}

// Tensors makes a Source of in-memory tensors (those marked F16 or BF16 load as from a file).
func Tensors(ts []safetensors.Tensor) nn.Source {
	m := tensorMap{}
	for _, t := range ts {
		m[t.Name] = t
	}
	return m
}
