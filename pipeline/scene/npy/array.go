package npy

import (
	"fmt"
	"slices"
)

// Array is an n-dimensional array. Data is a slice of one of the [Elem] types holding the
// elements in native byte order, in C (row-major) order, or in Fortran (column-major) order
// when Fortran is set. len(Data) equals the product of Shape (1 for a scalar, shape ()).
type Array struct {
	Shape   []int
	Fortran bool
	Data    any
}

// New returns a C-order array over data (not copied) with the given shape. It returns an
// error if the element type is not supported or the length does not match the shape.
func New(data any, shape ...int) (*Array, error) {
	a := &Array{Shape: slices.Clone(shape), Data: data}
	if err := a.check(); err != nil {
		return nil, err
	}
	return a, nil
}

// Of is [New] for a typed slice; it panics if len(data) does not match the shape.
func Of[T Elem](data []T, shape ...int) *Array {
	a, err := New(data, shape...)
	if err != nil {
		panic(err)
	}
	return a
}

func (a *Array) check() error {
	d, n := dtypeOfSlice(a.Data)
	if d == Invalid {
		return fmt.Errorf("npy: unsupported data type %T", a.Data)
	}
	want := 1
	for _, s := range a.Shape {
		if s < 0 {
			return fmt.Errorf("npy: negative dimension in shape %v", a.Shape)
		}
		want *= s
	}
	if n != want {
		return fmt.Errorf("npy: %d elements for shape %s (%d elements)", n, ShapeString(a.Shape), want)
	}
	return nil
}

// Dtype returns the element type.
func (a *Array) Dtype() Dtype { d, _ := dtypeOfSlice(a.Data); return d }

// Len returns the number of elements.
func (a *Array) Len() int { _, n := dtypeOfSlice(a.Data); return n }

// HasShape reports whether a's shape equals shape.
func (a *Array) HasShape(shape ...int) bool { return slices.Equal(a.Shape, shape) }

// Values returns a's elements in C order as []T when a holds T: the slice itself for a
// C-order array (no copy), a reordered copy for a Fortran-order one. It returns an error
// naming both types when a holds another type.
func Values[T Elem](a *Array) ([]T, error) {
	s, ok := a.Data.([]T)
	if !ok {
		return nil, fmt.Errorf("dtype %v, want %v", a.Dtype(), DtypeOf[T]())
	}
	if a.Fortran && len(a.Shape) > 1 {
		return fortranToC(s, a.Shape), nil
	}
	return s, nil
}

// fortranToC returns the C-order copy of src, which holds shape in Fortran order.
func fortranToC[T any](src []T, shape []int) []T {
	dst := make([]T, len(src))
	nd := len(shape)
	if len(src) == 0 || nd < 2 {
		copy(dst, src)
		return dst
	}
	// Fortran strides (in elements) of each axis.
	fs := make([]int, nd)
	st := 1
	for k := range nd {
		fs[k] = st
		st *= shape[k]
	}
	idx := make([]int, nd)
	inner := shape[nd-1]
	innerStride := fs[nd-1]
	for i := 0; i < len(dst); i += inner {
		off := 0
		for k := 0; k < nd-1; k++ {
			off += idx[k] * fs[k]
		}
		for j := range inner {
			dst[i+j] = src[off+j*innerStride]
		}
		for k := nd - 2; k >= 0; k-- {
			idx[k]++
			if idx[k] < shape[k] {
				break
			}
			idx[k] = 0
		}
	}
	return dst
}

// cToFortran returns the Fortran-order copy of src, which holds shape in C order.
func cToFortran[T any](src []T, shape []int) []T {
	// The C order of shape is the Fortran order of the reversed shape, transposed.
	rev := slices.Clone(shape)
	slices.Reverse(rev)
	return fortranToC(src, rev)
}

