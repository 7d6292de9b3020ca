package synth

import (
	"math"
	"testing"

	"github.com/dsr4d/dsr4d/vk/vktest"
)

// smallConfig is a fast test scene.
func smallConfig(preset string, seed uint64) Config {
	c := DefaultConfig()
	c.Seed, c.Preset = seed, preset
	c.Frames, c.Size, c.PointsSize = 4, [2]int{96, 54}, [2]int{64, 36}
	return c
}

func jobsOf(t *testing.T, cfg Config) []Job {
	t.Helper()
	w, err := NewWorld(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var jobs []Job
	for i := range cfg.Frames {
		s := w.At(w.Time(i))
		jobs = append(jobs,
			Job{Prims: s.Prims, View: View{Pose: s.Pose, K: w.K, W: cfg.Size[0], H: cfg.Size[1]}},
			Job{Prims: s.Prims, View: View{Pose: s.Pose, K: w.KPoints, W: cfg.PointsSize[0], H: cfg.PointsSize[1]}})
	}
	return jobs
}

// interior reports whether every pixel of (x, y)'s 3×3 window hits the same primitive.
func interior(h Hits, x, y int) bool {
	p := h.Prim[y*h.W+x]
	for yy := max(y-1, 0); yy <= min(y+1, h.H-1); yy++ {
		for xx := max(x-1, 0); xx <= min(x+1, h.W-1); xx++ {
			if h.Prim[yy*h.W+xx] != p {
				return false
			}
		}
	}
	return true
}

// TestGPUMatchesCPU: the Vulkan ray caster gives the reference's primitive on every
// non-boundary pixel, depth within 1e-4 relative and the shade within 1e-3.
func TestGPUMatchesCPU(t *testing.T) {
	d := vktest.Open(t)
	for _, cull := range []bool{false, true} {
		g, err := newGPU(d, [2]int{16, 4}, cull)
		if err != nil {
			t.Fatal(err)
		}
		defer g.Release()
		compareCasters(t, g)
	}
	// A whole scene rendered on Vulkan: points on the true surfaces, masks exact.
	g, err := NewGPU(d)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Release()
	pointsOnSurfaces(t, g)
}

func compareCasters(t *testing.T, g *GPU) {
	for _, preset := range []string{"default", "street", "orbit"} {
		cfg := smallConfig(preset, 7)
		cfg.Objects = 6
		jobs := jobsOf(t, cfg)
		want, err := CPU{}.Cast(jobs)
		if err != nil {
			t.Fatal(err)
		}
		got, err := g.Cast(jobs)
		if err != nil {
			t.Fatal(err)
		}
		var checked, boundaryDiff int
		var worst float64
		for j := range jobs {
			w, h := want[j], got[j]
			for y := range w.H {
				for x := range w.W {
					p := y*w.W + x
					if !interior(w, x, y) {
						if w.Prim[p] != h.Prim[p] {
							boundaryDiff++
						}
						continue
					}
					checked++
					if w.Prim[p] != h.Prim[p] {
						t.Fatalf("%s job %d pixel (%d,%d): prim %d, want %d", preset, j, x, y, h.Prim[p], w.Prim[p])
					}
					if w.Prim[p] < 0 {
						continue
					}
					rel := math.Abs(float64(h.Depth[p]-w.Depth[p])) / float64(w.Depth[p])
					worst = max(worst, rel)
					if rel > 1e-4 {
						t.Fatalf("%s job %d pixel (%d,%d): depth %v, want %v (rel %.2g)", preset, j, x, y, h.Depth[p], w.Depth[p], rel)
					}
					if ds := math.Abs(float64(h.Shade[p] - w.Shade[p])); ds > 1e-3 {
						t.Fatalf("%s job %d pixel (%d,%d): shade %v, want %v", preset, j, x, y, h.Shade[p], w.Shade[p])
					}
				}
			}
		}
		t.Logf("%s: %d interior pixels equal, worst depth rel %.2g, %d boundary pixels differ", preset, checked, worst, boundaryDiff)
	}
}
