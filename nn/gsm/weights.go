package gsm

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/dsr4d/dsr4d/internal/float16"
	"github.com/dsr4d/dsr4d/nn"
	"github.com/dsr4d/dsr4d/nn/safetensors"
)

// Param is one named weight: its checkpoint name (without prefix) and shape.
type Param struct {
	Name  string
	Shape []int
}

// Params lists the module's weights under the released names, in a fixed order.
func (c Config) Params() []Param {
	D, KV, M, S := c.Hidden, c.KVDim(), c.MLP, c.MergedDim()
	ps := []Param{
		{"q_former_queries", []int{c.Queries, D}},
		{"q_former_norm.weight", []int{D}},
		{"spatial_merger.ln_q.weight", []int{S}},
		{"spatial_merger.mlp.0.weight", []int{S, S}},
		{"spatial_merger.mlp.0.bias", []int{S}},
		{"spatial_merger.mlp.2.weight", []int{D, S}},
		{"spatial_merger.mlp.2.bias", []int{D}},
	}
	for i := 1; i <= 2; i++ {
		p := fmt.Sprintf("q_former_%d.", i)
		ps = append(ps,
			Param{p + "norm1.weight", []int{D}},
			Param{p + "norm2.weight", []int{D}},
			Param{p + "attn.q_proj.weight", []int{D, D}},
			Param{p + "attn.q_proj.bias", []int{D}},
			Param{p + "attn.k_proj.weight", []int{KV, D}},
			Param{p + "attn.k_proj.bias", []int{KV}},
			Param{p + "attn.v_proj.weight", []int{KV, D}},
			Param{p + "attn.v_proj.bias", []int{KV}},
			Param{p + "attn.o_proj.weight", []int{D, D}},
			Param{p + "mlp.gate_proj.weight", []int{M, D}},
			Param{p + "mlp.gate_proj.bias", []int{M}},
			Param{p + "mlp.up_proj.weight", []int{M, D}},
			Param{p + "mlp.up_proj.bias", []int{M}},
			Param{p + "mlp.down_proj.weight", []int{D, M}},
			Param{p + "mlp.down_proj.bias", []int{D}},
		)
	}
	return ps
}

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
		case hasSuffix(p.Name, ".bias"):
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

func hasSuffix(s, suf string) bool { return len(s) >= len(suf) && s[len(s)-len(suf):] == suf }

// QFormer is one Q-Former layer's weights, named as in the checkpoint.
type QFormer struct {
	Norm1, Norm2               *nn.Tensor
	QProj, QBias, KProj, KBias *nn.Tensor
	VProj, VBias, OProj        *nn.Tensor
	Gate, GateBias, Up, UpBias *nn.Tensor
	Down, DownBias             *nn.Tensor
}

// Merger is the spatial merger's weights: ln_q, mlp.0, mlp.2.
type Merger struct {
	LnQ, W0, B0, W2, B2 *nn.Tensor
}

// Model is a loaded GSM on a backend.
type Model struct {
	Config
	be             nn.Backend
	QFormerQueries *nn.Tensor // q_former_queries
	Norm           *nn.Tensor // q_former_norm.weight
	Merger         Merger
	QF             [2]QFormer
	all            []*nn.Tensor
}

// Source provides weights by name (without prefix) with their shape checked; *safetensors.Set
// implements it.
type Source interface {
	Float32(name string, shape ...int) ([]float32, error)
}

// HalfSource is a Source that also hands out 16-bit tensors as binary16 bits (ok false for
// other dtypes); *safetensors.Set implements it. Linear weights found in 16 bits stay 16-bit on
// backends that keep them so (see nn.Backend.NewHalf).
type HalfSource interface {
	Half(name string, shape ...int) (bits []uint16, ok bool, err error)
}

// Load reads every parameter of cfg from w (names under prefix, e.g. "visual.") onto be. A
// missing or mis-shaped tensor is an error naming it and its file.
func Load(be nn.Backend, w *safetensors.Set, prefix string, cfg Config) (*Model, error) {
	return LoadFrom(be, w.Prefix(prefix), cfg)
}

