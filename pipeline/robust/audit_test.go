package robust_test

import (
	"testing"

	"github.com/dsr4d/dsr4d/pipeline/fuse"
	"github.com/dsr4d/dsr4d/pipeline/qa"
	"github.com/dsr4d/dsr4d/pipeline/robust"
	"github.com/dsr4d/dsr4d/pipeline/synth"
)

// TestRobustAuditsAtLeastAsWell: on three small synthetic scenes (32 frames, 384×216; no,
// light and heavy noise), the robust estimator's answers agree with the ground truth at least
// as often as the reference estimator's, and the questions its label confidence keeps at
// ≥ 0.9 agree more often still. (On a single small noise-free scene the two are within a few
// questions of each other either way; the held-out corpus figures are
// scripts/audit_corpus.sh's, in BENCHMARKS.md.)
func TestRobustAuditsAtLeastAsWell(t *testing.T) {
	t.Parallel()
	var ref, rob, sure qa.Agreement
	for _, tc := range []struct {
		preset, noise string
		seed          uint64
	}{{"static", "none", 41}, {"default", "light", 42}, {"park", "heavy", 43}} {
		cfg := synth.DefaultConfig()
		cfg.Frames, cfg.Size, cfg.PointsSize = 32, [2]int{384, 216}, [2]int{192, 108}
		cfg.Preset, cfg.Seed, cfg.Noise = tc.preset, tc.seed, synth.NoiseLevels[tc.noise]
		r, err := synth.Generate(cfg, synth.CPU{})
		if err != nil {
			t.Fatal(err)
		}
		s := r.Scene
		truth, err := qa.NewTruth(s.GT, s.N)
		if err != nil {
			t.Fatal(err)
		}
		opt := qa.Options{PerVideo: 120, Seed: 5}
		qr, _ := qa.Generate(s, &qa.Estimated{S: s, Centres: fuse.CPU(s, 0)}, opt)
		ref.Tally(qa.Audit(qr, truth))
		e := robust.New(s, robust.Default)
		qs, _ := qa.Generate(s, e, opt)
		checks := qa.Audit(qs, truth)
		rob.Tally(checks)
		for i, q := range qs {
			if qa.LabelConfidence(q, func(k int) qa.Cues { return e.Resample(k) }, 16) >= 0.9 {
				sure.Tally(checks[i : i+1])
			}
		}
	}
	ref.Group, rob.Group, sure.Group = "reference", "robust", "robust, confidence ≥ 0.9"
	t.Logf("\n%s", qa.AgreementTable([]qa.Agreement{ref, rob, sure}))
	frac := func(a qa.Agreement) float64 { return float64(a.AgreeN) / float64(a.N) }
	if rob.N < 40 || ref.N < 40 {
		t.Fatalf("too few questions: reference %d, robust %d", ref.N, rob.N)
	}
	if frac(rob) < frac(ref) {
		t.Errorf("robust agreement %.3f < reference %.3f", frac(rob), frac(ref))
	}
	if sure.N == 0 || frac(sure) <= frac(rob) || sure.N == rob.N {
		t.Errorf("confidence ≥ 0.9 keeps %d of %d at agreement %.3f (all: %.3f): want fewer questions, agreeing more", sure.N, rob.N, frac(sure), frac(rob))
	}
}
