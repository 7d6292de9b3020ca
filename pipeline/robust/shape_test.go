package robust

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dsr4d/dsr4d/geom"
	"gonum.org/v1/gonum/spatial/r3"
)

// seenBox returns points (world coordinates, random, about 400 per m²) on the faces of an
// upright box of half-sizes a, centre c and yaw that face a camera at cam: what a depth map
// shows. (Random, not a grid fixed to the box: ICP locks a grid onto itself shifted by whole
// grid steps, which a depth map's pixels, fixed to the camera, do not invite.)
func seenBox(a r3.Vec, c r3.Vec, yaw float64, cam r3.Vec, rng *rand.Rand) []r3.Vec {
	R := geom.AxisAngle(r3.Vec{Z: 1}, yaw)
	var out []r3.Vec
	for _, n := range []r3.Vec{{X: 1}, {X: -1}, {Y: 1}, {Y: -1}, {Z: 1}} {
		// u, v span the face.
		u, v := r3.Vec{Y: 1}, r3.Vec{Z: 1}
		if n.Y != 0 {
			u = r3.Vec{X: 1}
		}
		if n.Z != 0 {
			u, v = r3.Vec{X: 1}, r3.Vec{Y: 1}
		}
		fc := r3.Add(c, R.MulVec(r3.Vec{X: n.X * a.X, Y: n.Y * a.Y, Z: n.Z * a.Z}))
		if r3.Dot(R.MulVec(n), r3.Sub(cam, fc)) <= 0 {
			continue
		}
		hu, hv := r3.Dot(u, a), r3.Dot(v, a)
		for range int(4 * hu * hv * 400) {
			s, t := hu*(2*rng.Float64()-1), hv*(2*rng.Float64()-1)
			out = append(out, r3.Add(fc, R.MulVec(r3.Add(r3.Scale(s, u), r3.Scale(t, v)))))
		}
	}
	return out
}

// A car-sized box drives past a camera and turns: each frame shows a different pair of its
// faces, so any one view's centre is biased, and the mean of those biases (the old c₀) is
// far off. The shape of the registered views' union gives the true centre in every frame.
func TestShapeCentreOfTurningBox(t *testing.T) {
	t.Parallel()
	a := r3.Vec{X: 1.5, Y: 0.75, Z: 0.6}
	cam := r3.Vec{Y: -9, Z: 1.7}
	const n = 16
	rng := rand.New(rand.NewPCG(1, 2))
	tr := track{P: make([]r3.Vec, n), OK: make([]bool, n), W: make([]float64, n)}
	clouds := make([][]r3.Vec, n)
	truth := make([]r3.Vec, n)
	for i := range n {
		f := float64(i) / (n - 1)
		truth[i] = r3.Vec{X: -4 + 8*f, Y: 0.5 * f, Z: a.Z}
		pts := seenBox(a, truth[i], 0.3+0.9*f, cam, rng)
		clouds[i] = thin(pts)
		// The measured centre: the visible surface's mean (the reference's), biased towards
		// the camera and towards whichever end is in view.
		tr.P[i], tr.OK[i], tr.W[i] = mean(pts), true, 1
	}
	old := registered(tr, clouds)
	got, ok := shaped(tr, clouds, nil)
	if !ok {
		t.Fatal("shaped: no shape")
	}
	var worstOld, worst float64
	for i := range n {
		worstOld = max(worstOld, r3.Norm(r3.Sub(old.P[i], truth[i])))
		worst = max(worst, r3.Norm(r3.Sub(got.P[i], truth[i])))
	}
	if worst > 0.08 {
		t.Errorf("shape centre: worst error %.3f m, want ≤ 0.08", worst)
	}
	if worstOld < 0.3 {
		t.Errorf("mean centre c₀: worst error %.3f m; the test wants views biased by ≥ 0.3 m", worstOld)
	}
}

// A still cylinder seen from one side: its wall's footprint is an arc, whose circle's
// centre is the axis (a rectangle around the arc would put it half a radius too near).
func TestShapeCentreOfCylinder(t *testing.T) {
	t.Parallel()
	const r, h = 0.3, 0.55
	c := r3.Vec{X: 1, Y: 2, Z: h}
	cam := r3.Vec{X: 0, Y: -5, Z: 1.6}
	var pts []r3.Vec
	for k := range 360 {
		th := float64(k) * math.Pi / 180
		nrm := r3.Vec{X: math.Cos(th), Y: math.Sin(th)}
		p := r3.Add(c, r3.Scale(r, nrm))
		if r3.Dot(nrm, r3.Sub(cam, p)) <= 0 {
			continue
		}
		for z := -h; z <= h; z += 0.05 {
			pts = append(pts, r3.Add(p, r3.Vec{Z: z}))
		}
	}
	got, _, ok := shapeOf(pts, mean(pts))
	if !ok {
		t.Fatal("shapeOf: no shape")
	}
	if e := r3.Norm(r3.Sub(got, c)); e > 0.02 {
		t.Errorf("cylinder centre %v, want %v (error %.3f m)", got, c, e)
	}
	if e := r3.Norm(r3.Sub(mean(pts), c)); e < 0.15 {
		t.Errorf("the wall's mean is only %.3f m off: the test wants a biased view", e)
	}
}

// Points that are not one rigid shape (a turning box's views misregistered: its walls at
// three yaws) give no shape, so the caller keeps the mean centre.
func TestShapeCentreRejectsMess(t *testing.T) {
	t.Parallel()
	a := r3.Vec{X: 1.5, Y: 0.75, Z: 0.6}
	cam := r3.Vec{Y: -9, Z: 1.7}
	rng := rand.New(rand.NewPCG(1, 2))
	var pts []r3.Vec
	for _, yaw := range []float64{0, 0.8, 1.6} {
		pts = append(pts, seenBox(a, r3.Vec{Z: 0.6}, yaw, cam, rng)...)
	}
	if c, _, ok := shapeOf(pts, r3.Vec{}); ok {
		t.Errorf("a box at three yaws gave a shape centred at %v", c)
	}
}
