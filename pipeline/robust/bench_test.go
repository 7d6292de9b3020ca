package robust_test

import (
	"testing"

	"github.com/dsr4d/dsr4d/pipeline/fuse"
	"github.com/dsr4d/dsr4d/pipeline/robust"
	"github.com/dsr4d/dsr4d/pipeline/synth"
)

// BenchmarkEstimate compares the robust estimator (with its 32 bootstrap replicates) with
// the reference's centres (fuse.CPU) on one default synthetic scene (32 frames, 640×360
// masks, 320×180 points).
func BenchmarkEstimate(b *testing.B) {
	r, err := synth.Generate(synth.DefaultConfig(), synth.CPU{})
	if err != nil {
		b.Fatal(err)
	}
	s := r.Scene
	b.Run("reference", func(b *testing.B) {
		for b.Loop() {
			fuse.CPU(s, 0)
		}
	})
	b.Run("robust", func(b *testing.B) {
		for b.Loop() {
			robust.New(s, robust.Default)
		}
	})
	noShape := robust.Default
	noShape.Shape = false
	b.Run("robust,shape=off", func(b *testing.B) {
		for b.Loop() {
			robust.New(s, noShape)
		}
	})
	b.Run("robust+replicates", func(b *testing.B) {
		for b.Loop() {
			e := robust.New(s, robust.Default)
			for k := range 32 {
				e.Resample(k)
			}
		}
	})
}
