package robust

import (
	"math/rand/v2"
	"testing"

	"github.com/dsr4d/dsr4d/geom"
	"gonum.org/v1/gonum/spatial/r3"
)

// A jittered still camera collapses to one pose; a panning one and a hand-held one do not.
func TestStillCamera(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	noisy := func(yaw float64, shift r3.Vec) geom.Rigid {
		rv := r3.Vec{X: 0.017 * rng.NormFloat64(), Y: 0.017 * rng.NormFloat64(), Z: 0.017*rng.NormFloat64() + yaw}
		return geom.Rigid{R: geom.FromRotationVector(rv), T: r3.Add(shift, r3.Vec{X: 0.02 * rng.NormFloat64(), Y: 0.02 * rng.NormFloat64()})}
	}
	for _, tc := range []struct {
		name  string
		pose  func(i int) geom.Rigid
		still bool
	}{
		{"still, heavy pose noise", func(int) geom.Rigid { return noisy(0, r3.Vec{}) }, true},
		{"pan", func(i int) geom.Rigid { return noisy(0.15*float64(i%8-4)/4, r3.Vec{}) }, false},
		{"dolly", func(i int) geom.Rigid { return noisy(0, r3.Vec{Z: 0.06 * float64(i)}) }, false},
	} {
		p := make([]geom.Rigid, 32)
		for i := range p {
			p[i] = tc.pose(i)
		}
		if got := stillCamera(p); got != tc.still {
			t.Errorf("%s: still = %v, want %v", tc.name, got, tc.still)
		}
		if tc.still && p[0] != p[31] {
			t.Errorf("%s: poses not replaced by one", tc.name)
		}
	}
}

func TestStillObject(t *testing.T) {
	t.Parallel()
	w, ok := make([]r3.Vec, 20), make([]bool, 20)
	for i := range w {
		w[i], ok[i] = r3.Vec{X: 1 + 0.02*float64(i%3), Y: 2, Z: 0.5}, true
	}
	if c, still := stillObjectAt(w, ok); !still || r3.Norm(r3.Sub(c, r3.Vec{X: 1.02, Y: 2, Z: 0.5})) > 1e-12 {
		t.Errorf("jittering object: %v %v", c, still)
	}
	for i := range w {
		w[i].X = 1 + 0.03*float64(i) // 0.57 m over the clip
	}
	if _, still := stillObjectAt(w, ok); still {
		t.Error("a moving object counted as still")
	}
}
