package qa

import (
	"strings"
	"testing"

	"github.com/dsr4d/dsr4d/geom"
	"gonum.org/v1/gonum/spatial/r3"
)

// lineCues: one object at (x(i), 0, 5) in a still camera's coordinates.
type lineCues struct{ x func(i int) float64 }

func (c lineCues) Centre(id, i int) (r3.Vec, bool)      { return r3.Vec{X: c.x(i), Z: 5}, id == 1 }
func (c lineCues) Rotation(id, i int) (geom.Mat3, bool) { return geom.Mat3{}, false }
func (c lineCues) Pose(i int) geom.Rigid                { return geom.IdentityRigid() }

// LabelConfidence counts the replicates that keep the answer: a distance series far from the
// thresholds keeps it in every replicate, one whose replicates cross 1.2 in half of them
// gets 0.5.
func TestLabelConfidence(t *testing.T) {
	t.Parallel()
	sp := Spec{Type: "rel_dis", Viewpoint: Camera, V: -1, Objects: []int{1, Camera}, Start: 0, End: 4}
	base := lineCues{func(i int) float64 { return 1 }}
	s, _, _ := Compute(base, sp)
	a, err := Answer(sp.Type, s)
	if err != nil {
		t.Fatal(err)
	}
	q := Question{Spec: sp, Series: s, Options: [4]string{a, "x.", "y.", "z."}, Correct: "A"}
	if !strings.Contains(a, "constant") {
		t.Fatalf("answer %q", a)
	}
	same := func(r int) Cues { return lineCues{func(i int) float64 { return 1 + 0.01*float64(r%3) }} }
	if c := LabelConfidence(q, same, 10); c != 1 {
		t.Errorf("stable replicates: confidence %v, want 1", c)
	}
	// Odd replicates move the object away fast enough for the distance to grow past 1.2×.
	flip := func(r int) Cues {
		if r%2 == 0 {
			return base
		}
		return lineCues{func(i int) float64 { return 1 + 2*float64(i) }}
	}
	if c := LabelConfidence(q, flip, 10); c != 0.5 {
		t.Errorf("half the replicates flip: confidence %v, want 0.5", c)
	}
}

func TestYieldCurve(t *testing.T) {
	t.Parallel()
	f := func(v float64) *float64 { return &v }
	cs := []Check{{Agree: true, Confidence: f(1)}, {Agree: true, Confidence: f(0.75)}, {Agree: false, Confidence: f(0.4)}, {Agree: false, Confidence: f(0.95)}}
	pts := YieldCurve(map[string][]Check{"light": cs})
	for _, p := range pts {
		want := map[float64][2]int{0: {4, 2}, 0.5: {3, 2}, 0.8: {2, 1}, 1: {1, 1}}[p.MinConfidence]
		if want != ([2]int{}) && (p.Kept != want[0] || p.Agree != want[1] || p.Total != 4) {
			t.Errorf("cut %.2f: kept %d agree %d total %d, want %v of 4", p.MinConfidence, p.Kept, p.Agree, p.Total, want)
		}
	}
	if tab := YieldTable(pts); !strings.Contains(tab, "| light | 0.50 | 66.7% (2/3) | 75.0% (3/4) |") {
		t.Errorf("table:\n%s", tab)
	}
}
