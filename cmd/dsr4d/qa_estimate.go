package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/dsr4d/dsr4d/pipeline/qa"
	"github.com/dsr4d/dsr4d/pipeline/robust"
	"github.com/dsr4d/dsr4d/pipeline/scene"
)

// estimatorHelp's on/off keys come from robust.Switches, so a new component cannot be left out.
var estimatorHelp = `cues from: reference (the reference's mean of the visible surface, per frame) or robust
(the world levelled on the ground, eroded, depth-trimmed masks, thickness-corrected centres, ICP
registration onto each object's accumulated shape, boxes re-measured from their faces, robust
trajectory and facing fits, whole-clip motion and heading models, a still camera/object model,
camera path correction, label confidence); robust:key=value,... changes one component (the
audit's ablations): erode=N, trim=MADs, centre=mean|median|solid, window=N, degree=0..2,
orient=N, camera=N, and on|off: ` + strings.Join(robust.Switches(), ", ")

// estimatorFlags are --estimator and --min-confidence.
type estimatorFlags struct {
	name    string
	minConf float64
}

func (f *estimatorFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.name, "estimator", "reference", estimatorHelp)
	fs.Float64Var(&f.minConf, "min-confidence", 0, "drop questions whose label confidence is below this (0..1; --estimator robust)")
}

// apply checks the flags and, for the robust estimator, records them in b's key and makes b
// open it instead of the reference's (which stays untouched: byte-identical outputs).
func (f *estimatorFlags) apply(b *qa.Batch) error {
	if !(f.minConf >= 0 && f.minConf <= 1) {
		return fmt.Errorf("--min-confidence: %v, want 0..1", f.minConf)
	}
	if f.name == "reference" {
		if f.minConf > 0 {
			return fmt.Errorf("--min-confidence needs --estimator robust (the reference estimator measures no uncertainty)")
		}
		return nil
	}
	opt, err := robust.Parse(f.name)
	if err != nil {
		return fmt.Errorf("--estimator: %v", err)
	}
	b.Key.Estimator, b.Key.MinConfidence = f.name, f.minConf
	b.Open = func() (qa.Estimator, func(), error) { return robustEstimator{opt}, func() {}, nil }
	return nil
}

// robustEstimator is package robust as a qa.Estimator (on the CPU).
type robustEstimator struct{ opt robust.Options }

func (e robustEstimator) Cues(s *scene.Scene) (qa.Cues, error) {
	return robustCues{robust.New(s, e.opt)}, nil
}

func (e robustEstimator) Device() string { return "cpu (robust estimator)" }

// robustCues draw their bootstrap replicates for qa's label confidence.
type robustCues struct{ *robust.Estimate }

func (c robustCues) Replicate(r int) qa.Cues { return robustCues{c.Resample(r)} }
