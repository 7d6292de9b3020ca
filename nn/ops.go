package nn

import (
	"math"
	"slices"

	"github.com/dsr4d/dsr4d/shaders"
)

// kernels is what a backend implements: the ops after their shape checks, writing into an output
// the ops allocated with alloc. Each kernel may assume shapes fit (ops checked them).
type kernels interface {
	alloc(shape []int, dtype DType) *Tensor
	upload(t *Tensor, data []float32)
	upload16(t *Tensor, bits []uint16)
	// weight marks a loaded Linear weight: the backend may keep it only in the form its matmul
	// reads (the CPU packs it and frees the row-major copy).
	weight(t *Tensor)
	zero(t *Tensor)
	linear(out, x, w, b *Tensor)
	rmsNorm(out, x, w *Tensor, eps float32)
	layerNorm(out, x, w, b *Tensor, eps float32)
	unary(op unaryOp, out, x, y *Tensor)
	softmax(out, x *Tensor)
	add(out, a, b *Tensor)
	scaleCols(out, x, g *Tensor)
	rope(out, x, cos, sin *Tensor, heads, parts int)
	attention(out, q, k, v *Tensor, a attnCall)
	embedding(out, table *Tensor, ids []int)
	copyRows(dst *Tensor, row0 int, src *Tensor)
}

// unaryOp names a unary kernel on every backend by nn_unary.comp's OP constant.
type unaryOp = shaders.NNUnaryOP

const (
	opGELU     = shaders.NNUnaryGELUErf
	opGELUTanh = shaders.NNUnaryGELUTanh
	opSiLU     = shaders.NNUnarySiLU
	opSwiGLU   = shaders.NNUnarySwiGLU
)

// attnCall is a checked attention: the segments (never nil) and, equivalently, the key range
// [ranges[2i], ranges[2i+1]) of each query row.
type attnCall struct {
	heads, kvHeads, hd int
	scale              float32
	qLens, kLens       []int
	causal             bool
	ranges             []uint32
}

// opset holds the exported ops of every backend: shape checks, the output's allocation and its
// scope, then the backend's kernel.
type opset struct {
	be      Backend
	k       kernels
	scopes  []*Scope
	persist int // > 0: allocations belong to no scope (weights, caches)
}

func (o *opset) ops() *opset { return o }

// persistent runs f with the tensors it makes outside every scope.
func (o *opset) persistent(f func()) {
	o.persist++
	defer func() { o.persist-- }()
	f()
}

func (o *opset) init(be Backend, k kernels) { o.be, o.k = be, k }

// out allocates a float32 result and records it in the innermost scope.
func (o *opset) out(shape []int) *Tensor { return o.alloc(shape, F32) }

func (o *opset) alloc(shape []int, dtype DType) *Tensor {
	checkShape("New", shape)
	t := o.k.alloc(slices.Clone(shape), dtype)
	if n := len(o.scopes); n > 0 && o.persist == 0 {
		o.scopes[n-1].ts = append(o.scopes[n-1].ts, t)
	}
	return t
}

func like(x *Tensor, cols int) []int {
	return append(slices.Clone(x.shape[:len(x.shape)-1]), cols)
}

func (o *opset) New(data []float32, shape ...int) *Tensor {
	t := o.out(shape)
	if len(data) != t.Len() {
		shapeErr("New", "%d values for shape %v", len(data), shape)
	}
	o.k.upload(t, data)
	return t
}

func (o *opset) New16(dtype DType, bits []uint16, shape ...int) *Tensor {
	if dtype != F16 && dtype != BF16 {
		shapeErr("New16", "dtype %v", dtype)
	}
	t := o.alloc(shape, dtype)
	if len(bits) != t.Len() {
		shapeErr("New16", "%d values for shape %v", len(bits), shape)
	}
	o.k.upload16(t, bits)
	return t
}

func (o *opset) NewHalf(bits []uint16, shape ...int) *Tensor { return o.New16(F16, bits, shape...) }

func (o *opset) Zeros(shape ...int) *Tensor {
	t := o.out(shape)
	o.k.zero(t)
	return t
}

// Scope is an arena for temporaries: the tensors a backend makes while the scope is the innermost
// one open are released by Close, except those passed to Keep.
type Scope struct {
	o    *opset
	ts   []*Tensor
	done bool
}

func (o *opset) Scope() *Scope {
	s := &Scope{o: o}
	o.scopes = append(o.scopes, s)
	return s
}

