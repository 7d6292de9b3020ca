package robust

import (
	"math"
	"slices"

	"github.com/dsr4d/dsr4d/geom"
	"gonum.org/v1/gonum/spatial/r3"
)

// modelGain is how much larger a whole-clip motion model's median residual may be than the
// local fit's and still be chosen: the local fit follows noise as well as motion, so a model
// that explains the track as well up to this factor explains it with fewer degrees of freedom
// (on a noisy line, ±3 frames of degree 1 leave ≈ 0.6 of the true residual).
const modelGain = 1.8

// modelFit replaces a local fit w (residuals res) by a whole-clip motion model when one
// explains the measurements nearly as well (modelGain): constant velocity (a line), else a
// circle at constant speed, else constant acceleration (a parabola), each robust (Huber) over
// every measured frame. Speeds and predicted directions then come from all the frames rather than
// the few near the compared ones; a stop-and-go keeps the local fit.
//
// With precise, a track that no model explains and whose jitter is under preciseJitter is
// kept as measured: its frame-to-frame steps are already finer than the questions resolve,
// and a local fit would only round off real changes of speed (a stop-and-go's ramps: ±3
// frames of degree 1 cut its peak steps by a third).
func modelFit(t track, w []r3.Vec, res []float64, precise bool) ([]r3.Vec, []float64) {
	r0, n := medianOK(res, t.OK)
	if n < 6 {
		return w, res
	}
	for k, model := range []func(track) ([]r3.Vec, []float64){lineModel, circleModel, parabolaModel} {
		m, mr := model(t)
		if m == nil {
			continue
		}
		tol := modelGain*r0 + 0.002
		if k == 0 {
			tol = max(tol, lineBias)
		}
		if r, _ := medianOK(mr, t.OK); r <= tol {
			return m, mr
		}
	}
	if precise && jitter(t) < preciseJitter {
		return slices.Clone(t.P), make([]float64, len(t.P))
	}
	return w, res
}

// preciseJitter is the jitter (m) under which a track is kept as measured (Options.Precise):
// a quarter of the resolution (qa.Resolver's 2 cm). Noise-free tuning scenes: round objects
// register to ≤ 2 mm, boxes to 3–50 mm; light noise leaves every track above 5 mm.
const preciseJitter = 0.005

// jitter is the median distance of a measured position from the cubic through its two
// neighbours on each side (leave-one-out): exact for any motion smooth to third order, so
// it measures the measurements' noise, not the motion.
func jitter(t track) float64 {
	var rs []float64
	for i := 2; i+2 < len(t.P); i++ {
		if !t.OK[i-2] || !t.OK[i-1] || !t.OK[i] || !t.OK[i+1] || !t.OK[i+2] {
			continue
		}
		rs = append(rs, r3.Norm(r3.Sub(t.P[i], cubicMiddle(t.P[i-2], t.P[i-1], t.P[i+1], t.P[i+2]))))
	}
	if len(rs) == 0 {
		return math.Inf(1)
	}
	return median(rs)
}

// cubicMiddle is the value halfway between b and c of the least-squares cubic through the
// four evenly spaced a, b, c, d (a point left out between b and c): 2/3 (b + c) − 1/6 (a + d).
// White noise of variance σ² in all five gives the left-out point's residual 1.944 σ².
func cubicMiddle(a, b, c, d r3.Vec) r3.Vec {
	return r3.Sub(r3.Scale(2.0/3, r3.Add(b, c)), r3.Scale(1.0/6, r3.Add(a, d)))
}

func lineModel(t track) ([]r3.Vec, []float64)     { return fit(t, 4*len(t.P), 1, 2, 0.005) }
func parabolaModel(t track) ([]r3.Vec, []float64) { return fit(t, 4*len(t.P), 2, 2, 0.005) }

// lineBias is a median residual (m) up to which a line is taken whatever the local fit's:
// the visible surface's centre bias changes slowly with the view (≈ 2–10 cm over a clip of a
// passing object, tuning scenes, no noise) and the local fit follows it, while a line
// through it gives the constant speed the object has. Accelerating and stop-and-go objects
// leave ≥ 11 cm about a line.
const lineBias = 0.07

// maxRadius bounds a circle model's radius (m); a larger circle is a line over a clip.
const maxRadius = 30

// circleModel fits a circle at constant angular speed in the ground plane (a turning walker
// or car: constant speed, which a local or polynomial fit turns into a varying one): the
// algebraic (Kåsa) circle through the measured x, y, then the unwrapped angles about its
// centre fitted by a robust line in the frame number; heights from a robust line. nil when
// the circle is degenerate or too large.
func circleModel(t track) ([]r3.Vec, []float64) {
	var a, b [3][3]float64
	for j, p := range t.P {
		if !t.OK[j] {
			continue
		}
		phi := [3]float64{p.X, p.Y, 1}
		rhs := -(p.X*p.X + p.Y*p.Y)
		for r := range 3 {
			for c := range 3 {
				a[r][c] += t.W[j] * phi[r] * phi[c]
			}
			b[r][0] += t.W[j] * phi[r] * rhs
		}
	}
	x, ok := solve(a, b, 3)
	if !ok {
		return nil, nil
	}
	cx, cy := -x[0][0]/2, -x[1][0]/2
	r2 := cx*cx + cy*cy - x[2][0]
	if r2 <= 0 || r2 > maxRadius*maxRadius {
		return nil, nil
	}
	rad := math.Sqrt(r2)
	ang := track{P: make([]r3.Vec, len(t.P)), OK: t.OK, W: t.W}
	prev, have := 0.0, false
	for j, p := range t.P {
		if !t.OK[j] {
			continue
		}
		f := math.Atan2(p.Y-cy, p.X-cx)
		if have {
			f += 2 * math.Pi * math.Round((prev-f)/(2*math.Pi))
		}
		prev, have = f, true
		ang.P[j] = r3.Vec{X: f, Y: p.Z}
	}
	af, _ := fit(ang, 4*len(t.P), 1, 2, 0.005/rad)
	out := make([]r3.Vec, len(t.P))
	res := make([]float64, len(t.P))
	for j := range t.P {
		if t.OK[j] {
			out[j] = r3.Vec{X: cx + rad*math.Cos(af[j].X), Y: cy + rad*math.Sin(af[j].X), Z: af[j].Y}
			res[j] = r3.Norm(r3.Sub(t.P[j], out[j]))
		}
	}
	return out, res
}

