package robust

import (
	"math/rand/v2"
	"testing"

	"github.com/dsr4d/dsr4d/geom"
	"gonum.org/v1/gonum/spatial/r3"
)

// estimateOf builds an Estimate of one object measured along track t (still camera at the
// origin, no agents) the way New finishes one.
func estimateOf(t track) *Estimate {
	n := len(t.P)
	e := &Estimate{opt: Options{Window: 3, Degree: 1}, n: n, poses: make([]geom.Rigid, n), index: map[int]int{1: 0},
		meas: []track{t}, doubt: [][]float64{make([]float64, n)}, agents: map[int]int{}}
	for i := range e.poses {
		e.poses[i] = geom.IdentityRigid()
	}
	e.solve(e.meas, nil)
	return e
}

// Replicates are deterministic, leave a noise-free straight track alone and scatter a noisy
// one by about its noise.
func TestResample(t *testing.T) {
	t.Parallel()
	clean := estimateOf(line(20, func(i int) r3.Vec { return r3.Vec{X: 0.1 * float64(i), Z: 5} }))
	for r := range 4 {
		for i := range 20 {
			a, _ := clean.Centre(1, i)
			b, _ := clean.Resample(r).Centre(1, i)
			if r3.Norm(r3.Sub(a, b)) > 1e-12 {
				t.Fatalf("clean track, replicate %d frame %d: %v vs %v", r, i, b, a)
			}
		}
	}
	rng := rand.New(rand.NewPCG(9, 10))
	noisy := estimateOf(line(20, func(i int) r3.Vec {
		return r3.Vec{X: 0.1*float64(i) + 0.03*rng.NormFloat64(), Y: 0.03 * rng.NormFloat64(), Z: 5 + 0.03*rng.NormFloat64()}
	}))
	a, _ := noisy.Resample(3).Centre(1, 10)
	b, _ := noisy.Resample(3).Centre(1, 10)
	if a != b {
		t.Fatal("replicate 3 differs between calls")
	}
	var spread float64
	c, _ := noisy.Centre(1, 10)
	for r := range 32 {
		p, _ := noisy.Resample(r).Centre(1, 10)
		spread += r3.Norm2(r3.Sub(p, c))
	}
	if s := spread / 32; s < 1e-5 || s > 0.01 {
		t.Errorf("replicate spread %.2g m², want about the fitted noise (≈ 1e-3)", s)
	}
}
