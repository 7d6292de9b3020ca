package robust

import (
	"math"
	"testing"

	"github.com/dsr4d/dsr4d/geom"
	"gonum.org/v1/gonum/spatial/r3"
)

// box returns points on the faces of an axis-aligned box of half-sizes a centred at 0 that
// face −z (the camera's side) after the rotation yaw about y and a shift by c: a turning
// box's visible surface.
func visibleBox(a r3.Vec, yaw float64, c r3.Vec) []r3.Vec {
	R := geom.AxisAngle(r3.Vec{Y: 1}, yaw)
	var out []r3.Vec
	step := 0.05
	for _, face := range []struct{ n, u, v r3.Vec }{
		{r3.Vec{X: 1}, r3.Vec{Y: 1}, r3.Vec{Z: 1}}, {r3.Vec{X: -1}, r3.Vec{Y: 1}, r3.Vec{Z: 1}},
		{r3.Vec{Z: 1}, r3.Vec{X: 1}, r3.Vec{Y: 1}}, {r3.Vec{Z: -1}, r3.Vec{X: 1}, r3.Vec{Y: 1}},
	} {
		n := R.MulVec(face.n)
		if n.Z >= 0 { // faces away from a camera at −z
			continue
		}
		for s := -1.0; s <= 1; s += step {
			for t := -1.0; t <= 1; t += step {
				p := r3.Vec{X: face.n.X*a.X + s*face.u.X*a.X + t*face.v.X*a.X,
					Y: s*face.u.Y*a.Y + t*face.v.Y*a.Y,
					Z: face.n.Z*a.Z + s*face.u.Z*a.Z + t*face.v.Z*a.Z}
				out = append(out, r3.Add(R.MulVec(p), c))
			}
		}
	}
	return out
}

// ICP recovers a turning box's step even though the visible surface's mean slides.
func TestICPRecoversRigidStep(t *testing.T) {
	t.Parallel()
	a := r3.Vec{X: 2, Y: 0.7, Z: 0.9}
	src := visibleBox(a, 0.3, r3.Vec{X: 0.3, Z: 6})
	dst := visibleBox(a, 0.4, r3.Vec{X: 0.5, Z: 6.1})
	g, ok := icp(thin(src), thin(dst), rigidFit, chainICP)
	if !ok {
		t.Fatal("icp failed")
	}
	// The centre moves by the step, much closer than the visible surface's mean does.
	want := r3.Vec{X: 0.5, Z: 6.1}
	eICP := r3.Norm(r3.Sub(g.Apply(r3.Vec{X: 0.3, Z: 6}), want))
	eMean := r3.Norm(r3.Sub(r3.Add(r3.Vec{X: 0.3, Z: 6}, r3.Sub(mean(dst), mean(src))), want))
	if eICP > 0.08 || eICP > 0.5*eMean {
		t.Errorf("centre step error: ICP %.3f, means %.3f: want ICP < 0.08 and < half the means'", eICP, eMean)
	}
	if e := math.Abs(geom.RotationAngle(g.R) - 0.1); e > 0.05 {
		t.Errorf("step rotation off by %.3f rad", e)
	}
}