// medianOK is the median of v over the frames ok marks, and their number.
func medianOK(v []float64, ok []bool) (float64, int) {
	var s []float64
	for i, x := range v {
		if ok[i] {
			s = append(s, x)
		}
	}
	if len(s) == 0 {
		return 0, 0
	}
	return median(s), len(s)
}

// smoothCamera fits the camera path with the robust local polynomial of fit (±hw frames,
// degree deg): positions directly, rotations as rotation vectors relative to each frame's own
// rotation. Per-frame pose noise would otherwise move every world-frame measurement by up to
// the object's distance times the rotation error (1° at 10 m: 17 cm), more than a step of a
// slow object.
func smoothCamera(p []geom.Rigid, hw, deg int) []geom.Rigid {
	n := len(p)
	if hw <= 0 || n < 3 {
		return p
	}
	t := track{P: make([]r3.Vec, n), OK: make([]bool, n), W: make([]float64, n)}
	for i, q := range p {
		t.P[i], t.OK[i], t.W[i] = q.T, true, 1
	}
	pos, _ := fit(t, hw, deg, 2, 0.001)
	out := make([]geom.Rigid, n)
	rw := make([]float64, n)
	for i := range rw {
		rw[i] = 1
	}
	for i, q := range p {
		for j := max(i-hw, 0); j <= min(i+hw, n-1); j++ {
			t.P[j] = geom.RotationVector(q.R.T().Mul(p[j].R))
		}
		d := local(t, rw, i, hw, deg)
		out[i] = geom.Rigid{R: q.R.Mul(geom.FromRotationVector(d)), T: pos[i]}
	}
	return out
}

// level removes the world-up (z) component of each facing and renormalises it; a facing
// that is (nearly) vertical is left as it is.
func level(f []r3.Vec) {
	for i, v := range f {
		h := r3.Vec{X: v.X, Y: v.Y}
		if n := r3.Norm(h); n > 1e-3 {
			f[i] = r3.Scale(1/n, h)
		}
	}
}

// cameraJitter is the camera path's estimated position noise (poseNoise, m per axis per
// frame) above which its poses are smoothed: on the tuning scenes smooth or swaying camera
// paths stay below 0.015 m (hand-held shake included), and smoothing them cost agreement;
// heavy pose noise gives 0.02–0.03 m, where smoothing gains.
const cameraJitter = 0.018

// yawModel replaces an agent's locally smoothed facings (level, world coordinates) by a
// whole-clip robust line of its heading angle in the frame number — a constant heading, or
// a constant turn (a walker or car on a circle, an agent turning in place) — when its median
// angular residual from the measured facings is within modelGain of the local smoothing's
// (plus yawFloor). An agent's viewpoint turns with its facing, so relative speeds and
// directions need the facing's change from frame to frame, which per-frame orientation
// noise swamps and a truncated local window biases at the clip's ends. Measured facings are
// taken in the turn nearest the local smoothing's, so a flipped estimate is an outlier rather
// than a wrap-around.
func yawModel(meas []r3.Vec, conf []float64, local []r3.Vec) []r3.Vec {
	n := len(meas)
	t := track{P: make([]r3.Vec, n), OK: make([]bool, n), W: make([]float64, n)}
	var lres []float64
	prev, have := 0.0, false
	for j := range n {
		if local[j] == (r3.Vec{}) {
			continue
		}
		l := math.Atan2(local[j].Y, local[j].X)
		if have {
			l += 2 * math.Pi * math.Round((prev-l)/(2*math.Pi))
		}
		prev, have = l, true
		if meas[j] == (r3.Vec{}) || conf[j] <= 0 {
			continue
		}
		m := math.Atan2(meas[j].Y, meas[j].X)
		m += 2 * math.Pi * math.Round((l-m)/(2*math.Pi))
		t.P[j], t.OK[j], t.W[j] = r3.Vec{X: m}, true, conf[j]
		lres = append(lres, math.Abs(m-l))
	}
	if len(lres) < 6 {
		return local
	}
	yf, res := fit(t, 4*n, 1, 3, yawFloor)
	if r, _ := medianOK(res, t.OK); r > modelGain*median(lres)+yawFloor {
		return local
	}
	// The line at every frame, also those without a measurement: extrapolated from the two
	// fitted ends.
	var i0, i1 = -1, -1
	for j := range n {
		if t.OK[j] {
			if i0 < 0 {
				i0 = j
			}
			i1 = j
		}
	}
	rate := 0.0
	if i1 > i0 {
		rate = (yf[i1].X - yf[i0].X) / float64(i1-i0)
	}
	out := make([]r3.Vec, n)
	for j := range n {
		y := yf[i0].X + rate*float64(j-i0)
		out[j] = r3.Vec{X: math.Cos(y), Y: math.Sin(y)}
	}
	return out
}

// yawFloor (rad) is the smallest robust scale of a heading fit and the slack of its choice.
const yawFloor = 1 * math.Pi / 180
