package synth

import (
	"testing"
	"time"

	"github.com/dsr4d/dsr4d/vk/vktest"
)

// benchJobs are the 32 video-size (640×360) views of the default scene.
func benchJobs(b *testing.B) []Job {
	cfg := DefaultConfig()
	w, err := NewWorld(cfg)
	if err != nil {
		b.Fatal(err)
	}
	jobs := make([]Job, cfg.Frames)
	for i := range jobs {
		s := w.At(w.Time(i))
		jobs[i] = Job{Prims: s.Prims, View: View{Pose: s.Pose, K: w.K, W: cfg.Size[0], H: cfg.Size[1]}}
	}
	return jobs
}

// BenchmarkRender32 ray-casts 32 frames at 640×360 with the Vulkan kernel and with the CPU
// reference (all cores) in the same run; ns/op is per 32 frames.
func BenchmarkRender32(b *testing.B) {
	b.Run("vulkan", func(b *testing.B) {
		d := vktest.Open(b)
		g, err := NewGPU(d)
		if err != nil {
			b.Fatal(err)
		}
		defer g.Release()
		jobs := benchJobs(b)
		if _, err := g.Cast(jobs); err != nil { // warm the pipeline
			b.Fatal(err)
		}
		b.ResetTimer()
		for b.Loop() {
			if _, err := g.Cast(jobs); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, v := range []struct {
		name string
		wg   [2]int
		cull bool
	}{{"wg16x4-cull", [2]int{16, 4}, true}, {"wg8x1", [2]int{8, 1}, false}} {
		b.Run("vulkan-"+v.name, func(b *testing.B) {
			d := vktest.Open(b)
			g, err := newGPU(d, v.wg, v.cull)
			if err != nil {
				b.Fatal(err)
			}
			defer g.Release()
			jobs := benchJobs(b)
			for b.Loop() {
				if _, err := g.Cast(jobs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("cpu", func(b *testing.B) {
		jobs := benchJobs(b)
		b.ResetTimer()
		for b.Loop() {
			if _, err := (CPU{}).Cast(jobs); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkGenerate is the whole default scene (render, points, masks, RGB, noise-free) on
// Vulkan, without writing it.
func BenchmarkGenerate(b *testing.B) {
	d := vktest.Open(b)
	g, err := NewGPU(d)
	if err != nil {
		b.Fatal(err)
	}
	defer g.Release()
	for b.Loop() {
		if _, err := Generate(DefaultConfig(), g); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRender32Ratio alternates the Vulkan kernel and the CPU reference on the same 32
// frames at 640×360 within each iteration (so that a shared machine's load hits both alike)
// and reports seconds per 32 frames for each and their ratio.
func BenchmarkRender32Ratio(b *testing.B) {
	d := vktest.Open(b)
	g, err := NewGPU(d)
	if err != nil {
		b.Fatal(err)
	}
	defer g.Release()
	jobs := benchJobs(b)
	if _, err := g.Cast(jobs); err != nil {
		b.Fatal(err)
	}
	var tg, tc time.Duration
	for b.Loop() {
		t0 := time.Now()
		if _, err := g.Cast(jobs); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := (CPU{}).Cast(jobs); err != nil {
			b.Fatal(err)
		}
		tg, tc = tg+t1.Sub(t0), tc+time.Since(t1)
	}
	n := float64(b.N)
	b.ReportMetric(tg.Seconds()/n, "vulkan-s/32frames")
	b.ReportMetric(tc.Seconds()/n, "cpu-s/32frames")
	b.ReportMetric(tc.Seconds()/tg.Seconds(), "cpu/vulkan")
}