// ToFortran returns a Fortran-order copy of a C-order array (a itself when already Fortran).
func (a *Array) ToFortran() *Array {
	if a.Fortran {
		return a
	}
	b := &Array{Shape: slices.Clone(a.Shape), Fortran: true}
	switch s := a.Data.(type) {
	case []bool:
		b.Data = cToFortran(s, a.Shape)
	case []uint8:
		b.Data = cToFortran(s, a.Shape)
	case []uint16:
		b.Data = cToFortran(s, a.Shape)
	case []int32:
		b.Data = cToFortran(s, a.Shape)
	case []int64:
		b.Data = cToFortran(s, a.Shape)
	case []Half:
		b.Data = cToFortran(s, a.Shape)
	case []float32:
		b.Data = cToFortran(s, a.Shape)
	case []float64:
		b.Data = cToFortran(s, a.Shape)
	}
	return b
}

// ToC returns a C-order copy of a Fortran-order array (a itself when already C order).
func (a *Array) ToC() *Array {
	if !a.Fortran {
		return a
	}
	b := &Array{Shape: slices.Clone(a.Shape)}
	switch s := a.Data.(type) {
	case []bool:
		b.Data = fortranToC(s, a.Shape)
	case []uint8:
		b.Data = fortranToC(s, a.Shape)
	case []uint16:
		b.Data = fortranToC(s, a.Shape)
	case []int32:
		b.Data = fortranToC(s, a.Shape)
	case []int64:
		b.Data = fortranToC(s, a.Shape)
	case []Half:
		b.Data = fortranToC(s, a.Shape)
	case []float32:
		b.Data = fortranToC(s, a.Shape)
	case []float64:
		b.Data = fortranToC(s, a.Shape)
	}
	return b
}

func convert[T, U Elem](s []T, f func(T) U) []U {
	out := make([]U, len(s))
	for i, v := range s {
		out[i] = f(v)
	}
	return out
}

// Float32 returns the elements in C order as float32: the data itself for a C-order
// float32 array (no copy), otherwise a converted copy. float16 converts exactly, float64 and
// integers round to nearest. Bool arrays are refused.
func (a *Array) Float32() ([]float32, error) {
	c := a.ToC()
	switch s := c.Data.(type) {
	case []float32:
		return s, nil
	case []Half:
		return convert(s, Half.Float32), nil
	case []float64:
		return convert(s, func(v float64) float32 { return float32(v) }), nil
	case []uint8:
		return convert(s, func(v uint8) float32 { return float32(v) }), nil
	case []uint16:
		return convert(s, func(v uint16) float32 { return float32(v) }), nil
	case []int32:
		return convert(s, func(v int32) float32 { return float32(v) }), nil
	case []int64:
		return convert(s, func(v int64) float32 { return float32(v) }), nil
	}
	return nil, fmt.Errorf("dtype %v, want a number type", a.Dtype())
}

// Float64 returns the elements in C order as float64, like [Array.Float32].
func (a *Array) Float64() ([]float64, error) {
	c := a.ToC()
	switch s := c.Data.(type) {
	case []float64:
		return s, nil
	case []float32:
		return convert(s, func(v float32) float64 { return float64(v) }), nil
	case []Half:
		return convert(s, func(v Half) float64 { return float64(v.Float32()) }), nil
	case []uint8:
		return convert(s, func(v uint8) float64 { return float64(v) }), nil
	case []uint16:
		return convert(s, func(v uint16) float64 { return float64(v) }), nil
	case []int32:
		return convert(s, func(v int32) float64 { return float64(v) }), nil
	case []int64:
		return convert(s, func(v int64) float64 { return float64(v) }), nil
	}
	return nil, fmt.Errorf("dtype %v, want a number type", a.Dtype())
}

// Bool returns the elements in C order as bool: the data itself for a C-order bool array,
// otherwise a copy where a uint8 is true when non-zero. Other types are refused (a mask
// should not be a float).
func (a *Array) Bool() ([]bool, error) {
	c := a.ToC()
	switch s := c.Data.(type) {
	case []bool:
		return s, nil
	case []uint8:
		return convert(s, func(v uint8) bool { return v != 0 }), nil
	}
	return nil, fmt.Errorf("dtype %v, want bool or uint8", a.Dtype())
}
