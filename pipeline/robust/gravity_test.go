package robust_test

import (
	"math"
	"testing"

	"github.com/dsr4d/dsr4d/geom"
	"github.com/dsr4d/dsr4d/pipeline/qa"
	"github.com/dsr4d/dsr4d/pipeline/robust"
	"github.com/dsr4d/dsr4d/pipeline/scene"
	"github.com/dsr4d/dsr4d/pipeline/synth"
	"gonum.org/v1/gonum/spatial/r3"
)

// A scene stored in a tilted world — as π³ stores one, in its first camera's frame, y down —
// gets the same answers as the same scene with z up once the ground has levelled it; with
// Gravity off the uprightness assumptions break and the answers change.
func TestGravityLevelsTiltedWorld(t *testing.T) {
	t.Parallel()
	cfg := synth.DefaultConfig()
	cfg.Frames, cfg.Size, cfg.PointsSize = 24, [2]int{384, 216}, [2]int{192, 108}
	cfg.Preset, cfg.Seed, cfg.Noise = "default", 17, synth.NoiseLevels["none"]
	r, err := synth.Generate(cfg, synth.CPU{})
	if err != nil {
		t.Fatal(err)
	}
	s := r.Scene
	tilted := *s
	tilted.Poses = append([]float32(nil), s.Poses...)
	// The first camera's frame as the world (π³'s convention), turned a little more.
	w := geom.Rigid{R: geom.AxisAngle(r3.Vec{X: 1, Y: 0.3}, 1.9)}.Compose(s.Pose(0).Inverse())
	for i := range s.N {
		tilted.SetPose(i, w.Compose(s.Pose(i)))
	}
	answers := func(sc *scene.Scene, opt robust.Options) []string {
		qs, _ := qa.Generate(sc, robust.New(sc, opt), qa.Options{PerVideo: 200, Seed: 3})
		var a []string
		for _, q := range qs {
			a = append(a, q.Type+": "+q.AnswerText())
		}
		return a
	}
	same := func(a, b []string) float64 {
		n := 0
		for i := range min(len(a), len(b)) {
			if a[i] == b[i] {
				n++
			}
		}
		return float64(n) / float64(max(len(a), len(b)))
	}
	base := answers(s, robust.Default)
	if len(base) < 40 {
		t.Fatalf("only %d questions", len(base))
	}
	if f := same(base, answers(&tilted, robust.Default)); f < 0.95 {
		t.Errorf("tilted world, gravity on: %.0f%% of answers as in the upright world, want ≥ 95%%", 100*f)
	}
	off := robust.Default
	off.Gravity = false
	if f := same(base, answers(&tilted, off)); f > 0.9 {
		t.Errorf("tilted world, gravity off: %.0f%% of answers unchanged; the test wants a world tilted enough to matter", 100*f)
	}
	// The upright world is left upright: its ground is found within a degree of z.
	e := robust.New(s, robust.Default)
	for i := range s.N {
		if a := geom.RotationAngle(e.Pose(i).R.Mul(s.Pose(i).R.T())); a > math.Pi/180 {
			t.Fatalf("frame %d: upright world turned by %.2f°", i, a*180/math.Pi)
		}
	}
}
