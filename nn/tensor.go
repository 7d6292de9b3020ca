package nn

import (
	"fmt"

	"github.com/dsr4d/dsr4d/vk"
)

// Tensor is a row-major float32 array on a Backend. Ops read it as a matrix of Rows() × Cols()
// (the last dimension is Cols).
type Tensor struct {
	shape []int
	be    Backend
	data  []float32  // CPU
	buf   *vk.Buffer // Vulkan
	half  bool       // Vulkan: stored as binary16 (a Linear weight made by NewHalf)
}

// Shape returns a copy of the tensor's dimensions.
func (t *Tensor) Shape() []int { return append([]int(nil), t.shape...) }

// Len is the number of elements.
func (t *Tensor) Len() int { return numel(t.shape) }

// Cols is the last dimension.
func (t *Tensor) Cols() int { return t.shape[len(t.shape)-1] }

// Rows is the product of every dimension but the last.
func (t *Tensor) Rows() int { return t.Len() / t.Cols() }

// Backend is the backend the tensor lives on.
func (t *Tensor) Backend() Backend { return t.be }

// Reshape returns a tensor sharing t's memory with another shape of the same size. The result
// must not be released separately from t.
func (t *Tensor) Reshape(shape ...int) *Tensor {
	if numel(shape) != t.Len() {
		panic(&ShapeError{Op: "Reshape", Msg: fmt.Sprintf("%v has %d elements, want %d", shape, numel(shape), t.Len())})
	}
	return &Tensor{shape: append([]int(nil), shape...), be: t.be, data: t.data, buf: t.buf, half: t.half}
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

// Backend creates tensors and runs ops on them. See the package doc for error handling.
type Backend interface {
	// Name is "cpu" or "vulkan".
	Name() string
	// New returns a tensor holding a copy of data (len(data) must equal the shape's size).
	New(data []float32, shape ...int) *Tensor
	// NewHalf returns a Linear weight from binary16 bits (see internal/float16). The Vulkan
	// backend keeps it in 16 bits (half the memory; the matmul's texel fetch converts it) and
	// accepts it only as Linear's w; the CPU backend converts it to float32.
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
	// RoPE rotates each of the heads of x (n, heads·hd) by the tables cos, sin (n, hd):
	// x·cos + rotate_half(x)·sin with rotate_half(x) = (−x₂, x₁) over the two halves of a head.
	RoPE(x, cos, sin *Tensor, heads int) *Tensor
	// Attention returns softmax(q·kᵀ/√hd)·v per head for q (nq, heads·hd) and k, v
	// (nk, kvHeads·hd), query head h reading KV head h/(heads/kvHeads) (GQA). The mask is
	// block-diagonal: sample s's qLens[s] queries see only its kLens[s] keys (nil: one sample).
	Attention(q, k, v *Tensor, heads, kvHeads int, qLens, kLens []int) *Tensor
	// Embedding returns the rows ids of table (V, D).
	Embedding(table *Tensor, ids []int) *Tensor
	// RepeatRows returns x stacked times times along the rows.
	RepeatRows(x *Tensor, times int) *Tensor
}

// attnRanges returns, per query row, the key range [k0, k1) the mask allows.
func attnRanges(op string, nq, nk int, qLens, kLens []int) []uint32 {
	if qLens == nil && kLens == nil {
		qLens, kLens = []int{nq}, []int{nk}
	}
	if len(qLens) != len(kLens) {
		shapeErr(op, "%d query segments and %d key segments", len(qLens), len(kLens))
	}
	r := make([]uint32, 0, 2*nq)
	q, k := 0, 0
	for s := range qLens {
		if qLens[s] < 0 || kLens[s] < 0 {
			shapeErr(op, "negative segment length")
		}
		for range qLens[s] {
			r = append(r, uint32(k), uint32(k+kLens[s]))
		}
		q += qLens[s]
		k += kLens[s]
	}
	if q != nq || k != nk {
		shapeErr(op, "segments cover %d queries and %d keys, tensors have %d and %d", q, k, nq, nk)
	}
	return r
}

func checkAttention(q, k, v *Tensor, heads, kvHeads int) (hd int) {
	if heads <= 0 || kvHeads <= 0 || heads%kvHeads != 0 || q.Cols()%heads != 0 {
		shapeErr("Attention", "heads %d, kv heads %d, q %v", heads, kvHeads, q.shape)
	}
	hd = q.Cols() / heads
	if k.Cols() != kvHeads*hd || v.Cols() != kvHeads*hd || k.Rows() != v.Rows() {
		shapeErr("Attention", "k %v and v %v, want (n, %d)", k.shape, v.shape, kvHeads*hd)
	}
	return hd
}

func checkRoPE(x, cos, sin *Tensor, heads int) (hd int) {
	if heads <= 0 || x.Cols()%heads != 0 {
		shapeErr("RoPE", "x %v is not %d heads", x.shape, heads)
	}
	hd = x.Cols() / heads
	if hd%2 != 0 || cos.Cols() != hd || sin.Cols() != hd || cos.Rows() != x.Rows() || sin.Rows() != x.Rows() {
		shapeErr("RoPE", "x %v, cos %v, sin %v, head dim %d", x.shape, cos.shape, sin.shape, hd)
	}
	return hd
}
