package robust

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dsr4d/dsr4d/geom"
	"gonum.org/v1/gonum/spatial/r3"
)

// Five objects moving on straight lines, seen by a camera on a smooth orbit whose stored
// poses carry 0.3° of rotation and 1 cm of position noise per axis and frame: the corrected
// path's rotations are ≥ 30% closer to the true ones (0.52° → 0.33°: the fits follow each
// frame a little, so its residuals show part of its error), and with noise-free poses
// and noise-free objects the path is left as it is.
func TestCorrectedPath(t *testing.T) {
	t.Parallel()
	const n = 32
	rng := rand.New(rand.NewPCG(7, 8))
	truePath := make([]geom.Rigid, n)
	for i := range n {
		a := 0.03 * float64(i)
		c := r3.Vec{X: 8 * math.Cos(a), Y: 8 * math.Sin(a), Z: 1.6}
		// Look at the origin: camera z forward, y down.
		z := r3.Unit(r3.Scale(-1, c))
		x := r3.Unit(r3.Cross(z, r3.Vec{Z: 1}))
		y := r3.Cross(z, x)
		truePath[i] = geom.Rigid{R: geom.Mat3{{x.X, y.X, z.X}, {x.Y, y.Y, z.Y}, {x.Z, y.Z, z.Z}}, T: c}
	}
	objects := func(k, i int) r3.Vec {
		return r3.Vec{X: -2 + float64(k) + 0.05*float64(i), Y: -1.5 + 0.7*float64(k) - 0.03*float64(i), Z: 0.5}
	}
	run := func(sigR, sigT, noise float64) (before, after float64) {
		stored := make([]geom.Rigid, n)
		for i, p := range truePath {
			g := func(s float64) r3.Vec {
				return r3.Vec{X: s * rng.NormFloat64(), Y: s * rng.NormFloat64(), Z: s * rng.NormFloat64()}
			}
			stored[i] = geom.Rigid{R: p.R.Mul(geom.FromRotationVector(g(sigR))), T: r3.Add(p.T, g(sigT))}
		}
		e := &Estimate{opt: Default, n: n, poses: stored}
		e.sigT, e.sigR = poseNoise(stored)
		for k := range 5 {
			tr := track{P: make([]r3.Vec, n), OK: make([]bool, n), W: make([]float64, n)}
			for i := range n {
				local := truePath[i].Inverse().Apply(objects(k, i))
				local = r3.Add(local, r3.Vec{X: noise * rng.NormFloat64(), Y: noise * rng.NormFloat64(), Z: noise * rng.NormFloat64()})
				tr.P[i], tr.OK[i], tr.W[i] = stored[i].Apply(local), true, 1
			}
			e.meas = append(e.meas, tr)
		}
		e.solve(e.meas, nil)
		fixed, ok := e.correctedPath()
		if !ok {
			fixed = stored
		}
		var b, a []float64
		for i := range n {
			b = append(b, geom.RotationAngle(stored[i].R.Mul(truePath[i].R.T())))
			a = append(a, geom.RotationAngle(fixed[i].R.Mul(truePath[i].R.T())))
		}
		return median(b), median(a)
	}
	deg := math.Pi / 180
	if b, a := run(0.3*deg, 0.01, 0.005); a > 0.7*b {
		t.Errorf("noisy path: median rotation error %.3f° → %.3f°, want ≥ 30%% less", b/deg, a/deg)
	}
	if b, a := run(0, 0, 0); a > 1e-9 || b != 0 {
		t.Errorf("exact path: median rotation error %.3g° → %.3g°, want 0", b/deg, a/deg)
	}
}
