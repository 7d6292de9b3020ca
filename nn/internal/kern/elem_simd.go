//go:build goexperiment.simd && amd64

package kern

import (
	"math"
	"simd/archsimd"
)

// Vector primitives on 8-lane AVX2 vectors (simd/archsimd). These loops are bound by memory or
// by exp, where 16 lanes gain little on the CPUs measured (Zen 4 splits a zmm op in two); the
// GEMM micro-kernel, bound by FMAs, is the AVX-512 assembly. Without AVX2+FMA the scalar loops
// run (vec is false); the last len%8 values always take them.

type f8 = archsimd.Float32x8

var vec = archsimd.X86.AVX2() && archsimd.X86.FMA()

func bc(v float32) f8   { return archsimd.BroadcastFloat32x8(v) }
func ld(s []float32) f8 { return archsimd.LoadFloat32x8Slice(s) }
func hsum(v f8) float32 {
	s := v.GetLo().Add(v.GetHi())
	return s.GetElem(0) + s.GetElem(1) + s.GetElem(2) + s.GetElem(3)
}
func vlen(n int) int           { return n &^ 7 }
func useVec(n int) (int, bool) { return vlen(n), vec && n >= 8 }
func hmax(v f8) float32 {
	s := v.GetLo().Max(v.GetHi())
	return max(s.GetElem(0), s.GetElem(1), s.GetElem(2), s.GetElem(3))
}

// Activate sets dst = act(x) elementwise (dst may be x).
func Activate(dst, x []float32, act Act) {
	x = x[:len(dst)]
	i := 0
	if vn, ok := useVec(len(dst)); ok && act != ActNone {
		for ; i < vn; i += 8 {
			actVec(ld(x[i:]), act).StoreSlice(dst[i:])
		}
	}
	for ; i < len(dst); i++ {
		dst[i] = actScalar(x[i], act)
	}
}

func actVec(x f8, act Act) f8 {
	switch act {
	case ActGELUErf:
		// 0.5·x·(1+erf(x/√2)), with 1+erf(z) = erfc(-z) taken from erfc(|z|) without cancellation.
		z := x.Mul(bc(-math.Sqrt2 / 2))
		q := erfcAbs(z)
		pos := z.Less(bc(0)) // x > 0: erfc(-z) = 2 - erfc(|z|)
		q = bc(2).Sub(q).Merge(q, pos)
		return x.Mul(bc(0.5)).Mul(q)
	case ActGELUTanh:
		// 0.5·x·(1+tanh(u)) = x·σ(2u), u = √(2/π)·(x+0.044715x³).
		u := x.Mul(x).MulAdd(bc(0.044715), bc(1)).Mul(x).Mul(bc(-2 * math.Sqrt2 / math.SqrtPi))
		return x.Div(bc(1).Add(expVec(u)))
	case ActSiLU:
		return x.Div(bc(1).Add(expVec(x.Mul(bc(-1)))))
	}
	return x
}

// expVec is e^x to about 2 ulp (Cephes expf: x = n·ln2 + r, |r| ≤ ln2/2, degree-6 polynomial),
// +Inf above 88.72, 0 below -86.6 (results under 2.4e-38 flush to zero), NaN for NaN.
func expVec(x f8) f8 {
	const hi, lo = 88.72, -86.6
	xc := x.Min(bc(hi)).Max(bc(lo))
	t := xc.MulAdd(bc(math.Log2E), bc(12582912)) // 1.5·2²³: round to nearest integer in the mantissa
	n := t.Sub(bc(12582912))
	r := n.MulAdd(bc(-0.693359375), xc)
	r = n.MulAdd(bc(2.12194440e-4), r)
	p := bc(1.9875691500e-4)
	p = p.MulAdd(r, bc(1.3981999507e-3))
	p = p.MulAdd(r, bc(8.3334519073e-3))
	p = p.MulAdd(r, bc(4.1665795894e-2))
	p = p.MulAdd(r, bc(1.6666665459e-1))
	p = p.MulAdd(r, bc(5.0000001201e-1))
	p = p.MulAdd(r.Mul(r), r).Add(bc(1))
	ni := t.AsInt32x8().Sub(archsimd.BroadcastInt32x8(0x4B400000)) // integer n from t's mantissa
	// 2^(n-1)·2: n reaches 128 near the top of the range.
	scale := ni.Add(archsimd.BroadcastInt32x8(126)).ShiftAllLeft(23).AsFloat32x8()
	e := p.Mul(scale).Mul(bc(2))
	e = bc(float32(math.Inf(1))).Merge(e, x.Greater(bc(hi)))
	e = bc(0).Merge(e, x.Less(bc(lo)))
	return x.Merge(e, x.IsNaN())
}

