package geom

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/num/quat"
	"gonum.org/v1/gonum/spatial/r3"
)

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }

func randVec(rng *rand.Rand, s float64) r3.Vec {
	return r3.Vec{X: s * (2*rng.Float64() - 1), Y: s * (2*rng.Float64() - 1), Z: s * (2*rng.Float64() - 1)}
}

func randQuat(rng *rand.Rand) quat.Number {
	return QuatNormalize(quat.Number{Real: rng.NormFloat64(), Imag: rng.NormFloat64(), Jmag: rng.NormFloat64(), Kmag: rng.NormFloat64()})
}

func randRot(rng *rand.Rand) Mat3 { return MatFromQuat(randQuat(rng)) }

func randRigid(rng *rand.Rand) Rigid { return Rigid{R: randRot(rng), T: randVec(rng, 5)} }

func vecNear(a, b r3.Vec, tol float64) bool { return r3.Norm(r3.Sub(a, b)) <= tol }

func matNear(a, b Mat3, tol float64) bool {
	for i := range 3 {
		for j := range 3 {
			if math.Abs(a[i][j]-b[i][j]) > tol {
				return false
			}
		}
	}
	return true
}

func assertVec(t *testing.T, what string, got, want r3.Vec, tol float64) {
	t.Helper()
	if !vecNear(got, want, tol) {
		t.Errorf("%s = %v, want %v (|diff| %.3g > %g)", what, got, want, r3.Norm(r3.Sub(got, want)), tol)
	}
}

func assertMat(t *testing.T, what string, got, want Mat3, tol float64) {
	t.Helper()
	if !matNear(got, want, tol) {
		t.Errorf("%s =\n%v\nwant\n%v", what, got, want)
	}
}
