package main

import (
	"fmt"
	"path/filepath"

	"github.com/dsr4d/dsr4d/pipeline/bench"
	"github.com/dsr4d/dsr4d/pipeline/qa"
	"github.com/dsr4d/dsr4d/pipeline/robust"
	"github.com/dsr4d/dsr4d/pipeline/scene"
)

// replicates is the number of bootstrap replicates behind each label confidence.
const replicates = 32

const estimatorHelp = `cues from: reference (the reference's mean of the visible surface, per frame) or robust
(eroded, depth-trimmed masks, thickness-corrected centres, ICP registration, robust trajectory
and facing fits, a still camera/object model, label confidence); robust:key=value,... changes
one component (the audit's ablations): erode=N, trim=MADs, centre=mean|median|solid, window=N,
degree=0..2, occlusion=on|off, orient=N, upright=on|off, register=on|off, still=on|off`

// parseEstimator checks --estimator and --min-confidence.
func parseEstimator(cfg *qaConfig) error {
	if cfg.estimator != "reference" {
		o, err := robust.Parse(cfg.estimator)
		if err != nil {
			return fmt.Errorf("--estimator: %v", err)
		}
		cfg.robust = &o
	}
	if !(cfg.minConf >= 0 && cfg.minConf <= 1) {
		return fmt.Errorf("--min-confidence: %v, want 0..1", cfg.minConf)
	}
	if cfg.minConf > 0 && cfg.robust == nil {
		return fmt.Errorf("--min-confidence needs --estimator robust (the reference estimator measures no uncertainty)")
	}
	return nil
}

// estimate returns the robust cues of s and their bootstrap replicates; ref unchanged and
// nil under the reference estimator.
func estimate(cfg qaConfig, s *scene.Scene, ref qa.Cues) (qa.Cues, func(int) qa.Cues) {
	if cfg.robust == nil {
		return ref, nil
	}
	e := robust.New(s, *cfg.robust)
	return e, func(r int) qa.Cues { return e.Resample(r) }
}

// rate writes each question's label confidence (robust estimator only).
func rate(qs []qa.Question, replicate func(int) qa.Cues) {
	if replicate == nil {
		return
	}
	// One replicate set per scene, shared by its questions.
	reps := make([]qa.Cues, replicates)
	cached := func(r int) qa.Cues {
		if reps[r] == nil {
			reps[r] = replicate(r)
		}
		return reps[r]
	}
	for i := range qs {
		c := qa.LabelConfidence(qs[i], cached, replicates)
		qs[i].Confidence = &c
	}
}

// dropUnsure removes the questions whose label confidence is below min, counting them as
// rejected (low_confidence).
func dropUnsure(r *sceneResult, min float64) {
	if min <= 0 {
		return
	}
	kept := r.Questions[:0]
	for _, q := range r.Questions {
		if q.Confidence != nil && *q.Confidence < min {
			r.Stats.Generated--
			r.Stats.ByType[q.Type]--
			r.Stats.Rejected[qa.RejectLowConfidence]++
			continue
		}
		kept = append(kept, q)
	}
	r.Questions = kept
}

// kept is the merge's filter for the agreement table: checks whose question survived
// --min-confidence.
func kept(cs []qa.Check, min float64) []qa.Check {
	if min <= 0 {
		return cs
	}
	var out []qa.Check
	for _, c := range cs {
		if c.Confidence == nil || *c.Confidence >= min {
			out = append(out, c)
		}
	}
	return out
}

// writeYield writes the agreement-against-yield table and chart (audit_yield.md, .png) when
// the checks carry label confidences.
func writeYield(out string, all map[string][]qa.Check) error {
	rated := false
	for _, cs := range all {
		for _, c := range cs {
			rated = rated || c.Confidence != nil
		}
	}
	if !rated {
		return nil
	}
	pts := qa.YieldCurve(all)
	if err := bench.WriteFileAtomic(filepath.Join(out, "audit_yield.md"), []byte(qa.YieldTable(pts))); err != nil {
		return err
	}
	png, err := qa.YieldChart(pts)
	if err != nil {
		return err
	}
	return bench.WriteFileAtomic(filepath.Join(out, "audit_yield.png"), png)
}