// erfcAbs is erfc(|z|) to a relative 1.2e-7 (Numerical Recipes' erfcc Chebyshev fit).
func erfcAbs(z f8) f8 {
	a := z.AsInt32x8().And(archsimd.BroadcastInt32x8(0x7fffffff)).AsFloat32x8()
	t := bc(1).Div(a.MulAdd(bc(0.5), bc(1)))
	p := bc(0.17087277)
	for _, c := range [...]float32{-0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806,
		0.09678418, 0.37409196, 1.00002368, -1.26551223} {
		p = p.MulAdd(t, bc(c))
	}
	return t.Mul(expVec(p.Sub(a.Mul(a))))
}

// addTo sets y += x.
func addTo(y, x []float32) {
	x = x[:len(y)]
	i := 0
	if vn, ok := useVec(len(y)); ok {
		for ; i < vn; i += 8 {
			ld(y[i:]).Add(ld(x[i:])).StoreSlice(y[i:])
		}
	}
	for ; i < len(y); i++ {
		y[i] += x[i]
	}
}

// mulTo sets y *= x.
func mulTo(y, x []float32) {
	x = x[:len(y)]
	i := 0
	if vn, ok := useVec(len(y)); ok {
		for ; i < vn; i += 8 {
			ld(y[i:]).Mul(ld(x[i:])).StoreSlice(y[i:])
		}
	}
	for ; i < len(y); i++ {
		y[i] *= x[i]
	}
}

// axpy sets y += a·x.
func axpy(y, x []float32, a float32) {
	x = x[:len(y)]
	i := 0
	if vn, ok := useVec(len(y)); ok {
		av := bc(a)
		for ; i < vn; i += 8 {
			av.MulAdd(ld(x[i:]), ld(y[i:])).StoreSlice(y[i:])
		}
	}
	for ; i < len(y); i++ {
		y[i] += a * x[i]
	}
}

func scal(x []float32, a float32) {
	i := 0
	if vn, ok := useVec(len(x)); ok {
		av := bc(a)
		for ; i < vn; i += 8 {
			ld(x[i:]).Mul(av).StoreSlice(x[i:])
		}
	}
	for ; i < len(x); i++ {
		x[i] *= a
	}
}

func dot(x, y []float32) float32 {
	y = y[:len(x)]
	i := 0
	var s float32
	if vn, ok := useVec(len(x)); ok {
		var acc f8
		for ; i < vn; i += 8 {
			acc = ld(x[i:]).MulAdd(ld(y[i:]), acc)
		}
		s = hsum(acc)
	}
	for ; i < len(x); i++ {
		s += x[i] * y[i]
	}
	return s
}

func sum(x []float32) float32 {
	i := 0
	var s float32
	if vn, ok := useVec(len(x)); ok {
		var acc f8
		for ; i < vn; i += 8 {
			acc = acc.Add(ld(x[i:]))
		}
		s = hsum(acc)
	}
	for ; i < len(x); i++ {
		s += x[i]
	}
	return s
}

func sumSqDiff(x []float32, m float32) float32 {
	i := 0
	var s float32
	if vn, ok := useVec(len(x)); ok {
		var acc f8
		mv := bc(m)
		for ; i < vn; i += 8 {
			d := ld(x[i:]).Sub(mv)
			acc = d.MulAdd(d, acc)
		}
		s = hsum(acc)
	}
	for ; i < len(x); i++ {
		s += (x[i] - m) * (x[i] - m)
	}
	return s
}

// maxf is the largest value of x, NaN if x holds one.
func maxf(x []float32) float32 {
	i := 0
	m := float32(math.Inf(-1))
	if vn, ok := useVec(len(x)); ok {
		acc, nan := bc(m), bc(0)
		for ; i < vn; i += 8 {
			v := ld(x[i:])
			acc = acc.Max(v)
			nan = bc(1).Merge(nan, v.IsNaN()) // VMAXPS drops NaNs: count them apart
		}
		m = hmax(acc)
		if hsum(nan) != 0 {
			return float32(math.NaN())
		}
	}
	for ; i < len(x); i++ {
		m = max(m, x[i])
	}
	return m
}

