package nn

import (
	"fmt"
	"slices"

	"github.com/dsr4d/dsr4d/internal/float16"
	"github.com/dsr4d/dsr4d/nn/safetensors"
)

// Param is one released tensor of a layer: its checkpoint name, its shape and where Load puts
// it. The names of a model live in its layers' Params walks, nowhere else.
type Param struct {
	Name  string
	Shape []int
	// Dst receives the tensor; with several, the rows are split among them in blocks of Rows
	// (a fused qkv projection loaded as three Linears).
	Dst  []**Tensor
	Rows []int
	// Weight marks a Linear weight: stored in F16 or BF16, it stays 16-bit (Backend.New16), and
	// the CPU keeps it only packed for its matmul (Read of it fails there).
	Weight bool
}

// Module is a layer or a model made of layers: Params visits its parameters, each name prefixed.
type Module interface {
	Params(prefix string, visit func(Param))
}

// Params lists m's parameters under prefix.
func Params(m Module, prefix string) []Param {
	var ps []Param
	m.Params(prefix, func(p Param) { ps = append(ps, p) })
	return ps
}

// Source provides weights by name, converted to float32, with their shape checked;
// *safetensors.Set implements it. A Source that also has Info (as *safetensors.Set) tells the
// stored dtype, so that 16-bit Linear weights stay 16-bit.
type Source interface {
	Float32(name string, shape ...int) ([]float32, error)
}

type infoSource interface {
	Info(name string) (safetensors.Info, error)
}

// Load reads every parameter of m from src onto be (outside any scope). A missing or mis-shaped
// tensor is an error naming it (and, from a safetensors.Set, its file); the parameters loaded
// before it are released.
func Load(be Backend, src Source, m Module) error {
	var err error
	var loaded []*Tensor
	be.ops().persistent(func() {
		m.Params("", func(p Param) {
			if err != nil {
				return
			}
			var ts []*Tensor
			if ts, err = load(be, src, p); err == nil {
				loaded = append(loaded, ts...)
			}
		})
	})
	if err == nil {
		err = be.Err()
	}
	if err != nil {
		be.Release(loaded...)
		return fmt.Errorf("nn: load: %w", err)
	}
	return nil
}

// read returns p's values as float32, or for a Linear weight stored in 16 bits as its bits.
func read(src Source, p Param) (data []float32, bits []uint16, dtype DType, err error) {
	if is, ok := src.(infoSource); ok && p.Weight {
		info, err := is.Info(p.Name)
		if err != nil {
			return nil, nil, F32, err
		}
		switch info.DType {
		case "F16":
			dtype = F16
		case "BF16":
			dtype = BF16
		}
	}
	if bs, ok := src.(bitsSource); ok && dtype != F32 {
		// The stored bits: no float32 copy (a 7B model's BF16 weights would need twice their size).
		bits, _, err := bs.Bits(p.Name, p.Shape...)
		return nil, bits, dtype, err
	}
	data, err = src.Float32(p.Name, p.Shape...)
	if err != nil || dtype == F32 {
		return data, nil, F32, err
	}
	// Exact: the values were widened from dtype.
	bits = make([]uint16, len(data))
	for j, v := range data {
		if dtype == BF16 {
			bits[j] = float16.BF16FromFloat32(v)
		} else {
			bits[j] = float16.FromFloat32(v)
		}
	}
	return nil, bits, dtype, nil
}

// bitsSource hands out 16-bit tensors as their stored bits (*safetensors.Set does).
type bitsSource interface {
	Bits(name string, shape ...int) (bits []uint16, dtype string, err error)
}

func load(be Backend, src Source, p Param) ([]*Tensor, error) {
	data, bits, dtype, err := read(src, p)
	if err != nil {
		return nil, err
	}
	rows := p.Rows
	if rows == nil {
		rows = []int{p.Shape[0]}
	}
	if len(rows) != len(p.Dst) {
		return nil, fmt.Errorf("%s: %d row blocks for %d tensors", p.Name, len(rows), len(p.Dst))
	}
	cols := numel(p.Shape) / p.Shape[0]
	var ts []*Tensor
	r0 := 0
	for i, n := range rows {
		shape := slices.Clone(p.Shape)
		shape[0] = n
		var t *Tensor
		if dtype == F32 {
			t = be.New(data[r0*cols:(r0+n)*cols], shape...)
		} else {
			t = be.New16(dtype, bits[r0*cols:(r0+n)*cols], shape...)
		}
		if p.Weight {
			be.ops().k.weight(t)
		}
		*p.Dst[i] = t
		ts = append(ts, t)
		r0 += n
	}
	return ts, nil
}

// Free releases m's parameters.
func Free(be Backend, m Module) {
	m.Params("", func(p Param) {
		for _, d := range p.Dst {
			be.Release(*d)
			*d = nil
		}
	})
}
