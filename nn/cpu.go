package nn

import (
	"errors"
	"runtime"
	"sync"

	"github.com/dsr4d/dsr4d/internal/float16"
	"github.com/dsr4d/dsr4d/nn/internal/kern"
)

// CPU is the host backend on float32 tensors. NewCPU gives the product kernels (package
// nn/internal/kern: packed SIMD GEMM with 16-bit weights kept 16-bit, vectorised norms and
// activations); NewRef the float64-accumulating reference every kernel is tested against.
type CPU struct {
	opset
	// Workers is the number of goroutines of the row-parallel kernels (norms, activations, the
	// reference's); GOMAXPROCS when 0. kern's GEMM and attention use GOMAXPROCS.
	Workers int
	name    string
}

// NewCPU returns the CPU backend.
func NewCPU() *CPU {
	c := &CPU{name: "cpu"}
	c.init(c, cpuKernels{refKernels{host{c}}})
	return c
}

// NewRef returns the reference backend: float32 storage, float64 accumulation in every
// reduction (Linear included). Slow; for tests.
func NewRef() *CPU {
	c := &CPU{name: "ref"}
	c.init(c, refKernels{host{c}})
	return c
}

var _ Backend = (*CPU)(nil)

func (c *CPU) Name() string { return c.name }

func (c *CPU) Read(t *Tensor) ([]float32, error) {
	if t.data == nil && t.packed != nil {
		return nil, errors.New("nn: cpu: Read of a loaded Linear weight (kept packed for the matmul only)")
	}
	return append([]float32(nil), t.data...), nil
}
func (c *CPU) Sync() error  { return nil }
func (c *CPU) Err() error   { return nil }
func (c *CPU) Close() error { return nil }

func (c *CPU) Release(ts ...*Tensor) {
	for _, t := range ts {
		if t != nil {
			t.data, t.packed = nil, nil
		}
	}
}

