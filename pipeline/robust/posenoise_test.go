package robust

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dsr4d/dsr4d/geom"
	"gonum.org/v1/gonum/spatial/r3"
)

// The camera path's noise is recovered from a smoothly orbiting path with white jitter, and
// a clean path shows (almost) none.
func TestPoseNoise(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 8))
	path := func(sigT, sigR float64) []geom.Rigid {
		p := make([]geom.Rigid, 64)
		for i := range p {
			a := 0.05 * float64(i)
			p[i] = geom.Rigid{R: geom.AxisAngle(r3.Vec{Z: 1}, a), T: r3.Vec{X: 5 * math.Cos(a), Y: 5 * math.Sin(a), Z: 1.5}}
		}
		return perturb(p, sigT, sigR, rng)
	}
	st, sr := poseNoise(path(0.02, 0.017))
	if math.Abs(st-0.02) > 0.007 || math.Abs(sr-0.017) > 0.006 {
		t.Errorf("noisy path: σ_t %.4f (want ≈ 0.02), σ_r %.4f (want ≈ 0.017)", st, sr)
	}
	st, sr = poseNoise(path(0, 0))
	if st > 0.005 || sr > 0.002 {
		t.Errorf("clean orbit: σ_t %.4f, σ_r %.4f, want ≈ 0", st, sr)
	}
}
