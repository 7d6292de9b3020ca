package robust

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/spatial/r3"
)

// A noisy straight track gets the whole-clip line (speeds equal to the true speed to a few
// per cent in every step), a noisy circle keeps the local fit.
func TestModelFitChoosesByResidual(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	noisy := func(f func(i int) r3.Vec) track {
		return line(32, func(i int) r3.Vec {
			return r3.Add(f(i), r3.Vec{X: 0.02 * rng.NormFloat64(), Y: 0.02 * rng.NormFloat64()})
		})
	}
	straight := func(i int) r3.Vec { return r3.Vec{X: 0.25 * float64(i), Z: 6} }
	tr := noisy(straight)
	w, res := fit(tr, 3, 1, 2, 0.005)
	m, _ := modelFit(tr, w, res)
	for i := 1; i < 32; i++ {
		if s := r3.Norm(r3.Sub(m[i], m[i-1])); math.Abs(s-0.25) > 0.01 {
			t.Fatalf("line step %d: speed %.4f, want 0.25", i, s)
		}
	}
	circle := func(i int) r3.Vec {
		a := 0.3 * float64(i)
		return r3.Vec{X: 2 * math.Cos(a), Y: 2 * math.Sin(a), Z: 6}
	}
	tr = noisy(circle)
	w, res = fit(tr, 3, 1, 2, 0.005)
	m, _ = modelFit(tr, w, res)
	for i := range m {
		if m[i] != w[i] {
			t.Fatalf("circle frame %d: model %v replaced the local fit %v", i, m[i], w[i])
		}
	}
}

// groundHeight flattens the measured frames to their median height and leaves the others.
func TestGroundHeight(t *testing.T) {
	t.Parallel()
	w := []r3.Vec{{Z: 1}, {Z: 1.2}, {Z: 9}, {Z: 0.9}}
	groundHeight(w, []bool{true, true, false, true})
	if w[0].Z != 1 || w[1].Z != 1 || w[3].Z != 1 || w[2].Z != 9 {
		t.Fatalf("got %v", w)
	}
}