// expShift sets x = exp(x-m) and returns the sum.
func expShift(x []float32, m float32) float32 {
	i := 0
	var s float32
	if vn, ok := useVec(len(x)); ok {
		var acc f8
		mv := bc(m)
		for ; i < vn; i += 8 {
			e := expVec(ld(x[i:]).Sub(mv))
			e.StoreSlice(x[i:])
			acc = acc.Add(e)
		}
		s = hsum(acc)
	}
	for ; i < len(x); i++ {
		x[i] = expScalar(x[i] - m)
		s += x[i]
	}
	return s
}

// normRow sets out = (x-mean)·r·w + b (w, b optional).
func normRow(out, x []float32, mean, r float32, w, b []float32) {
	x = x[:len(out)]
	i := 0
	if vn, ok := useVec(len(out)); ok {
		mv, rv := bc(mean), bc(r)
		for ; i < vn; i += 8 {
			y := ld(x[i:]).Sub(mv).Mul(rv)
			if w != nil {
				y = y.Mul(ld(w[i:]))
			}
			if b != nil {
				y = y.Add(ld(b[i:]))
			}
			y.StoreSlice(out[i:])
		}
	}
	for ; i < len(out); i++ {
		y := (x[i] - mean) * r
		if w != nil {
			y *= w[i]
		}
		if b != nil {
			y += b[i]
		}
		out[i] = y
	}
}

// scores sets s[j] = Σ_dd q[dd]·kt[dd·attnBK+j] for the attnBK keys of a transposed block, the
// 64 sums in eight registers.
func scores(s *[attnBK]float32, q, kt []float32) {
	if !vec {
		clear(s[:])
		for dd, qv := range q {
			for j := range s {
				s[j] += qv * kt[dd*attnBK+j]
			}
		}
		return
	}
	var a0, a1, a2, a3, a4, a5, a6, a7 f8
	kt = kt[:len(q)*attnBK]
	for dd, qv := range q {
		r := kt[dd*attnBK : dd*attnBK+attnBK]
		x := bc(qv)
		a0 = x.MulAdd(ld(r[0:]), a0)
		a1 = x.MulAdd(ld(r[8:]), a1)
		a2 = x.MulAdd(ld(r[16:]), a2)
		a3 = x.MulAdd(ld(r[24:]), a3)
		a4 = x.MulAdd(ld(r[32:]), a4)
		a5 = x.MulAdd(ld(r[40:]), a5)
		a6 = x.MulAdd(ld(r[48:]), a6)
		a7 = x.MulAdd(ld(r[56:]), a7)
	}
	a0.StoreSlice(s[0:])
	a1.StoreSlice(s[8:])
	a2.StoreSlice(s[16:])
	a3.StoreSlice(s[24:])
	a4.StoreSlice(s[32:])
	a5.StoreSlice(s[40:])
	a6.StoreSlice(s[48:])
	a7.StoreSlice(s[56:])
}

// accPV sets o += Σ_j p[j]·v[j·stride : j·stride+len(o)], 32 columns of o at a time in registers.
func accPV(o, p, v []float32, stride int) {
	c := 0
	if vec {
		for ; c+32 <= len(o); c += 32 {
			a0, a1, a2, a3 := ld(o[c:]), ld(o[c+8:]), ld(o[c+16:]), ld(o[c+24:])
			for j, pj := range p {
				r := v[j*stride+c : j*stride+c+32]
				x := bc(pj)
				a0 = x.MulAdd(ld(r[0:]), a0)
				a1 = x.MulAdd(ld(r[8:]), a1)
				a2 = x.MulAdd(ld(r[16:]), a2)
				a3 = x.MulAdd(ld(r[24:]), a3)
			}
			a0.StoreSlice(o[c:])
			a1.StoreSlice(o[c+8:])
			a2.StoreSlice(o[c+16:])
			a3.StoreSlice(o[c+24:])
		}
	}
	if c < len(o) {
		for j, pj := range p {
			axpy(o[c:], v[j*stride+c:j*stride+len(o)], pj)
		}
	}
}
