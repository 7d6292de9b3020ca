package qa_test

import (
	"testing"

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
