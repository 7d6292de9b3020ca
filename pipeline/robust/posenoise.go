package robust

import (
	"math"
	"math/rand/v2"

	"github.com/dsr4d/dsr4d/geom"
	"gonum.org/v1/gonum/spatial/r3"
)

// poseNoise estimates the per-frame noise of a camera path from its second differences
// (Gasser's pseudo-residuals, which smooth motion leaves near zero): for white noise of
// std σ per axis, the translation residual T_i − (T_{i−1} + T_{i+1})/2 has |e|² = 1.5σ²·χ²(3),
// and the difference of consecutive relative rotation vectors, to first order a second
// difference of rotation vectors, |d|² = 6σ²·χ²(3). Medians make a jump (a real jolt) count little. Real
// high-frequency camera motion (hand-held shake) counts as noise: the estimate errs on the
// side of less confidence.
func poseNoise(p []geom.Rigid) (sigT, sigR float64) {
	var et, er []float64
	for i := 1; i+1 < len(p); i++ {
		e := r3.Sub(r3.Scale(0.5, r3.Add(p[i-1].T, p[i+1].T)), p[i].T)
		et = append(et, r3.Norm2(e))
		a := geom.RotationVector(p[i+1].R.Mul(p[i].R.T()))
		b := geom.RotationVector(p[i].R.Mul(p[i-1].R.T()))
		er = append(er, r3.Norm2(r3.Sub(a, b)))
	}
	if len(et) < 3 {
		return 0, 0
	}
	const chi3 = 2.366 // median of χ²(3)
	return math.Sqrt(median(et) / (1.5 * chi3)), math.Sqrt(median(er) / (6 * chi3))
}

// perturb returns p with each pose's position moved by N(0, sigT²) per axis and its rotation
// turned by a rotation vector of N(0, sigR²) per axis.
func perturb(p []geom.Rigid, sigT, sigR float64, rng *rand.Rand) []geom.Rigid {
	out := make([]geom.Rigid, len(p))
	g := func(s float64) r3.Vec {
		return r3.Vec{X: s * rng.NormFloat64(), Y: s * rng.NormFloat64(), Z: s * rng.NormFloat64()}
	}
	for i, q := range p {
		out[i] = geom.Rigid{R: geom.FromRotationVector(g(sigR)).Mul(q.R), T: r3.Add(q.T, g(sigT))}
	}
	return out
}
