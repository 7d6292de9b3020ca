package nn

import "math"

// refKernels are the reference kernels: float32 storage, float64 accumulation in every reduction.
type refKernels struct{ host }

func (k refKernels) linear(out, x, w, b *Tensor) {
	m, kk, n := x.Rows(), x.Cols(), w.Rows()
	k.c.parallel(m, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			xr := x.data[i*kk : (i+1)*kk]
			for j := range n {
				wr := w.data[j*kk : (j+1)*kk]
				var s float64
				for p, a := range xr {
					s += float64(a) * float64(wr[p])
				}
				if b != nil {
					s += float64(b.data[j])
				}
				out.data[i*n+j] = float32(s)
			}
		}
	})
}

// rows runs f on every row of x and out.
func (k refKernels) rows(out, x *Tensor, f func(in, out []float32)) {
	cols := x.Cols()
	k.c.parallel(x.Rows(), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			f(x.data[r*cols:(r+1)*cols], out.data[r*cols:(r+1)*cols])
		}
	})
}

func (k refKernels) rmsNorm(out, x, w *Tensor, eps float32) {
	k.rows(out, x, func(in, out []float32) {
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

func (k refKernels) layerNorm(out, x, w, b *Tensor, eps float32) {
	k.rows(out, x, func(in, out []float32) {
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

func (k refKernels) unary(op unaryOp, out, x, y *Tensor) {
	for i, v := range x.data {
		a := float64(v)
		var r float64
		switch op {
		case opGELU, opGELUTanh:
			r = GELURef(a, op == opGELUTanh)
		case opSiLU:
			r = SiLURef(a)
		case opSwiGLU:
			r = SiLURef(a) * float64(y.data[i])
		}
		out.data[i] = float32(r)
	}
}

func (k refKernels) softmax(out, x *Tensor) {
	k.rows(out, x, func(in, out []float32) {
		m := math.Inf(-1)
		for _, v := range in {
			m = max(m, float64(v)) // NaN-propagating
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

func (k refKernels) add(out, a, b *Tensor) {
	for i, v := range a.data {
		out.data[i] = v + b.data[i]
	}
}

func (k refKernels) scaleCols(out, x, g *Tensor) {
	c := x.Cols()
	for i, v := range x.data {
		out.data[i] = v * g.data[i%c]
	}
}

func (k refKernels) rope(out, x, cos, sin *Tensor, heads, parts int) {
	hd := x.Cols() / heads
	pd := hd / parts
	half := pd / 2
	for r := range x.Rows() {
		cs, sn := cos.data[r*hd:(r+1)*hd], sin.data[r*hd:(r+1)*hd]
		for h := range heads {
			for p := range parts {
				b := (r*heads+h)*hd + p*pd
				in, o := x.data[b:b+pd], out.data[b:b+pd]
				c, s := cs[p*pd:(p+1)*pd], sn[p*pd:(p+1)*pd]
				for i := range half {
					x1, x2 := float64(in[i]), float64(in[i+half])
					o[i] = float32(x1*float64(c[i]) - x2*float64(s[i]))
					o[i+half] = float32(x2*float64(c[i+half]) + x1*float64(s[i+half]))
				}
			}
		}
	}
}

// attention is the online-softmax form in float64, one (query row, head) at a time: memory
// O(head dim) per worker. NaN in a used score or value gives NaN, as on Vulkan; a query with no
// key gives zeros.
func (k refKernels) attention(out, q, kt, v *Tensor, a attnCall) {
	hd, heads, kvHeads := a.hd, a.heads, a.kvHeads
	group := heads / kvHeads
	scale := float64(a.scale)
	k.c.parallel(q.Rows()*heads, func(lo, hi int) {
		acc := make([]float64, hd)
		for qh := lo; qh < hi; qh++ {
			i, h := qh/heads, qh%heads
			kh := h / group
			qr := q.data[(i*heads+h)*hd : (i*heads+h+1)*hd]
			o := out.data[(i*heads+h)*hd : (i*heads+h+1)*hd]
			k0, k1 := int(a.ranges[2*i]), int(a.ranges[2*i+1])
			clear(acc)
			m, l := math.Inf(-1), 0.0
			for j := k0; j < k1; j++ {
				kr := kt.data[(j*kvHeads+kh)*hd : (j*kvHeads+kh+1)*hd]
				var d float64
				for e, qv := range qr {
					d += float64(qv) * float64(kr[e])
				}
				s := d * scale
				if s > m || math.IsNaN(s) {
					c := math.Exp(m - s) // 0 the first time; NaN once s is NaN
					l *= c
					for e := range acc {
						acc[e] *= c
					}
					m = s
				}
				p := math.Exp(s - m)
				l += p
				vr := v.data[(j*kvHeads+kh)*hd : (j*kvHeads+kh+1)*hd]
				for e, vv := range vr {
					acc[e] += p * float64(vv)
				}
			}
			for e := range o {
				if k1 > k0 {
					o[e] = float32(acc[e] / l)
				} else {
					o[e] = 0
				}
			}
		}
	})
}
