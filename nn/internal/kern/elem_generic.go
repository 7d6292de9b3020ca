//go:build !goexperiment.simd || !amd64

package kern

// Portable versions of the vector primitives in elem_simd.go; float32 like them.

// Activate sets dst = act(x) elementwise (dst may be x).
func Activate(dst, x []float32, act Act) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = actScalar(v, act)
	}
}

// addTo sets y += x.
func addTo(y, x []float32) {
	x = x[:len(y)]
	for i := range y {
		y[i] += x[i]
	}
}

// mulTo sets y *= x.
func mulTo(y, x []float32) {
	x = x[:len(y)]
	for i := range y {
		y[i] *= x[i]
	}
}

// axpy sets y += a·x.
func axpy(y, x []float32, a float32) {
	x = x[:len(y)]
	for i := range y {
		y[i] += a * x[i]
	}
}

func scal(x []float32, a float32) {
	for i := range x {
		x[i] *= a
	}
}

func dot(x, y []float32) float32 {
	y = y[:len(x)]
	var s float32
	for i, v := range x {
		s += v * y[i]
	}
	return s
}

func sum(x []float32) float32 {
	var s float32
	for _, v := range x {
		s += v
	}
	return s
}

func sumSqDiff(x []float32, m float32) float32 {
	var s float32
	for _, v := range x {
		s += (v - m) * (v - m)
	}
	return s
}

// maxf is the largest value of x (NaNs are skipped; expShift propagates them).
func maxf(x []float32) float32 {
	m := float32(-1 / zero)
	for _, v := range x {
		m = max(m, v)
	}
	return m
}

var zero float32

// expShift sets x = exp(x-m) and returns the sum.
func expShift(x []float32, m float32) float32 {
	var s float32
	for i, v := range x {
		x[i] = expScalar(v - m)
		s += x[i]
	}
	return s
}

// normRow sets out = (x-mean)·r·w + b (w, b optional).
func normRow(out, x []float32, mean, r float32, w, b []float32) {
	for i, v := range x[:len(out)] {
		y := (v - mean) * r
		if w != nil {
			y *= w[i]
		}
		if b != nil {
			y += b[i]
		}
		out[i] = y
	}
}

// scores sets s[j] = Σ_dd q[dd]·kt[dd·attnBK+j] for the attnBK keys of a transposed block.
func scores(s *[attnBK]float32, q, kt []float32) {
	clear(s[:])
	for dd, qv := range q {
		axpy(s[:], kt[dd*attnBK:dd*attnBK+attnBK], qv)
	}
}

// accPV sets o += Σ_j p[j]·v[j·stride : j·stride+len(o)].
func accPV(o, p, v []float32, stride int) {
	for j, pj := range p {
		axpy(o, v[j*stride:j*stride+len(o)], pj)
	}
}
