package fuse_test

import (
	"math/rand/v2"
	"testing"

	"github.com/dsr4d/dsr4d/pipeline/fuse"
	"github.com/dsr4d/dsr4d/pipeline/qa"
	"github.com/dsr4d/dsr4d/pipeline/scene"
	"github.com/dsr4d/dsr4d/vk/vktest"
)

// issueScene is the issue's benchmark shape: 32 frames, 518×294 point maps, 1280×720 masks,
// 4 objects (rectangles drifting across the frames, two of them agents with orientations).
func issueScene() *scene.Scene {
	const n, h, w, mw, mh = 32, 294, 518, 1280, 720
	rng := rand.New(rand.NewPCG(1, 2))
	s := scene.New("bench", n, h, w, mw, mh)
	s.FPS = 4
	for i := range n {
		s.Timestamps[i] = float64(i) / 4
	}
	for p := range n * h * w {
		s.Conf[p] = 3
		s.LocalPoints[3*p] = float32(rng.Float64() - 0.5)
		s.LocalPoints[3*p+1] = float32(rng.Float64() - 0.5)
		s.LocalPoints[3*p+2] = 4 + float32(p%w)/float32(w)
	}
	for o := 1; o <= 4; o++ {
		s.Objects = append(s.Objects, scene.Object{ID: o, Class: "person", Agent: o <= 2})
		m := make([]bool, n*mw*mh)
		for i := range n {
			x0, y0 := 100*o+10*i, 80*o+3*i
			for y := y0; y < y0+200; y++ {
				for x := x0; x < x0+150; x++ {
					m[(i*mh+y)*mw+x] = true
				}
			}
			if o <= 2 {
				s.Orient[o] = append(s.Orient[o], scene.Orientation{Frame: i, Azimuth: float64(10 * i), Polar: 5, Rotation: 0, Confidence: 0.9})
			}
		}
		s.Masks[o] = m
	}
	return s
}

// BenchmarkGeometricStage: validity, centres, series and answers (Generate, 10 attempts) of one
// issue-sized scene, on the CPU reference and on Vulkan.
func BenchmarkGeometricStage(b *testing.B) {
	s := issueScene()
	if err := s.Validate(); err != nil {
		b.Fatal(err)
	}
	run := func(b *testing.B, centres func() *fuse.Centres) {
		for b.Loop() {
			c := centres()
			qa.Generate(s, &qa.Estimated{S: s, Centres: c}, qa.Options{PerVideo: 10, Seed: 1})
		}
	}
	b.Run("cpu", func(b *testing.B) { run(b, func() *fuse.Centres { return fuse.CPU(s, 0) }) })
	b.Run("cpu-1worker", func(b *testing.B) { run(b, func() *fuse.Centres { return fuse.CPU(s, 1) }) })
	b.Run("vulkan", func(b *testing.B) {
		d := vktest.Open(b)
		v, err := fuse.NewVulkan(d)
		if err != nil {
			b.Fatal(err)
		}
		run(b, func() *fuse.Centres {
			c, err := v.Centres(s)
			if err != nil {
				b.Fatal(err)
			}
			return c
		})
	})
}