// LoadFrom is Load from any Source.
func LoadFrom(be nn.Backend, src Source, cfg Config) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := &Model{Config: cfg, be: be}
	byName := map[string]**nn.Tensor{
		"q_former_queries":            &m.QFormerQueries,
		"q_former_norm.weight":        &m.Norm,
		"spatial_merger.ln_q.weight":  &m.Merger.LnQ,
		"spatial_merger.mlp.0.weight": &m.Merger.W0,
		"spatial_merger.mlp.0.bias":   &m.Merger.B0,
		"spatial_merger.mlp.2.weight": &m.Merger.W2,
		"spatial_merger.mlp.2.bias":   &m.Merger.B2,
	}
	for i := range m.QF {
		q := &m.QF[i]
		p := fmt.Sprintf("q_former_%d.", i+1)
		for name, t := range map[string]**nn.Tensor{
			"norm1.weight": &q.Norm1, "norm2.weight": &q.Norm2,
			"attn.q_proj.weight": &q.QProj, "attn.q_proj.bias": &q.QBias,
			"attn.k_proj.weight": &q.KProj, "attn.k_proj.bias": &q.KBias,
			"attn.v_proj.weight": &q.VProj, "attn.v_proj.bias": &q.VBias,
			"attn.o_proj.weight":   &q.OProj,
			"mlp.gate_proj.weight": &q.Gate, "mlp.gate_proj.bias": &q.GateBias,
			"mlp.up_proj.weight": &q.Up, "mlp.up_proj.bias": &q.UpBias,
			"mlp.down_proj.weight": &q.Down, "mlp.down_proj.bias": &q.DownBias,
		} {
			byName[p+name] = t
		}
	}
	half, _ := src.(HalfSource)
	for _, p := range cfg.Params() {
		t, err := load(be, src, half, p)
		if err != nil {
			m.Close()
			return nil, fmt.Errorf("gsm: %w", err)
		}
		*byName[p.Name] = t
		m.all = append(m.all, t)
	}
	if err := be.Err(); err != nil {
		m.Close()
		return nil, fmt.Errorf("gsm: load: %w", err)
	}
	return m, nil
}

// load reads one parameter; a Linear weight (2-D, not the queries) stored in 16 bits stays so.
func load(be nn.Backend, src Source, half HalfSource, p Param) (*nn.Tensor, error) {
	if half != nil && len(p.Shape) == 2 && p.Name != "q_former_queries" {
		bits, ok, err := half.Half(p.Name, p.Shape...)
		if err != nil {
			return nil, err
		}
		if ok {
			return be.NewHalf(bits, p.Shape...), nil
		}
	}
	data, err := src.Float32(p.Name, p.Shape...)
	if err != nil {
		return nil, err
	}
	return be.New(data, p.Shape...), nil
}

// Backend is the backend the model lives on.
func (m *Model) Backend() nn.Backend { return m.be }

// Close releases the weights.
func (m *Model) Close() {
	m.be.Release(m.all...)
	m.all = nil
}

// tensorMap adapts a []safetensors.Tensor to a Source (for Random weights without a file).
type tensorMap map[string]safetensors.Tensor

func (t tensorMap) Float32(name string, shape ...int) ([]float32, error) {
	x, ok := t[name]
	if !ok {
		return nil, fmt.Errorf("%s: %w", name, safetensors.ErrNotFound)
	}
	if len(shape) != len(x.Shape) {
		return nil, fmt.Errorf("%s: shape %v, want %v", name, x.Shape, shape)
	}
	for i := range shape {
		if shape[i] != x.Shape[i] {
			return nil, fmt.Errorf("%s: shape %v, want %v", name, x.Shape, shape)
		}
	}
	switch x.DType { // round as a file of that type would store the values
	case "BF16":
		out := make([]float32, len(x.Data))
		for i, v := range x.Data {
			out[i] = float16.BF16ToFloat32(float16.BF16FromFloat32(v))
		}
		return out, nil
	case "F16":
		out := make([]float32, len(x.Data))
		for i, v := range x.Data {
			out[i] = float16.ToFloat32(float16.FromFloat32(v))
		}
		return out, nil
	}
	return x.Data, nil
}

// Half hands out a tensor marked F16 or BF16 as binary16 bits, so in-memory weights load as a
// checkpoint would.
func (t tensorMap) Half(name string, shape ...int) ([]uint16, bool, error) {
	x, ok := t[name]
	if !ok || (x.DType != "F16" && x.DType != "BF16") {
		return nil, false, nil
	}
	data, err := t.Float32(name, shape...)
	if err != nil {
		return nil, false, err
	}
	bits := make([]uint16, len(data))
	for i, v := range data {
		bits[i] = float16.FromFloat32(v)
	}
	return bits, true, nil
}

// Tensors makes a Source of in-memory tensors (a HalfSource for those marked F16 or BF16).
func Tensors(ts []safetensors.Tensor) Source {
	m := tensorMap{}
	for _, t := range ts {
		m[t.Name] = t
	}
	return m
}
