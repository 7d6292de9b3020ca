package npy

import (
	"fmt"
	"unsafe"

	"github.com/dsr4d/dsr4d/internal/float16"
)

// Dtype is an array element type.
type Dtype uint8

// The supported element types.
const (
	Invalid Dtype = iota
	Bool
	Uint8
	Uint16
	Int32
	Int64
	Float16
	Float32
	Float64
)

var dtypeInfo = [...]struct {
	name, code string
	size       int
}{
	Invalid: {"invalid", "", 0},
	Bool:    {"bool", "b1", 1},
	Uint8:   {"uint8", "u1", 1},
	Uint16:  {"uint16", "u2", 2},
	Int32:   {"int32", "i4", 4},
	Int64:   {"int64", "i8", 8},
	Float16: {"float16", "f2", 2},
	Float32: {"float32", "f4", 4},
	Float64: {"float64", "f8", 8},
}

// String returns numpy's name for the type ("float32").
func (d Dtype) String() string {
	if int(d) < len(dtypeInfo) {
		return dtypeInfo[d].name
	}
	return fmt.Sprintf("Dtype(%d)", d)
}

// Size returns the size of one element in bytes (0 for Invalid).
func (d Dtype) Size() int {
	if int(d) < len(dtypeInfo) {
		return dtypeInfo[d].size
	}
	return 0
}

// descr returns the little-endian numpy descr string ("<f4", "|b1").
func (d Dtype) descr() string {
	if d.Size() == 1 {
		return "|" + dtypeInfo[d].code
	}
	return "<" + dtypeInfo[d].code
}

// Elem is the set of Go element types an [Array] can hold.
type Elem interface {
	bool | uint8 | uint16 | int32 | int64 | Half | float32 | float64
}

// DtypeOf returns the Dtype of a Go element type.
func DtypeOf[T Elem]() Dtype {
	var z T
	switch any(z).(type) {
	case bool:
		return Bool
	case uint8:
		return Uint8
	case uint16:
		return Uint16
	case int32:
		return Int32
	case int64:
		return Int64
	case Half:
		return Float16
	case float32:
		return Float32
	case float64:
		return Float64
	}
	return Invalid
}

// makeSlice allocates a slice of n elements of type d.
func makeSlice(d Dtype, n int) any {
	switch d {
	case Bool:
		return make([]bool, n)
	case Uint8:
		return make([]uint8, n)
	case Uint16:
		return make([]uint16, n)
	case Int32:
		return make([]int32, n)
	case Int64:
		return make([]int64, n)
	case Float16:
		return make([]Half, n)
	case Float32:
		return make([]float32, n)
	case Float64:
		return make([]float64, n)
	}
	return nil
}

// dtypeOfSlice returns the Dtype and length of a supported slice, or Invalid.
func dtypeOfSlice(v any) (Dtype, int) {
	switch s := v.(type) {
	case []bool:
		return Bool, len(s)
	case []uint8:
		return Uint8, len(s)
	case []uint16:
		return Uint16, len(s)
	case []int32:
		return Int32, len(s)
	case []int64:
		return Int64, len(s)
	case []Half:
		return Float16, len(s)
	case []float32:
		return Float32, len(s)
	case []float64:
		return Float64, len(s)
	}
	return Invalid, 0
}

func viewBytes[T Elem](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	var z T
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(z)))
}

// bytesOf returns the memory of a supported slice as bytes (no copy).
func bytesOf(v any) []byte {
	switch s := v.(type) {
	case []bool:
		return viewBytes(s)
	case []uint8:
		return s
	case []uint16:
		return viewBytes(s)
	case []int32:
		return viewBytes(s)
	case []int64:
		return viewBytes(s)
	case []Half:
		return viewBytes(s)
	case []float32:
		return viewBytes(s)
	case []float64:
		return viewBytes(s)
	}
	return nil
}

// nativeLittle reports whether this machine is little endian.
var nativeLittle = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

// swapBytes reverses the byte order of each size-byte element of b in place.
func swapBytes(b []byte, size int) {
	switch size {
	case 2:
		for i := 0; i+1 < len(b); i += 2 {
			b[i], b[i+1] = b[i+1], b[i]
		}
	case 4:
		for i := 0; i+3 < len(b); i += 4 {
			b[i], b[i+1], b[i+2], b[i+3] = b[i+3], b[i+2], b[i+1], b[i]
		}
	case 8:
		for i := 0; i+7 < len(b); i += 8 {
			b[i], b[i+1], b[i+2], b[i+3], b[i+4], b[i+5], b[i+6], b[i+7] = b[i+7], b[i+6], b[i+5], b[i+4], b[i+3], b[i+2], b[i+1], b[i]
		}
	}
}

// Half is an IEEE 754 binary16 value, held as its bits.
type Half uint16

// Float32 returns f as a float32 (exact).
func (f Half) Float32() float32 { return float16.ToFloat32(uint16(f)) }

// HalfFrom converts a float32 to the nearest float16, rounding ties to even; values too
// large become ±Inf and NaN stays NaN.
func HalfFrom(v float32) Half { return Half(float16.FromFloat32(v)) }
