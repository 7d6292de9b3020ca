//go:build !goexperiment.simd || !amd64

package kern

// Portable versions of the vector primitives in elem_simd.go; float32 like them.

// activate sets dst = act(x) elementwise on one goroutine (dst may be x).
func activate(dst, x []float32, act Act) {
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

// dot, sum and sumSqDiff keep eight partial sums, as the vector code does: a long float32 sum
// in one accumulator drifts by up to n·ε.
func dot(x, y []float32) float32 {
	y = y[:len(x)]
	var p [8]float32
	for i, v := range x {
		p[i%8] += v * y[i]
	}
	return reduce8(&p)
}

func sum(x []float32) float32 {
	var p [8]float32
	for i, v := range x {
		p[i%8] += v
	}
	return reduce8(&p)
}

func sumSqDiff(x []float32, m float32) float32 {
	var p [8]float32
	for i, v := range x {
		p[i%8] += (v - m) * (v - m)
	}
	return reduce8(&p)
}

func reduce8(p *[8]float32) float32 {
	return ((p[0] + p[4]) + (p[1] + p[5])) + ((p[2] + p[6]) + (p[3] + p[7]))
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

func hasNaN(x []float32) bool {
	for _, v := range x {
		if v != v {
			return true
		}
	}
	return false
}

// ropeRow rotates v (rotate-half pairing) by the angles whose cosines and sines are cs, sn.
func ropeRow(v, cs, sn []float32) {
	half := len(v) / 2
	for i := range half {
		x1, x2 := v[i], v[i+half]
		v[i] = x1*cs[i] - x2*sn[i]
		v[i+half] = x2*cs[i+half] + x1*sn[i+half]
	}
}
