package robust

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/spatial/r3"
)

// Facing noise shrinks under the confidence-weighted smoothing and a wild low-confidence
// frame is ignored.
func TestSmoothFacing(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	n := 24
	truth := func(i int) r3.Vec {
		a := 0.05 * float64(i)
		return r3.Vec{X: math.Cos(a), Y: math.Sin(a)}
	}
	f, conf := make([]r3.Vec, n), make([]float64, n)
	for i := range n {
		f[i] = r3.Unit(r3.Add(truth(i), r3.Scale(0.1, r3.Vec{X: rng.NormFloat64(), Y: rng.NormFloat64(), Z: rng.NormFloat64()})))
		conf[i] = 0.5 + 0.5*rng.Float64()
	}
	f[10], conf[10] = r3.Vec{X: -1}, 0.55 // a flipped estimate
	got := smoothFacing(f, conf, 2)
	var raw, sm float64
	for i := range n {
		if i == 10 {
			continue
		}
		raw += angle(f[i], truth(i))
		sm += angle(got[i], truth(i))
	}
	if sm > 0.8*raw {
		t.Errorf("smoothed error %.3f rad, want < 0.8 × raw %.3f", sm, raw)
	}
	if e := angle(got[10], truth(10)); e > 0.2 {
		t.Errorf("flipped frame smoothed to %.2f rad off, want < 0.2", e)
	}
}

func TestViewerRotationIsUpright(t *testing.T) {
	t.Parallel()
	R := viewerRotation(r3.Vec{X: 1, Z: 0.2}, r3.Vec{Z: 1})
	if !R.IsRotation(1e-12) {
		t.Fatalf("not a rotation: %v", R)
	}
	if u := R.Row(2); math.Abs(u.Z-1) > 0.03 || math.Abs(R.Row(0).Z-0.196) > 0.01 {
		t.Fatalf("rows %v", R)
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	o, err := Parse("robust:window=0,centre=mean,register=off")
	if err != nil || o.Window != 0 || o.Centre != Mean || o.Register || o.Erode != Default.Erode {
		t.Fatalf("Parse = %+v, %v", o, err)
	}
	for _, bad := range []string{"robustx", "robust:window", "robust:window=-1", "robust:centre=mode", "robust:foo=1", "robust:degree=3", "robust:shape=maybe"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q): no error", bad)
		}
	}
	// Every on/off key reaches its own field (all are on by default).
	d := Default
	for k := range d.switches() {
		o, err := Parse("robust:" + k + "=off")
		if err != nil {
			t.Fatal(err)
		}
		for k2, b := range o.switches() {
			if *b == (k2 == k) {
				t.Errorf("robust:%s=off: %s is %v", k, k2, *b)
			}
		}
	}
}