// Keep hands t, if the scope holds it, to the enclosing scope (or to nobody: the caller releases
// it) and returns t.
func (s *Scope) Keep(t *Tensor) *Tensor {
	i := slices.Index(s.ts, t)
	if i < 0 {
		return t
	}
	s.ts = slices.Delete(s.ts, i, i+1)
	o := s.o
	if j := slices.Index(o.scopes, s); j > 0 {
		o.scopes[j-1].ts = append(o.scopes[j-1].ts, t)
	}
	return t
}

// Close releases the scope's tensors and closes it (and any scope opened inside it).
func (s *Scope) Close() {
	if s.done {
		return
	}
	s.done = true
	o := s.o
	if i := slices.Index(o.scopes, s); i >= 0 {
		for _, inner := range slices.Backward(o.scopes[i+1:]) {
			inner.Close()
		}
		o.scopes = o.scopes[:i]
	}
	o.be.Release(s.ts...)
	s.ts = nil
}

func (o *opset) Linear(x, w, b *Tensor) *Tensor {
	f32("Linear", x, b)
	k, n := x.Cols(), w.Rows()
	if w.Cols() != k {
		shapeErr("Linear", "x %v and weight %v (want (out, %d))", x.shape, w.shape, k)
	}
	if b != nil {
		wantCols("Linear", "bias", b, n)
	}
	out := o.out(like(x, n))
	o.k.linear(out, x, w, b)
	return out
}

func (o *opset) RMSNorm(x, w *Tensor, eps float32) *Tensor {
	f32("RMSNorm", x, w)
	wantCols("RMSNorm", "weight", w, x.Cols())
	out := o.out(x.shape)
	o.k.rmsNorm(out, x, w, eps)
	return out
}

func (o *opset) LayerNorm(x, w, b *Tensor, eps float32) *Tensor {
	f32("LayerNorm", x, w, b)
	wantCols("LayerNorm", "weight", w, x.Cols())
	wantCols("LayerNorm", "bias", b, x.Cols())
	out := o.out(x.shape)
	o.k.layerNorm(out, x, w, b, eps)
	return out
}

func (o *opset) unary(name string, op unaryOp, x, y *Tensor) *Tensor {
	f32(name, x, y)
	if y != nil {
		sameShape(name, x, y)
	}
	out := o.out(x.shape)
	o.k.unary(op, out, x, y)
	return out
}

func (o *opset) GELU(x *Tensor, tanh bool) *Tensor {
	if tanh {
		return o.unary("GELU", opGELUTanh, x, nil)
	}
	return o.unary("GELU", opGELU, x, nil)
}

func (o *opset) SiLU(x *Tensor) *Tensor          { return o.unary("SiLU", opSiLU, x, nil) }
func (o *opset) SwiGLU(gate, up *Tensor) *Tensor { return o.unary("SwiGLU", opSwiGLU, gate, up) }

func (o *opset) Softmax(x *Tensor) *Tensor {
	f32("Softmax", x)
	out := o.out(x.shape)
	o.k.softmax(out, x)
	return out
}

func (o *opset) Add(a, b *Tensor) *Tensor {
	f32("Add", a, b)
	sameShape("Add", a, b)
	out := o.out(a.shape)
	o.k.add(out, a, b)
	return out
}

func (o *opset) ScaleCols(x, g *Tensor) *Tensor {
	f32("ScaleCols", x, g)
	wantCols("ScaleCols", "scale", g, x.Cols())
	out := o.out(x.shape)
	o.k.scaleCols(out, x, g)
	return out
}

// Rotary is a rotary position table: Cos and Sin, (n, headDim) for the n rows of the tensor it
// rotates. A head is split into Parts equal parts (0 means 1) and each part p rotated as
// x·cos + rotate_half(x)·sin over its own dims, rotate_half(x) = (−x₂, x₁) of the part's halves:
// 1 part is RoPE and M-RoPE (RoPETable, MRoPETable), 2 parts π³'s RoPE2D (RoPE2DTable).
type Rotary struct {
	Cos, Sin *Tensor
	Parts    int
}

func (r Rotary) parts() int { return max(r.Parts, 1) }

func (o *opset) RoPE(x *Tensor, r Rotary, heads int) *Tensor {
	f32("RoPE", x, r.Cos, r.Sin)
	if heads <= 0 || x.Cols()%heads != 0 {
		shapeErr("RoPE", "x %v is not %d heads", x.shape, heads)
	}
	hd := x.Cols() / heads
	p := r.parts()
	if hd%(2*p) != 0 || r.Cos.Cols() != hd || r.Sin.Cols() != hd || r.Cos.Rows() != x.Rows() || r.Sin.Rows() != x.Rows() {
		shapeErr("RoPE", "x %v, cos %v, sin %v, head dim %d in %d parts", x.shape, r.Cos.shape, r.Sin.shape, hd, p)
	}
	out := o.out(x.shape)
	o.k.rope(out, x, r.Cos, r.Sin, heads, p)
	return out
}

