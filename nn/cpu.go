package nn

import (
	"math"
	"runtime"
	"sync"

	"github.com/dsr4d/dsr4d/internal/float16"
)

// CPU is the reference backend: plain Go, float32 storage, float64 accumulation in norms,
// softmax and attention, and a parallel register-blocked float32 Linear.
type CPU struct {
	// Workers is the number of goroutines Linear uses (GOMAXPROCS when 0).
	Workers int
}

// NewCPU returns the CPU backend.
func NewCPU() *CPU { return &CPU{} }

var _ Backend = (*CPU)(nil)

func (c *CPU) Name() string { return "cpu" }

func (c *CPU) tensor(shape []int) *Tensor {
	checkShape("New", shape)
	return &Tensor{shape: append([]int(nil), shape...), be: c, data: make([]float32, numel(shape))}
}

func (c *CPU) New(data []float32, shape ...int) *Tensor {
	t := c.tensor(shape)
	if len(data) != len(t.data) {
		shapeErr("New", "%d values for shape %v", len(data), shape)
	}
	copy(t.data, data)
	return t
}

func (c *CPU) NewHalf(bits []uint16, shape ...int) *Tensor {
	data := make([]float32, len(bits))
	for i, h := range bits {
		data[i] = float16.ToFloat32(h)
	}
	return c.New(data, shape...)
}

func (c *CPU) Zeros(shape ...int) *Tensor { return c.tensor(shape) }

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

func (c *CPU) like(x *Tensor) *Tensor { return c.tensor(x.shape) }

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

func (c *CPU) Linear(x, w, b *Tensor) *Tensor {
	m, k, n := x.Rows(), x.Cols(), w.Rows()
	if w.Cols() != k {
		shapeErr("Linear", "x %v and weight %v (want (out, %d))", x.shape, w.shape, k)
	}
	if b != nil {
		wantCols("Linear", "bias", b, n)
	}
	out := c.tensor(append(append([]int(nil), x.shape[:len(x.shape)-1]...), n))
	X, W, O := x.data, w.data, out.data
	// Blocks of 4 output columns (weight rows) per task; each task runs over all rows of x in
	// blocks of 4, so a 4×k slice of W is reused from cache for every row block.
	nb := (n + 3) / 4
	c.parallel(nb, func(lo, hi int) {
		for jb := lo; jb < hi; jb++ {
			j0 := jb * 4
			for i0 := 0; i0 < m; i0 += 4 {
				linearBlock(O, X, W, m, n, k, i0, j0)
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
	return out
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

func (c *CPU) rows(x *Tensor, f func(in, out []float32)) *Tensor {
	out := c.like(x)
	cols := x.Cols()
	c.parallel(x.Rows(), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			f(x.data[r*cols:(r+1)*cols], out.data[r*cols:(r+1)*cols])
		}
	})
	return out
}

func (c *CPU) RMSNorm(x, w *Tensor, eps float32) *Tensor {
	wantCols("RMSNorm", "weight", w, x.Cols())
	return c.rows(x, func(in, out []float32) {
		var ss float64
		for _, v := range in {
			ss += float64(v) * float64(v)
		}
		inv := 1 / math.Sqrt(ss/float64(len(in))+float64(eps))
		for i, v := range in {
			out[i] = float32(float64(w.data[i]) * float64(v) * inv)
		}
	})
}

func (c *CPU) LayerNorm(x, w, b *Tensor, eps float32) *Tensor {
	wantCols("LayerNorm", "weight", w, x.Cols())
	wantCols("LayerNorm", "bias", b, x.Cols())
	return c.rows(x, func(in, out []float32) {
		var s float64
		for _, v := range in {
			s += float64(v)
		}
		mean := s / float64(len(in))
		var ss float64
		for _, v := range in {
			d := float64(v) - mean
			ss += d * d
		}
		inv := 1 / math.Sqrt(ss/float64(len(in))+float64(eps))
		for i, v := range in {
			out[i] = float32((float64(v)-mean)*inv*float64(w.data[i]) + float64(b.data[i]))
		}
	})
}

// GELURef is x·Φ(x) (erf form) or its tanh approximation, in float64.
func GELURef(x float64, tanh bool) float64 {
	if tanh {
		return 0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x)))
	}
	return 0.5 * x * (1 + math.Erf(x/math.Sqrt2))
}

// SiLURef is x·σ(x) in float64.
func SiLURef(x float64) float64 { return x / (1 + math.Exp(-x)) }

func (c *CPU) unary(x *Tensor, f func(float64) float64) *Tensor {
	out := c.like(x)
	for i, v := range x.data {
		out.data[i] = float32(f(float64(v)))
	}
	return out
}

