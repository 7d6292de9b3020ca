package qa_test

import (
	"strings"
	"testing"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/dsr4d/dsr4d/pipeline/fuse"
	"github.com/dsr4d/dsr4d/pipeline/qa"
)

// TestOracleAgreesWithTruth: questions made from the true centres and facing (with the
// estimated availability) agree 100% with the truth — the audit proving itself.
func TestOracleAgreesWithTruth(t *testing.T) {
	t.Parallel()
	r := small(t)
	truth, err := qa.NewTruth(r.Scene.GT, r.Scene.N)
	if err != nil {
		t.Fatal(err)
	}
	est := &qa.Estimated{S: r.Scene, Centres: fuse.CPU(r.Scene, 0)}
	qs, _ := qa.Generate(r.Scene, qa.Oracle{Gate: est, Truth: truth}, qa.Options{PerVideo: 150, Seed: 11})
	var a qa.Agreement
	a.Tally(qa.Audit(qs, truth))
	if a.N < 40 || a.AgreeN != a.N {
		t.Fatalf("oracle agreement %d/%d, want all (and ≥ 40 questions)\n%s", a.AgreeN, a.N, qa.AgreementTable([]qa.Agreement{a}))
	}
	for _, typ := range qa.Types {
		if a.Total[typ] == 0 {
			t.Errorf("no %s question", typ)
		}
	}
	// The estimated cues, audited the same way, are what the audit measures.
	qe, _ := qa.Generate(r.Scene, est, qa.Options{PerVideo: 150, Seed: 11})
	var b qa.Agreement
	b.Group = "estimated"
	b.Tally(qa.Audit(qe, truth))
	a.Group = "oracle"
	t.Logf("\n%s", qa.AgreementTable([]qa.Agreement{a, b}))
}

// resolving wraps cues with a qa.Resolver of resolution r.
type resolving struct {
	qa.Cues
	r float64
}

func (c resolving) Resolution() float64 { return c.r }

// TestStillObjectsHaveNoDirection: a dir_pred question about an object that does not move has
// no true answer (the displacement is rounding), and cues that know their resolution reject
// the questions whose displacement is below it, counting the reason.
func TestStillObjectsHaveNoDirection(t *testing.T) {
	t.Parallel()
	r := small(t)
	s := r.Scene
	truth, err := qa.NewTruth(s.GT, s.N)
	if err != nil {
		t.Fatal(err)
	}
	still := 0
	for _, o := range s.Objects {
		sp := qa.Spec{Type: "abs_dir_pred", Objects: []int{o.ID}, Viewpoint: qa.Camera, V: 0, Start: s.N - 3, End: s.N - 1}
		c := qa.Audit([]qa.Question{{Spec: sp, Correct: "A"}}, truth)[0]
		d := r3.Norm(r3.Sub(r3.Vec{X: c.TruthSeries[1][0], Y: c.TruthSeries[1][1], Z: c.TruthSeries[1][2]},
			r3.Vec{X: c.TruthSeries[0][0], Y: c.TruthSeries[0][1], Z: c.TruthSeries[0][2]}))
		if moves := !strings.HasPrefix(c.TruthAnswer, "error: the object does not move"); moves != (d >= qa.StillTol) {
			t.Errorf("object %d: |Δ| = %.3g m, truth answer %q", o.ID, d, c.TruthAnswer)
		}
		if d < qa.StillTol {
			still++
		}
	}
	if still == 0 {
		t.Fatal("no still object in the scene: the test needs one")
	}
	est := &qa.Estimated{S: s, Centres: fuse.CPU(s, 0)}
	opt := qa.Options{PerVideo: 150, Seed: 11}
	count := func(qs []qa.Question) (n int) {
		for _, q := range qs {
			if qa.Family(q.Type) == "dir_pred" {
				n++
			}
		}
		return n
	}
	qs, _ := qa.Generate(s, resolving{est, 0}, opt)
	none, st := qa.Generate(s, resolving{est, 1e9}, opt)
	if count(qs) == 0 || count(none) != 0 || st.Rejected[qa.RejectStill] == 0 {
		t.Fatalf("dir_pred questions: %d at resolution 0, %d at 1e9 (rejected as still: %d)", count(qs), count(none), st.Rejected[qa.RejectStill])
	}
}

// TestRestingObjectsHaveNoSpeed: the reference divides by a speed step, so an object at rest
// has no speed answer with exact cues (a 0/0); cues that resolve displacements only down to
// r treat shorter steps as rest, and the question is rejected as the reference's would be,
// instead of answered from the noise of a still object. Moving objects are unaffected.
func TestRestingObjectsHaveNoSpeed(t *testing.T) {
	t.Parallel()
	rest, exact, moving := qa.Series{}, qa.Series{}, qa.Series{}
	for i := range 6 {
		jitter := 0.001 * float64(i%2)
		rest = append(rest, []float64{2 + jitter, 1, 0.5})
		exact = append(exact, []float64{2, 1, 0.5})
		moving = append(moving, []float64{2 + 0.2*float64(i), 1, 0.5})
	}
	if _, err := qa.Answer("rel_spd", exact); err == nil {
		t.Fatal("exact rest: the reference's 0/0 gave an answer")
	}
	if a, err := qa.Answer("rel_spd", rest); err != nil {
		t.Fatalf("rest with 1 mm jitter: %v", err)
	} else if _, still, err := qa.ResolvedAnswer(resolving{nil, 0.02}, "rel_spd", rest); !still || err == nil {
		t.Errorf("rest with 1 mm jitter at 2 cm resolution: still %v, err %v (unresolved answer %q)", still, err, a)
	}
	want, _ := qa.Answer("rel_spd", moving)
	if a, still, err := qa.ResolvedAnswer(resolving{nil, 0.02}, "rel_spd", moving); still || err != nil || a != want {
		t.Errorf("moving: %q, still %v, %v; want %q", a, still, err, want)
	}
	r := small(t)
	est := &qa.Estimated{S: r.Scene, Centres: fuse.CPU(r.Scene, 0)}
	opt := qa.Options{PerVideo: 150, Seed: 11}
	count := func(qs []qa.Question) (n int) {
		for _, q := range qs {
			if f := qa.Family(q.Type); f == "spd" {
				n++
			}
		}
		return n
	}
	qs, _ := qa.Generate(r.Scene, resolving{est, 0}, opt)
	none, st := qa.Generate(r.Scene, resolving{est, 1e9}, opt)
	if count(qs) == 0 || count(none) != 0 || st.Rejected[qa.RejectStill] == 0 {
		t.Fatalf("spd questions: %d at resolution 0, %d at 1e9 (rejected as still: %d)", count(qs), count(none), st.Rejected[qa.RejectStill])
	}
}
