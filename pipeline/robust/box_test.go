package robust

import (
	"math"
	"testing"

	"github.com/dsr4d/dsr4d/geom"
	"gonum.org/v1/gonum/spatial/r3"
)

// boxWalls samples the walls of an upright box (centre c on the ground plus half height hz,
// yaw, half sides hx, hy) that a camera at cam sees, every 4 cm; keep drops points (a
// border cut).
func boxWalls(c r3.Vec, yaw, hx, hy, hz float64, cam r3.Vec, keep func(r3.Vec) bool) []r3.Vec {
	R := geom.AxisAngle(r3.Vec{Z: 1}, yaw)
	var pts []r3.Vec
	for _, f := range []struct {
		n, s r3.Vec
		h, w float64
	}{
		{r3.Vec{X: 1}, r3.Vec{Y: 1}, hx, hy}, {r3.Vec{X: -1}, r3.Vec{Y: 1}, hx, hy},
		{r3.Vec{Y: 1}, r3.Vec{X: 1}, hy, hx}, {r3.Vec{Y: -1}, r3.Vec{X: 1}, hy, hx},
	} {
		n, s := R.MulVec(f.n), R.MulVec(f.s)
		mid := r3.Add(c, r3.Scale(f.h, n))
		if r3.Dot(n, r3.Sub(cam, mid)) <= 0 {
			continue
		}
		nu, nz := math.Ceil(f.w/0.02), math.Ceil(hz/0.02)
		for ku := -nu; ku <= nu; ku++ {
			for kz := -nz; kz <= nz; kz++ {
				p := r3.Add(r3.Add(mid, r3.Scale(ku/nu*f.w, s)), r3.Vec{Z: kz / nz * hz})
				if keep == nil || keep(p) {
					pts = append(pts, p)
				}
			}
		}
	}
	return pts
}

// A car-sized box turning on a tight circle in front of a still camera, a third of its
// frames cut by the image border: the frames' faces give its centre to the millimetre,
// where the visible surface's mean is up to 1.5 m off and slides with the view. (A frame
// that shows one face, cut, fixes nothing along it and keeps the measured centre there:
// this test cuts only frames that show two faces.)
func TestBoxFramesFromFaces(t *testing.T) {
	t.Parallel()
	const n = 24
	cam := r3.Vec{X: -7, Y: -3, Z: 1.5}
	truth := make([]r3.Vec, n)
	tr := track{P: make([]r3.Vec, n), OK: make([]bool, n), W: make([]float64, n)}
	clouds := make([][]r3.Vec, n)
	cams := make([]r3.Vec, n)
	cuts := 0
	for i := range n {
		a := 0.12 * float64(i)
		truth[i] = r3.Vec{X: math.Cos(a), Y: math.Sin(a), Z: 0.6}
		clouds[i] = boxWalls(truth[i], a+math.Pi/2, 1.5, 0.75, 0.6, cam, nil)
		if _, _, r := boundingRect(flat(clouds[i])); i%3 == 1 && r.half[1] > 0.1 {
			cut := func(p r3.Vec) bool { return p.Y < truth[i].Y+0.3 } // the border cuts the far end
			clouds[i] = boxWalls(truth[i], a+math.Pi/2, 1.5, 0.75, 0.6, cam, cut)
			cuts++
		}
		tr.P[i], tr.OK[i], tr.W[i], cams[i] = mean(clouds[i]), true, 1, cam
	}
	got, ok := boxFrames(tr, clouds, cams)
	if !ok {
		t.Fatal("boxFrames: no face fixed the centre")
	}
	var errs []float64
	worst, meanErr := 0.0, 0.0
	for i := range n {
		errs = append(errs, r3.Norm(r3.Sub(got.P[i], truth[i])))
		worst = max(worst, errs[i])
		meanErr = max(meanErr, r3.Norm(r3.Sub(tr.P[i], truth[i])))
	}
	if cuts < 3 {
		t.Fatalf("only %d frames cut", cuts)
	}
	// One frame here shows a single face that spans 93% of its side: its middle is 11 cm
	// off (the whole-side rule's 90%); every other frame is exact.
	if m := median(errs); m > 0.001 || worst > 0.12 {
		t.Fatalf("box centre off by %.4f m (median), %.4f m (worst); the surface mean by %.3f m", m, worst, meanErr)
	}
	if meanErr < 0.3 {
		t.Fatalf("the surface mean is only %.3f m off: the test does not test", meanErr)
	}
}

// A box seen from behind only, driving away, its registered track sliding sideways: the
// rear face gives the sideways motion exactly; the unseen depth keeps the track's mean.
func TestBoxTrackStopsTheSlide(t *testing.T) {
	t.Parallel()
	const n = 16
	b := box{r: rect{axis: [2][2]float64{{1, 0}, {0, 1}}, half: [2]float64{1.5, 0.75}}, zc: 0.6, hz: 0.6}
	reg := track{P: make([]r3.Vec, n), OK: make([]bool, n), W: make([]float64, n)}
	clouds := make([][]r3.Vec, n)
	cams := make([]r3.Vec, n)
	poses := make([]geom.Rigid, n)
	truth := make([]r3.Vec, n)
	for i := range n {
		truth[i] = r3.Vec{X: 4 + 0.2*float64(i), Y: 0.1 * float64(i), Z: 0.6}
		cams[i] = r3.Vec{X: -2, Y: 0.1 * float64(i), Z: 0.6} // follows straight behind
		clouds[i] = boxWalls(truth[i], 0, 1.5, 0.75, 0.6, cams[i], nil)
		slide := 0.15 * math.Sin(float64(i))
		reg.P[i], reg.OK[i], reg.W[i] = r3.Add(truth[i], r3.Vec{X: 0.3, Y: slide}), true, 1
		poses[i] = geom.Rigid{R: geom.Identity3(), T: r3.Sub(reg.P[i], r3.Vec{Z: 0.6})}
	}
	got, ok := boxTrack(reg, clouds, poses, b, cams)
	if !ok {
		t.Fatal("boxTrack: no face fixed the centre")
	}
	for i := range n {
		if d := got.P[i].Y - truth[i].Y; math.Abs(d) > 0.003 {
			t.Fatalf("frame %d: sideways %.4f m off (registered %.3f)", i, d, reg.P[i].Y-truth[i].Y)
		}
		if i > 0 {
			step, want := got.P[i].X-got.P[i-1].X, truth[i].X-truth[i-1].X
			if math.Abs(step-want) > 0.003 {
				t.Fatalf("frame %d: step along the unseen side %.4f, want %.4f", i, step, want)
			}
		}
	}
}

func flat(pts []r3.Vec) [][2]float64 {
	f := make([][2]float64, len(pts))
	for k, p := range pts {
		f[k] = [2]float64{p.X, p.Y}
	}
	return f
}
