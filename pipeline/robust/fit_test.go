package robust

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/spatial/r3"
)

func line(n int, f func(i int) r3.Vec) track {
	t := track{P: make([]r3.Vec, n), OK: make([]bool, n), W: make([]float64, n)}
	for i := range n {
		t.P[i], t.OK[i], t.W[i] = f(i), true, 1
	}
	return t
}

// A quadratic path is reproduced exactly by the degree-2 fit, gaps included.
func TestFitKeepsQuadratic(t *testing.T) {
	t.Parallel()
	q := func(i int) r3.Vec {
		x := float64(i)
		return r3.Vec{X: 0.1 * x, Y: 0.01 * x * x, Z: 5 - 0.05*x}
	}
	tr := line(20, q)
	tr.OK[7], tr.OK[8] = false, false
	got, _ := fit(tr, 3, 2, 2, 0.005)
	for i := range 20 {
		if tr.OK[i] && r3.Norm(r3.Sub(got[i], q(i))) > 1e-9 {
			t.Fatalf("frame %d: %v, want %v", i, got[i], q(i))
		}
	}
}

// Noise shrinks and a one-frame jump (a partial occlusion) barely bends the robust fit.
func TestFitRobustToNoiseAndJump(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	truth := func(i int) r3.Vec { return r3.Vec{X: 0.2 * float64(i), Z: 6} }
	tr := line(32, func(i int) r3.Vec {
		return r3.Add(truth(i), r3.Vec{X: 0.02 * rng.NormFloat64(), Y: 0.02 * rng.NormFloat64(), Z: 0.02 * rng.NormFloat64()})
	})
	tr.P[15] = r3.Add(truth(15), r3.Vec{X: 0.8})
	var rawErr, fitErr float64
	got, resid := fit(tr, 3, 2, 2, 0.005)
	for i := range 32 {
		if i == 15 {
			continue
		}
		rawErr += r3.Norm(r3.Sub(tr.P[i], truth(i)))
		fitErr += r3.Norm(r3.Sub(got[i], truth(i)))
	}
	if fitErr > 0.8*rawErr {
		t.Errorf("fit error %.3f, want < 0.8 × the raw %.3f", fitErr, rawErr)
	}
	if e := r3.Norm(r3.Sub(got[15], truth(15))); e > 0.15 {
		t.Errorf("jump frame fitted %.3f off the truth, want < 0.15 (of 0.8)", e)
	}
	if resid[15] < 0.6 {
		t.Errorf("jump frame residual %.3f, want it to stand out (≥ 0.6)", resid[15])
	}
	// Without the robust reweighting the jump pulls its neighbours further.
	plain, _ := fit(tr, 3, 2, 0, 0.005)
	if a, b := r3.Norm(r3.Sub(got[14], truth(14))), r3.Norm(r3.Sub(plain[14], truth(14))); a >= b {
		t.Errorf("frame 14: robust error %.3f, plain %.3f: want robust smaller", a, b)
	}
}

// A partly hidden frame and a frame cut by the image border get less weight than full views.
func TestOcclusionWeights(t *testing.T) {
	t.Parallel()
	sm := make([]sample, 9)
	border := make([]bool, 9)
	for i := range sm {
		sm[i].Pixels = 1000
	}
	sm[4].Pixels = 500 // half hidden
	border[6] = true
	sm[8].Pixels = 0 // not visible: untouched
	w := []float64{1, 1, 1, 1, 1, 1, 1, 1, 1}
	occlusionWeights(sm, border, w)
	if w[0] != 1 || w[3] != 1 || w[8] != 1 {
		t.Errorf("full views reweighted: %v", w)
	}
	if w[4] < 0.2 || w[4] > 0.3 {
		t.Errorf("half-hidden frame weight %.3f, want (1/2)² = 0.25", w[4])
	}
	if w[6] != 0.25 {
		t.Errorf("border frame weight %.3f, want 0.25", w[6])
	}
}
