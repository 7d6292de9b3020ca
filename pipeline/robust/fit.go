package robust

import (
	"math"

	"gonum.org/v1/gonum/spatial/r3"
)

// track is one object's measured positions over the frames (world coordinates), with a
// weight per frame; ok[j] false where there is no measurement.
type track struct {
	P  []r3.Vec
	OK []bool
	W  []float64
}

// fit smooths t with a robust local polynomial (LOESS): at each measured frame i, a
// weighted least-squares polynomial of degree deg in (j − i) over the measured frames j
// within hw of i, with tricube kernel weights times t.W, evaluated at i. Then iters rounds of
// Huber reweighting: a frame whose residual exceeds 1.5 robust standard deviations (1.4826 ×
// the median residual, floored at floor metres) gets its weight scaled by threshold/residual,
// so a jump in one frame (a partial occlusion, a mask swap) bends the fit little. It returns
// the fitted positions (zero where t has no measurement) and each frame's residual norm.
// hw ≤ 0 returns the measurements unchanged.
func fit(t track, hw, deg, iters int, floor float64) (out []r3.Vec, resid []float64) {
	n := len(t.P)
	out = make([]r3.Vec, n)
	resid = make([]float64, n)
	if hw <= 0 {
		copy(out, t.P)
		return out, resid
	}
	rw := make([]float64, n)
	for j := range rw {
		rw[j] = 1
	}
	for it := 0; ; it++ {
		for i := range n {
			if t.OK[i] {
				out[i] = local(t, rw, i, hw, deg)
			}
		}
		var rs []float64
		for j := range n {
			if t.OK[j] {
				resid[j] = r3.Norm(r3.Sub(t.P[j], out[j]))
				rs = append(rs, resid[j])
			}
		}
		if it == iters || len(rs) == 0 {
			return out, resid
		}
		c := 1.5 * max(1.4826*median(rs), floor)
		for j := range n {
			rw[j] = 1
			if t.OK[j] && resid[j] > c {
				rw[j] = c / resid[j]
			}
		}
	}
}

// local is the weighted polynomial fit at frame i (see fit); it lowers the degree when the
// window holds too few frames for it.
func local(t track, rw []float64, i, hw, deg int) r3.Vec {
	var js []int
	var ws []float64
	for j := max(i-hw, 0); j <= min(i+hw, len(t.P)-1); j++ {
		if !t.OK[j] {
			continue
		}
		u := math.Abs(float64(j-i)) / float64(hw+1)
		k := 1 - u*u*u
		w := k * k * k * t.W[j] * rw[j]
		if w > 0 {
			js = append(js, j)
			ws = append(ws, w)
		}
	}
	d := min(deg, len(js)-1)
	for ; d >= 0; d-- {
		if c, ok := polyAt0(t.P, js, ws, i, d); ok {
			return c
		}
	}
	return t.P[i]
}

// polyAt0 solves the weighted least-squares polynomial of degree d in x = j − i through the
// points P[js] and returns its value at x = 0 (per coordinate); false when singular.
func polyAt0(p []r3.Vec, js []int, ws []float64, i, d int) (r3.Vec, bool) {
	m := d + 1
	var a [3][3]float64
	var b [3][3]float64 // [basis][coordinate]
	for k, j := range js {
		x := float64(j - i)
		var phi [3]float64
		phi[0] = 1
		for e := 1; e < m; e++ {
			phi[e] = phi[e-1] * x
		}
		v := [3]float64{p[j].X, p[j].Y, p[j].Z}
		for r := range m {
			for c := range m {
				a[r][c] += ws[k] * phi[r] * phi[c]
			}
			for q := range 3 {
				b[r][q] += ws[k] * phi[r] * v[q]
			}
		}
	}
	x, ok := solve(a, b, m)
	if !ok {
		return r3.Vec{}, false
	}
	return r3.Vec{X: x[0][0], Y: x[0][1], Z: x[0][2]}, true
}

// solve solves the m×m system a·x = b (three right-hand sides) by Gaussian elimination with
// partial pivoting; false when a pivot is negligible relative to the matrix's scale.
func solve(a, b [3][3]float64, m int) ([3][3]float64, bool) {
	scale := 0.0
	for r := range m {
		for c := range m {
			scale = max(scale, math.Abs(a[r][c]))
		}
	}
	for col := range m {
		p := col
		for r := col + 1; r < m; r++ {
			if math.Abs(a[r][col]) > math.Abs(a[p][col]) {
				p = r
			}
		}
		if math.Abs(a[p][col]) <= 1e-12*scale || scale == 0 {
			return b, false
		}
		a[col], a[p] = a[p], a[col]
		b[col], b[p] = b[p], b[col]
		for r := col + 1; r < m; r++ {
			f := a[r][col] / a[col][col]
			for c := col; c < m; c++ {
				a[r][c] -= f * a[col][c]
			}
			for q := range 3 {
				b[r][q] -= f * b[col][q]
			}
		}
	}
	var x [3][3]float64
	for r := m - 1; r >= 0; r-- {
		for q := range 3 {
			s := b[r][q]
			for c := r + 1; c < m; c++ {
				s -= a[r][c] * x[c][q]
			}
			x[r][q] = s / a[r][r]
		}
	}
	return x, true
}
