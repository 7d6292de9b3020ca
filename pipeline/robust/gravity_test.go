package robust

import (
	"fmt"
	"math"
	"testing"

	"github.com/dsr4d/dsr4d/geom"
	"github.com/dsr4d/dsr4d/pipeline/qa"
	"github.com/dsr4d/dsr4d/pipeline/scene"
	"github.com/dsr4d/dsr4d/pipeline/synth"
	"gonum.org/v1/gonum/spatial/r3"
)

// A scene stored in a tilted world — as π³ stores one, in its first camera's frame, y down —
// is levelled onto its ground, and answers as when levelled on the true up; with Gravity
// off the uprightness assumptions break and the answers change. The upright world is kept
// exactly. At 192×108 the reference's depth-edge rule leaves only a thin strip of ground
// (see planarMask), which an earlier version fitted 2–9° off.
func TestGravityLevelsTiltedWorld(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		noise string
		seed  uint64
		tol   float64 // levelling error, degrees: light noise tilts each pose by ~0.3°
	}{{"none", 17, 0.01}, {"light", 18, 0.3}} {
		t.Run(fmt.Sprintf("%s-%d", c.noise, c.seed), func(t *testing.T) {
			t.Parallel()
			checkLevelled(t, c.noise, c.seed, c.tol)
		})
	}
}

func checkLevelled(t *testing.T, noise string, seed uint64, tol float64) {
	cfg := synth.DefaultConfig()
	cfg.Frames, cfg.Size, cfg.PointsSize = 24, [2]int{384, 216}, [2]int{192, 108}
	cfg.Preset, cfg.Seed, cfg.Noise = "default", seed, synth.NoiseLevels[noise]
	r, err := synth.Generate(cfg, synth.CPU{})
	if err != nil {
		t.Fatal(err)
	}
	s := r.Scene
	if up, ok := groundUp(s, s.CameraPath()); !ok || up != (r3.Vec{Z: 1}) {
		t.Fatalf("upright world: ground %v, %v; want z kept", up, ok)
	}
	withPoses := func(poses []geom.Rigid) *scene.Scene {
		c := *s
		c.Poses = append([]float32(nil), s.Poses...)
		for i, p := range poses {
			c.SetPose(i, p)
		}
		return &c
	}
	// The first camera's frame as the world (π³'s convention), turned a little more.
	w := geom.Rigid{R: geom.AxisAngle(r3.Vec{X: 1, Y: 0.3}, 1.9)}
	w = w.Compose(s.Pose(0).Inverse())
	poses := s.CameraPath()
	for i := range poses {
		poses[i] = w.Compose(poses[i])
	}
	tilted := withPoses(poses)
	trueUp := w.R.MulVec(r3.Vec{Z: 1})
	up, ok := groundUp(tilted, tilted.CameraPath())
	if e := angle(up, trueUp) * 180 / math.Pi; !ok || e > tol {
		t.Errorf("tilted world: ground found %v, %.3f° off the true up, want ≤ %g°", ok, e, tol)
	}
	// The reference: the tilted world levelled on the true up (the upright world turned
	// about z, which changes no answer: TestHeadingInvariant).
	exact := withPoses(levelled(tilted.CameraPath(), trueUp))
	qs, _ := qa.Generate(exact, New(exact, Default), qa.Options{PerVideo: 200, Seed: 3})
	if len(qs) < 40 {
		t.Fatalf("only %d questions", len(qs))
	}
	same := func(opt Options) float64 {
		n := 0
		for _, c := range qa.Audit(qs, New(tilted, opt)) {
			if c.Agree {
				n++
			}
		}
		return float64(n) / float64(len(qs))
	}
	on := same(Default)
	off := Default
	off.Gravity = false
	fOff := same(off)
	t.Logf("levelling error %.4f°; %d questions, answered alike with gravity on %.3f, off %.3f", angle(up, trueUp)*180/math.Pi, len(qs), on, fOff)
	if on < 0.95 {
		t.Errorf("tilted world, gravity on: %.0f%% of answers as when levelled on the true up, want ≥ 95%%", 100*on)
	}
	if fOff > 0.9 {
		t.Errorf("tilted world, gravity off: %.0f%% of answers unchanged; the test wants a world tilted enough to matter", 100*fOff)
	}
}

// The world's heading is arbitrary (π³'s is its first camera's): turning an upright world
// about z changes no answer.
func TestHeadingInvariant(t *testing.T) {
	t.Parallel()
	cfg := synth.DefaultConfig()
	cfg.Frames, cfg.Size, cfg.PointsSize = 24, [2]int{384, 216}, [2]int{192, 108}
	cfg.Preset, cfg.Seed, cfg.Noise = "default", 20, synth.NoiseLevels["light"]
	r, err := synth.Generate(cfg, synth.CPU{})
	if err != nil {
		t.Fatal(err)
	}
	s := r.Scene
	turned := *s
	turned.Poses = append([]float32(nil), s.Poses...)
	w := geom.Rigid{R: geom.AxisAngle(r3.Vec{Z: 1}, 1.1), T: r3.Vec{X: 3, Y: -2}}
	for i := range s.N {
		turned.SetPose(i, w.Compose(s.Pose(i)))
	}
	qs, _ := qa.Generate(s, New(s, Default), qa.Options{PerVideo: 200, Seed: 3})
	if len(qs) < 40 {
		t.Fatalf("only %d questions", len(qs))
	}
	n := 0
	for _, c := range qa.Audit(qs, New(&turned, Default)) {
		if c.Agree {
			n++
		}
	}
	if n < len(qs) {
		t.Errorf("world turned about z: %d of %d answers alike, want all", n, len(qs))
	}
}