func (c *CPU) workers() int {
	if c.Workers > 0 {
		return c.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// parallel runs f over [0, n) split into contiguous chunks, one goroutine each.
func (c *CPU) parallel(n int, f func(lo, hi int)) {
	w := min(c.workers(), n)
	if w <= 1 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	for i := range w {
		lo, hi := i*n/w, (i+1)*n/w
		wg.Go(func() { f(lo, hi) })
	}
	wg.Wait()
}

// host are the storage kernels both CPU flavours share.
type host struct{ c *CPU }

func (h host) alloc(shape []int, dtype DType) *Tensor {
	t := &Tensor{shape: shape, be: h.c, dtype: dtype}
	if dtype == F32 {
		t.data = make([]float32, numel(shape))
	}
	return t
}

func (h host) upload(t *Tensor, data []float32) { copy(t.data, data) }

// upload16 widens 16-bit weights exactly (float32 holds every F16 and BF16 value).
func (h host) upload16(t *Tensor, bits []uint16) {
	t.data = make([]float32, len(bits))
	for i, b := range bits {
		if t.dtype == BF16 {
			t.data[i] = float16.BF16ToFloat32(b)
		} else {
			t.data[i] = float16.ToFloat32(b)
		}
	}
}

func (h host) zero(t *Tensor) { clear(t.data) }

func (h host) weight(t *Tensor) {}

func (h host) copyRows(dst *Tensor, row0 int, src *Tensor) {
	copy(dst.data[row0*dst.Cols():], src.data)
	dst.packed = nil // the one op that changes a tensor: a packed copy would be stale
}

func (h host) embedding(out, table *Tensor, ids []int) {
	d := table.Cols()
	for i, id := range ids {
		copy(out.data[i*d:(i+1)*d], table.data[id*d:(id+1)*d])
	}
}

// cpuKernels are the product kernels: float32 with SIMD accumulation (package kern), split over
// Workers goroutines by rows (GEMM and attention split their own work).
type cpuKernels struct{ refKernels }

// upload16 keeps a 16-bit weight 16-bit: packed for kern.Gemm, widened inside its micro-kernel.
func (k cpuKernels) upload16(t *Tensor, bits []uint16) {
	dt := kern.BF16
	if t.dtype == F16 {
		dt = kern.F16
	}
	t.packed = kern.PackB16(bits, dt, t.Cols(), t.Rows(), true)
}

// weight packs a loaded float32 Linear weight and drops its row-major copy: weights take their
// size once, not twice.
func (k cpuKernels) weight(t *Tensor) {
	if t.packed == nil {
		t.packed = kern.PackB(t.data, t.Cols(), t.Rows(), true)
	}
	t.data = nil
}

// linear is kern.Gemm on the weight packed once (a float32 weight is packed on its first use
// and keeps its float32 copy for other ops; weights must not change afterwards).
func (k cpuKernels) linear(out, x, w, b *Tensor) {
	if w.packed == nil {
		w.packed = kern.PackB(w.data, w.Cols(), w.Rows(), true)
	}
	var ep kern.Epilogue
	if b != nil {
		ep.Bias = b.data
	}
	kern.Gemm(out.data, x.data, x.Rows(), w.packed, ep)
}

// byRows runs f on contiguous blocks of whole rows of x (cols wide) in parallel.
func (k cpuKernels) byRows(x *Tensor, f func(lo, hi int)) {
	cols := x.Cols()
	k.c.parallel(x.Rows(), func(r0, r1 int) { f(r0*cols, r1*cols) })
}

func (k cpuKernels) rmsNorm(out, x, w *Tensor, eps float32) {
	k.byRows(x, func(lo, hi int) { kern.RMSNorm(out.data[lo:hi], x.data[lo:hi], x.Cols(), w.data, eps) })
}

func (k cpuKernels) layerNorm(out, x, w, b *Tensor, eps float32) {
	k.byRows(x, func(lo, hi int) { kern.LayerNorm(out.data[lo:hi], x.data[lo:hi], x.Cols(), w.data, b.data, eps) })
}

func (k cpuKernels) softmax(out, x *Tensor) {
	k.byRows(x, func(lo, hi int) {
		copy(out.data[lo:hi], x.data[lo:hi])
		kern.Softmax(out.data[lo:hi], x.Cols())
	})
}

func (k cpuKernels) add(out, a, b *Tensor) {
	k.byRows(a, func(lo, hi int) { kern.Add(out.data[lo:hi], a.data[lo:hi], b.data[lo:hi]) })
}

var kernAct = [...]kern.Act{opGELU: kern.ActGELUErf, opGELUTanh: kern.ActGELUTanh, opSiLU: kern.ActSiLU}

func (k cpuKernels) unary(op unaryOp, out, x, y *Tensor) {
	k.byRows(x, func(lo, hi int) {
		if op == opSwiGLU {
			kern.SwiGLU(out.data[lo:hi], x.data[lo:hi], y.data[lo:hi])
		} else {
			kern.Activate(out.data[lo:hi], x.data[lo:hi], kernAct[op])
		}
	})
}

// attention is kern.Attend per segment: each segment's queries and keys are one sequence whose
// queries are its last positions (the causal convention of AttnOpts).
func (k cpuKernels) attention(out, q, kt, v *Tensor, a attnCall) {
	qw, kw := a.heads*a.hd, a.kvHeads*a.hd
	q0, k0 := 0, 0
	for s, ql := range a.qLens {
		kl := a.kLens[s]
		o := out.data[q0*qw : (q0+ql)*qw]
		switch {
		case ql == 0:
		case kl == 0:
			clear(o)
		default:
			kern.Attend(o, q.data[q0*qw:(q0+ql)*qw], kt.data[k0*kw:(k0+kl)*kw], v.data[k0*kw:(k0+kl)*kw],
				kern.Attention{Lq: ql, Lk: kl, H: a.heads, Hkv: a.kvHeads, D: a.hd, Scale: a.scale, Causal: a.causal})
		}
		q0 += ql
		k0 += kl
	}
}
