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

// Smooth but fast camera motion is not noise: an orbit of 8 m at 0.1 rad a frame (whose
// second differences are 4 cm) and a pan swinging ±0.5 rad over the clip (its rate changes every frame)
// show under a millimetre and a milliradian, so the path correction leaves exact poses alone.
func TestPoseNoiseIgnoresSmoothMotion(t *testing.T) {
	t.Parallel()
	orbit, pan := make([]geom.Rigid, 32), make([]geom.Rigid, 32)
	for i := range 32 {
		a := 0.1 * float64(i)
		orbit[i] = geom.Rigid{R: geom.AxisAngle(r3.Vec{Z: 1}, a), T: r3.Vec{X: 8 * math.Cos(a), Y: 8 * math.Sin(a), Z: 1.5}}
		yaw := 0.5 * math.Sin(2*math.Pi*float64(i)/32)
		pan[i] = geom.Rigid{R: geom.AxisAngle(r3.Vec{Z: 1}, yaw), T: r3.Vec{X: 0.05 * float64(i), Z: 1.5}}
	}
	for name, p := range map[string][]geom.Rigid{"orbit": orbit, "pan": pan} {
		if st, sr := poseNoise(p); st > 0.001 || sr > 0.001 {
			t.Errorf("%s: σ_t %.4f m, σ_r %.4f rad, want ≈ 0", name, st, sr)
		}
	}
}
