package nn

import (
	"fmt"

	"github.com/dsr4d/dsr4d/nn/internal/kern"
	"github.com/dsr4d/dsr4d/vk"
)

// DType is how a tensor's elements are stored. Compute is always float32; only Linear weights
// may be 16-bit.
type DType int

const (
	F32  DType = iota
	F16        // IEEE binary16
	BF16       // bfloat16: the high half of a float32
)

func (d DType) String() string { return [...]string{"F32", "F16", "BF16"}[d] }

// Tensor is a row-major array on a Backend. Ops read it as a matrix of Rows() × Cols() (the
// last dimension is Cols).
type Tensor struct {
	shape  []int
	be     Backend
	dtype  DType
	data   []float32     // CPU (16-bit weights: widened on the reference backend, nil on CPU)
	packed *kern.PackedB // CPU: the Linear weight packed for kern.Gemm, made on first use
	buf    *vk.Buffer    // Vulkan
}

// Shape returns a copy of the tensor's dimensions.
func (t *Tensor) Shape() []int { return append([]int(nil), t.shape...) }

// Len is the number of elements.
func (t *Tensor) Len() int { return numel(t.shape) }

// Cols is the last dimension.
func (t *Tensor) Cols() int { return t.shape[len(t.shape)-1] }

// Rows is the product of every dimension but the last.
func (t *Tensor) Rows() int { return t.Len() / t.Cols() }

// DType is the storage type.
func (t *Tensor) DType() DType { return t.dtype }

// Backend is the backend the tensor lives on.
func (t *Tensor) Backend() Backend { return t.be }

// Reshape returns a tensor sharing t's memory with another shape of the same size. The result
// must not be released separately from t.
func (t *Tensor) Reshape(shape ...int) *Tensor {
	if numel(shape) != t.Len() {
		shapeErr("Reshape", "%v has %d elements, want %d", shape, numel(shape), t.Len())
	}
	u := *t
	u.shape = append([]int(nil), shape...)
	return &u
}

// Prefix returns the first n rows of a 2-D view of t, sharing its memory (a KV cache's filled
// part). It must not be released separately from t.
func (t *Tensor) Prefix(n int) *Tensor {
	if n <= 0 || n > t.Rows() {
		shapeErr("Prefix", "%d rows of %v", n, t.shape)
	}
	u := *t
	u.shape = []int{n, t.Cols()}
	if u.data != nil {
		u.data = u.data[:n*t.Cols()]
	}
	return &u
}

func numel(shape []int) int {
	if len(shape) == 0 {
		return 0
	}
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// ShapeError is the panic value of an op given tensors of mismatched shapes.
type ShapeError struct {
	Op  string
	Msg string
}

func (e *ShapeError) Error() string { return "nn: " + e.Op + ": " + e.Msg }

func shapeErr(op, format string, args ...any) {
	panic(&ShapeError{Op: op, Msg: fmt.Sprintf(format, args...)})
}

func checkShape(op string, shape []int) {
	if len(shape) == 0 {
		shapeErr(op, "empty shape")
	}
	for _, d := range shape {
		if d <= 0 {
			shapeErr(op, "shape %v has a non-positive dimension", shape)
		}
	}
}

func sameShape(op string, a, b *Tensor) {
	if a.Len() != b.Len() || a.Cols() != b.Cols() {
		shapeErr(op, "shapes %v and %v differ", a.shape, b.shape)
	}
}

func wantCols(op, what string, t *Tensor, cols int) {
	if t.Len() != cols {
		shapeErr(op, "%s has shape %v, want (%d)", what, t.shape, cols)
	}
}

// f32 panics unless every tensor is stored as float32 (16-bit tensors are Linear weights only).
func f32(op string, ts ...*Tensor) {
	for _, t := range ts {
		if t != nil && t.dtype != F32 {
			shapeErr(op, "a %v tensor %v is only usable as a Linear weight", t.dtype, t.shape)
		}
	}
}

// Backend creates tensors and runs ops on them; *CPU and *Vulkan implement it. See the package
// doc for error handling. The ops (methods of the embedded ops) check shapes, then call the
// backend's kernels.
type Backend interface {
	// Name is "cpu", "ref" or "vulkan".
	Name() string
	// New returns a tensor holding a copy of data (len(data) must equal the shape's size).
	New(data []float32, shape ...int) *Tensor
	// New16 returns a Linear weight from 16-bit bits of dtype F16 or BF16, kept in 16 bits on
	// Vulkan (converted by the kernel that reads it) and widened exactly on the CPU.
	New16(dtype DType, bits []uint16, shape ...int) *Tensor
	// NewHalf is New16(F16, bits, shape...).
	NewHalf(bits []uint16, shape ...int) *Tensor
	// Zeros returns a zero-filled tensor.
	Zeros(shape ...int) *Tensor
	// Read waits for the ops recorded so far and returns a copy of t's elements.
	Read(t *Tensor) ([]float32, error)
	// Sync waits for the ops recorded so far and returns the sticky error.
	Sync() error
	// Err returns the sticky error without waiting.
	Err() error
	// Release frees tensors (on Vulkan after the batch that uses them completes).
	Release(ts ...*Tensor)
	// Close releases the backend's own resources (not the device it was given).
	Close() error
	// Scope opens a scope: every tensor made until its Close is released then, but those Kept.
	Scope() *Scope

	// Linear returns x·wᵀ + b for x (m, k), w (n, k) and b (n) or nil.
	Linear(x, w, b *Tensor) *Tensor
	// RMSNorm returns x · rsqrt(mean(x²) + eps) · w per row.
	RMSNorm(x, w *Tensor, eps float32) *Tensor
	// LayerNorm returns (x − mean) · rsqrt(var + eps) · w + b per row (biased variance).
	LayerNorm(x, w, b *Tensor, eps float32) *Tensor
	// GELU returns x·Φ(x) with the exact (erf) form, or the tanh approximation when tanh is set.
	GELU(x *Tensor, tanh bool) *Tensor
	// SiLU returns x·σ(x).
	SiLU(x *Tensor) *Tensor
	// SwiGLU returns SiLU(gate) ⊙ up.
	SwiGLU(gate, up *Tensor) *Tensor
	// Softmax returns the softmax of every row.
	Softmax(x *Tensor) *Tensor
	// Add returns a + b (same shape).
	Add(a, b *Tensor) *Tensor
	// ScaleCols returns x with column j multiplied by g[j] (LayerScale).
	ScaleCols(x, g *Tensor) *Tensor
	// RoPE rotates each of the heads of x (n, heads·hd) by the table r (see Rotary).
	RoPE(x *Tensor, r Rotary, heads int) *Tensor
	// Attention returns softmax(q·kᵀ·scale)·v per head for q (nq, heads·hd) and k, v
	// (nk, kvHeads·hd) under the mask of o (see AttnOpts), without an nq × nk score matrix.
	Attention(q, k, v *Tensor, o AttnOpts) *Tensor
	// Embedding returns the rows ids of table (V, D).
	Embedding(table *Tensor, ids []int) *Tensor
	// RepeatRows returns x stacked times times along the rows.
	RepeatRows(x *Tensor, times int) *Tensor
	// CopyRows copies src's rows into dst from row row0 on (dst is changed in place).
	CopyRows(dst *Tensor, row0 int, src *Tensor)

	ops() *opset
}
