package nn

import (
	"runtime"
	"sync"

	"github.com/dsr4d/dsr4d/internal/float16"
)

// CPU is the host backend: plain Go on float32 tensors. NewCPU gives the product kernels (a
// parallel register-blocked float32 Linear); NewRef the float64-accumulating reference every
// kernel is tested against.
type CPU struct {
	opset
	// Workers is the number of goroutines the kernels use (GOMAXPROCS when 0).
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

func (c *CPU) Read(t *Tensor) ([]float32, error) { return append([]float32(nil), t.data...), nil }
func (c *CPU) Sync() error                       { return nil }
func (c *CPU) Err() error                        { return nil }
func (c *CPU) Close() error                      { return nil }

func (c *CPU) Release(ts ...*Tensor) {
	for _, t := range ts {
		if t != nil {
			t.data = nil
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
	return &Tensor{shape: shape, be: h.c, dtype: dtype, data: make([]float32, numel(shape))}
}

func (h host) upload(t *Tensor, data []float32) { copy(t.data, data) }

// upload16 widens 16-bit weights exactly (float32 holds every F16 and BF16 value).
func (h host) upload16(t *Tensor, bits []uint16) {
	for i, b := range bits {
		if t.dtype == BF16 {
			t.data[i] = float16.BF16ToFloat32(b)
		} else {
			t.data[i] = float16.ToFloat32(b)
		}
	}
}

func (h host) zero(t *Tensor) { clear(t.data) }

func (h host) copyRows(dst *Tensor, row0 int, src *Tensor) {
	copy(dst.data[row0*dst.Cols():], src.data)
}

func (h host) embedding(out, table *Tensor, ids []int) {
	d := table.Cols()
	for i, id := range ids {
		copy(out.data[i*d:(i+1)*d], table.data[id*d:(id+1)*d])
	}
}

// cpuKernels are the product kernels: the reference's, but for a float32 Linear.
type cpuKernels struct{ refKernels }

func (k cpuKernels) linear(out, x, w, b *Tensor) {
	m, kk, n := x.Rows(), x.Cols(), w.Rows()
	X, W, O := x.data, w.data, out.data
	// Blocks of 4 output columns (weight rows) per task; each task runs over all rows of x in
	// blocks of 4, so a 4×k slice of W is reused from cache for every row block.
	nb := (n + 3) / 4
	k.c.parallel(nb, func(lo, hi int) {
		for jb := lo; jb < hi; jb++ {
			j0 := jb * 4
			for i0 := 0; i0 < m; i0 += 4 {
				linearBlock(O, X, W, m, n, kk, i0, j0)
			}
		}
	})
	if b != nil {
		for i := range m {
			row := O[i*n : (i+1)*n]
			for j, bj := range b.data {
				row[j] += bj
			}
		}
	}
}

// linearBlock computes the up-to-4×4 block of O at (i0, j0).
func linearBlock(O, X, W []float32, m, n, k, i0, j0 int) {
	var acc [4][4]float32
	mi, nj := min(4, m-i0), min(4, n-j0)
	if mi == 4 && nj == 4 {
		x0, x1, x2, x3 := X[i0*k:(i0+1)*k], X[(i0+1)*k:(i0+2)*k], X[(i0+2)*k:(i0+3)*k], X[(i0+3)*k:(i0+4)*k]
		w0, w1, w2, w3 := W[j0*k:(j0+1)*k], W[(j0+1)*k:(j0+2)*k], W[(j0+2)*k:(j0+3)*k], W[(j0+3)*k:(j0+4)*k]
		for p := range k {
			a0, a1, a2, a3 := x0[p], x1[p], x2[p], x3[p]
			b0, b1, b2, b3 := w0[p], w1[p], w2[p], w3[p]
			acc[0][0] += a0 * b0
			acc[0][1] += a0 * b1
			acc[0][2] += a0 * b2
			acc[0][3] += a0 * b3
			acc[1][0] += a1 * b0
			acc[1][1] += a1 * b1
			acc[1][2] += a1 * b2
			acc[1][3] += a1 * b3
			acc[2][0] += a2 * b0
			acc[2][1] += a2 * b1
			acc[2][2] += a2 * b2
			acc[2][3] += a2 * b3
			acc[3][0] += a3 * b0
			acc[3][1] += a3 * b1
			acc[3][2] += a3 * b2
			acc[3][3] += a3 * b3
		}
	} else {
		for i := range mi {
			xr := X[(i0+i)*k : (i0+i+1)*k]
			for j := range nj {
				wr := W[(j0+j)*k : (j0+j+1)*k]
				var s float32
				for p, a := range xr {
					s += a * wr[p]
				}
				acc[i][j] = s
			}
		}
	}
	for i := range mi {
		for j := range nj {
			O[(i0+i)*n+j0+j] = acc[i][j]
		}
	}
}