func (c *CPU) GELU(x *Tensor, tanh bool) *Tensor {
	return c.unary(x, func(v float64) float64 { return GELURef(v, tanh) })
}

func (c *CPU) SiLU(x *Tensor) *Tensor { return c.unary(x, SiLURef) }

func (c *CPU) SwiGLU(gate, up *Tensor) *Tensor {
	sameShape("SwiGLU", gate, up)
	out := c.like(gate)
	for i, g := range gate.data {
		out.data[i] = float32(SiLURef(float64(g)) * float64(up.data[i]))
	}
	return out
}

func (c *CPU) Softmax(x *Tensor) *Tensor {
	return c.rows(x, func(in, out []float32) {
		m := math.Inf(-1)
		for _, v := range in {
			m = max(m, float64(v))
		}
		var s float64
		for _, v := range in {
			s += math.Exp(float64(v) - m)
		}
		for i, v := range in {
			out[i] = float32(math.Exp(float64(v)-m) / s)
		}
	})
}

func (c *CPU) Add(a, b *Tensor) *Tensor {
	sameShape("Add", a, b)
	out := c.like(a)
	for i, v := range a.data {
		out.data[i] = v + b.data[i]
	}
	return out
}

func (c *CPU) RoPE(x, cos, sin *Tensor, heads int) *Tensor {
	hd := checkRoPE(x, cos, sin, heads)
	half := hd / 2
	out := c.like(x)
	for r := range x.Rows() {
		cs, sn := cos.data[r*hd:(r+1)*hd], sin.data[r*hd:(r+1)*hd]
		for h := range heads {
			in := x.data[(r*heads+h)*hd : (r*heads+h+1)*hd]
			o := out.data[(r*heads+h)*hd : (r*heads+h+1)*hd]
			for i := range half {
				x1, x2 := float64(in[i]), float64(in[i+half])
				o[i] = float32(x1*float64(cs[i]) - x2*float64(sn[i]))
				o[i+half] = float32(x2*float64(cs[i+half]) + x1*float64(sn[i+half]))
			}
		}
	}
	return out
}

func (c *CPU) Attention(q, k, v *Tensor, heads, kvHeads int, qLens, kLens []int) *Tensor {
	hd := checkAttention(q, k, v, heads, kvHeads)
	nq, nk := q.Rows(), k.Rows()
	ranges := attnRanges("Attention", nq, nk, qLens, kLens)
	out := c.like(q)
	group := heads / kvHeads
	scale := 1 / math.Sqrt(float64(hd))
	c.parallel(nq*heads, func(lo, hi int) {
		s := make([]float64, nk)
		acc := make([]float64, hd)
		for qh := lo; qh < hi; qh++ {
			i, h := qh/heads, qh%heads
			kh := h / group
			qr := q.data[(i*heads+h)*hd : (i*heads+h+1)*hd]
			k0, k1 := int(ranges[2*i]), int(ranges[2*i+1])
			m := math.Inf(-1)
			for j := k0; j < k1; j++ {
				kr := k.data[(j*kvHeads+kh)*hd : (j*kvHeads+kh+1)*hd]
				var d float64
				for e, qv := range qr {
					d += float64(qv) * float64(kr[e])
				}
				s[j] = d * scale
				m = max(m, s[j])
			}
			clear(acc)
			var l float64
			for j := k0; j < k1; j++ {
				p := math.Exp(s[j] - m)
				l += p
				vr := v.data[(j*kvHeads+kh)*hd : (j*kvHeads+kh+1)*hd]
				for e, vv := range vr {
					acc[e] += p * float64(vv)
				}
			}
			o := out.data[(i*heads+h)*hd : (i*heads+h+1)*hd]
			for e := range o {
				if l > 0 {
					o[e] = float32(acc[e] / l)
				} else {
					o[e] = 0
				}
			}
		}
	})
	return out
}

func (c *CPU) Embedding(table *Tensor, ids []int) *Tensor {
	if len(ids) == 0 {
		shapeErr("Embedding", "no ids")
	}
	d, v := table.Cols(), table.Rows()
	out := c.tensor([]int{len(ids), d})
	for i, id := range ids {
		if id < 0 || id >= v {
			shapeErr("Embedding", "id %d outside the table's %d rows", id, v)
		}
		copy(out.data[i*d:(i+1)*d], table.data[id*d:(id+1)*d])
	}
	return out
}

func (c *CPU) RepeatRows(x *Tensor, times int) *Tensor {
	if times <= 0 {
		shapeErr("RepeatRows", "times %d", times)
	}
	out := c.tensor([]int{x.Rows() * times, x.Cols()})
	for i := range times {
		copy(out.data[i*x.Len():], x.data)
	}
	return out
}
