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

// activate sets dst = act(x) elementwise on one goroutine (dst may be x).
func activate(dst, x []float32, act Act) {
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

// Constants of expVec and erfcAbs, splatted once: a load per use instead of the two
// instructions of an emulated BroadcastFloat32x8.
var (
	vHi, vLo         = splat(88.72), splat(-86.6)
	vLog2E, vMagic   = splat(math.Log2E), splat(12582912) // 1.5·2²³: rounds to an integer in the mantissa
	vLn2Hi, vLn2Lo   = splat(-0.693359375), splat(2.12194440e-4)
	vOne, vTwo, vInf = splat(1), splat(2), splat(float32(math.Inf(1)))
	vHalf, vZero     = splat(0.5), splat(0)
	vExpPoly         = [...][8]float32{splat(1.3981999507e-3), splat(8.3334519073e-3),
		splat(4.1665795894e-2), splat(1.6666665459e-1), splat(5.0000001201e-1)}
	vExpP0   = splat(1.9875691500e-4)
	vErfPoly = [...][8]float32{splat(-0.82215223), splat(1.48851587), splat(-1.13520398),
		splat(0.27886807), splat(-0.18628806), splat(0.09678418), splat(0.37409196),
		splat(1.00002368), splat(-1.26551223)}
	vErfP0 = splat(0.17087277)
)

func splat(v float32) [8]float32 { return [8]float32{v, v, v, v, v, v, v, v} }

func k8(c *[8]float32) f8 { return archsimd.LoadFloat32x8(c) }

// expVec is e^x to about 2 ulp (Cephes expf: x = n·ln2 + r, |r| ≤ ln2/2, degree-6 polynomial),
// +Inf above 88.72, 0 below -86.6 (results under 2.4e-38 flush to zero), NaN for NaN.
func expVec(x f8) f8 {
	xc := x.Min(k8(&vHi)).Max(k8(&vLo))
	t := xc.MulAdd(k8(&vLog2E), k8(&vMagic))
	n := t.Sub(k8(&vMagic))
	r := n.MulAdd(k8(&vLn2Hi), xc)
	r = n.MulAdd(k8(&vLn2Lo), r)
	p := k8(&vExpP0)
	for i := range vExpPoly {
		p = p.MulAdd(r, k8(&vExpPoly[i]))
	}
	p = p.MulAdd(r.Mul(r), r).Add(k8(&vOne))
	ni := t.AsInt32x8().Sub(archsimd.BroadcastInt32x8(0x4B400000)) // integer n from t's mantissa
	// 2^(n-1)·2: n reaches 128 near the top of the range.
	scale := ni.Add(archsimd.BroadcastInt32x8(126)).ShiftAllLeft(23).AsFloat32x8()
	e := p.Mul(scale).Mul(k8(&vTwo))
	e = k8(&vInf).Merge(e, x.Greater(k8(&vHi)))
	e = k8(&vZero).Merge(e, x.Less(k8(&vLo)))
	return x.Merge(e, x.IsNaN())
}

// erfcAbs is erfc(|z|) to a relative 1.2e-7 (Numerical Recipes' erfcc Chebyshev fit).
func erfcAbs(z f8) f8 {
	a := z.AsInt32x8().And(archsimd.BroadcastInt32x8(0x7fffffff)).AsFloat32x8()
	t := k8(&vOne).Div(a.MulAdd(k8(&vHalf), k8(&vOne)))
	p := k8(&vErfP0)
	for i := range vErfPoly {
		p = p.MulAdd(t, k8(&vErfPoly[i]))
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

func hasNaN(x []float32) bool {
	i := 0
	if vn, ok := useVec(len(x)); ok {
		var nan f8
		for ; i < vn; i += 8 {
			v := ld(x[i:])
			nan = bc(1).Merge(nan, v.IsNaN())
		}
		if hsum(nan) != 0 {
			return true
		}
	}
	for ; i < len(x); i++ {
		if x[i] != x[i] {
			return true
		}
	}
	return false
}

// ropeRow rotates v (rotate-half pairing) by the angles whose cosines and sines are cs, sn.
func ropeRow(v, cs, sn []float32) {
	half := len(v) / 2
	i := 0
	if vn, ok := useVec(half); ok {
		for ; i < vn; i += 8 {
			x1, x2 := ld(v[i:]), ld(v[i+half:])
			x1.Mul(ld(cs[i:])).Sub(x2.Mul(ld(sn[i:]))).StoreSlice(v[i:])
			x1.MulAdd(ld(sn[i+half:]), x2.Mul(ld(cs[i+half:]))).StoreSlice(v[i+half:])
		}
	}
	for ; i < half; i++ {
		x1, x2 := v[i], v[i+half]
		v[i] = x1*cs[i] - x2*sn[i]
		v[i+half] = x2*cs[i+half] + x1*sn[i+half]
	}
}
