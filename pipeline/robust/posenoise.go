package robust

import (
	"math"
	"math/rand/v2"

	"github.com/dsr4d/dsr4d/geom"
	"gonum.org/v1/gonum/spatial/r3"
)

// poseNoise estimates the per-frame noise of a camera path from what smooth motion leaves
// near zero: for positions, each one's distance from the cubic through its two neighbours on
// each side (T_i − [2/3 (T_{i−1} + T_{i+1}) − 1/6 (T_{i−2} + T_{i+2})], exact for motion
// smooth to third order, |e|² = 1.944σ²·χ²(3) for white noise of std σ per axis); for
// rotations, the second difference of consecutive relative rotation vectors (to first order a
// third difference of the rotations' noise, exact for a turn whose rate changes linearly,
// |d|² = 20σ²·χ²(3)). A second difference, the first version, read an orbit's curvature or a
// pan's changing rate as noise (≈ 1 cm a frame on an orbit of 8 m), and the path correction
// then moved exact poses. Medians make a jump (a real jolt) count little. Real
// high-frequency camera motion (hand-held shake) counts as noise: the estimate errs on the
// side of less confidence.
func poseNoise(p []geom.Rigid) (sigT, sigR float64) {
	var et, er []float64
	for i := 2; i+2 < len(p); i++ {
		et = append(et, r3.Norm2(r3.Sub(p[i].T, cubicMiddle(p[i-2].T, p[i-1].T, p[i+1].T, p[i+2].T))))
		step := func(j int) r3.Vec { return geom.RotationVector(p[j+1].R.Mul(p[j].R.T())) }
		a, b, c := step(i-2), step(i-1), step(i)
		er = append(er, r3.Norm2(r3.Sub(r3.Add(a, c), r3.Scale(2, b))))
	}
	if len(et) < 3 {
		return 0, 0
	}
	const chi3 = 2.366 // median of χ²(3)
	return math.Sqrt(median(et) / (1.944 * chi3)), math.Sqrt(median(er) / (20 * chi3))
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