// AttnOpts are the heads and the mask of an attention call.
//
// The mask is block-diagonal: sample s's QLens[s] queries see only its KLens[s] keys (both nil:
// one sample of all rows). That covers batches, Qwen's vision windows and π³'s frame attention
// (one segment per frame) vs global attention (one segment). With Causal, a segment's queries
// are the last QLens[s] positions of its keys (a KV cache holds the earlier ones) and each sees
// the keys up to its own position. A query that sees no key gives zeros.
type AttnOpts struct {
	Heads, KVHeads int     // query heads; key/value heads (GQA: query head h reads h/(Heads/KVHeads))
	Scale          float32 // score scale; 0 means 1/√headDim
	QLens, KLens   []int
	Causal         bool
}

func (o *opset) Attention(q, k, v *Tensor, a AttnOpts) *Tensor {
	f32("Attention", q, k, v)
	if a.Heads <= 0 || a.KVHeads <= 0 || a.Heads%a.KVHeads != 0 || q.Cols()%a.Heads != 0 {
		shapeErr("Attention", "heads %d, kv heads %d, q %v", a.Heads, a.KVHeads, q.shape)
	}
	hd := q.Cols() / a.Heads
	if k.Cols() != a.KVHeads*hd || v.Cols() != a.KVHeads*hd || k.Rows() != v.Rows() {
		shapeErr("Attention", "k %v and v %v, want (n, %d)", k.shape, v.shape, a.KVHeads*hd)
	}
	scale := a.Scale
	if scale == 0 {
		scale = float32(1 / math.Sqrt(float64(hd)))
	}
	if a.QLens == nil && a.KLens == nil {
		a.QLens, a.KLens = []int{q.Rows()}, []int{k.Rows()}
	}
	c := attnCall{heads: a.Heads, kvHeads: a.KVHeads, hd: hd, scale: scale, qLens: a.QLens, kLens: a.KLens, causal: a.Causal,
		ranges: attnRanges(q.Rows(), k.Rows(), a)}
	out := o.out(q.shape)
	o.k.attention(out, q, k, v, c)
	return out
}

// attnRanges returns, per query row, the key range [k0, k1) the mask allows.
func attnRanges(nq, nk int, a AttnOpts) []uint32 {
	qLens, kLens := a.QLens, a.KLens
	if len(qLens) != len(kLens) {
		shapeErr("Attention", "%d query segments and %d key segments", len(qLens), len(kLens))
	}
	r := make([]uint32, 0, 2*nq)
	q, k := 0, 0
	for s := range qLens {
		ql, kl := qLens[s], kLens[s]
		if ql < 0 || kl < 0 || (a.Causal && kl < ql) {
			shapeErr("Attention", "segment %d: %d queries, %d keys (causal %v)", s, ql, kl, a.Causal)
		}
		for i := range ql {
			end := k + kl
			if a.Causal {
				end = k + kl - ql + i + 1
			}
			r = append(r, uint32(k), uint32(end))
		}
		q += ql
		k += kl
	}
	if q != nq || k != nk {
		shapeErr("Attention", "segments cover %d queries and %d keys, tensors have %d and %d", q, k, nq, nk)
	}
	return r
}

func (o *opset) Embedding(table *Tensor, ids []int) *Tensor {
	f32("Embedding", table)
	if len(ids) == 0 {
		shapeErr("Embedding", "no ids")
	}
	for _, id := range ids {
		if id < 0 || id >= table.Rows() {
			shapeErr("Embedding", "id %d outside the table's %d rows", id, table.Rows())
		}
	}
	out := o.out([]int{len(ids), table.Cols()})
	o.k.embedding(out, table, ids)
	return out
}

func (o *opset) RepeatRows(x *Tensor, times int) *Tensor {
	f32("RepeatRows", x)
	if times <= 0 {
		shapeErr("RepeatRows", "times %d", times)
	}
	out := o.out([]int{x.Rows() * times, x.Cols()})
	for i := range times {
		o.k.copyRows(out, i*x.Rows(), x)
	}
	return out
}

func (o *opset) CopyRows(dst *Tensor, row0 int, src *Tensor) {
	f32("CopyRows", dst, src)
	if src.Cols() != dst.Cols() || row0 < 0 || row0+src.Rows() > dst.Rows() {
		shapeErr("CopyRows", "%v at row %d of %v", src.shape, row0, dst.shape)
	}
	o.k.copyRows(dst, row0, src)
}
