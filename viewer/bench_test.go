package viewer

import (
	"os"

	"github.com/dsr4d/dsr4d/pipeline/scene"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/dsr4d/dsr4d/geom"
)

// benchGeometry is n points spread over 32 frames of a 20 m × 20 m ground with bumps
// (no scene loading, so the benchmark measures rendering only), and the usual line groups.
func benchGeometry(n int) *Geometry {
	const frames = 32
	rng := rand.New(rand.NewPCG(1, 2))
	g := &Geometry{N: frames, Times: make([]float64, frames), VideoID: "bench", Radius: 10, Up: r3.Vec{Z: 1}, FOVY: 1, Aspect: 1.5}
	per := n / frames
	for i := range frames {
		g.Times[i] = float64(i) / 4
		cam := geom.Rigid{R: geom.Mat3{{1, 0, 0}, {0, 0, 1}, {0, -1, 0}}, T: r3.Vec{X: float64(i) * 0.2, Y: -12, Z: 1.6}}
		g.Poses = append(g.Poses, cam)
		g.Bg = append(g.Bg, Range{len(g.Points), per})
		for range per {
			x, y := rng.Float64()*20-10, rng.Float64()*20-10
			z := 0.5 * math.Sin(x) * math.Cos(y)
			g.Points = append(g.Points, PointVertex{Pos: [3]float32{float32(x), float32(y), float32(z)},
				RGB: [4]uint8{uint8(128 + 60*z), 150, 120, 255}, Conf: uint8(rng.IntN(256)), Frame: uint16(i)})
		}
	}
	for range frames {
		g.Obj = append(g.Obj, Range{len(g.Points), 0})
	}
	g.perFrameEmpty()
	// Static stays empty: accumulate mode then draws every frame's background, all n points.
	return g
}

func (g *Geometry) perFrameEmpty() {
	g.Frustum = g.perFrame(func(int) {})
	g.Trail = g.perFrame(func(int) {})
	g.Marker = g.perFrame(func(int) {})
	g.Arrow = g.perFrame(func(int) {})
}

func benchState(g *Geometry, mode Mode) *State {
	st := &State{Settings: DefaultSettings(), geo: g, Title: "bench"}
	st.Timeline = Timeline{N: g.N, Loop: true, Speed: 1, Times: g.Times, Frame: g.N / 2}
	st.Cam = Camera{Target: r3.Vec{}, Dist: 25, Pitch: 0.6, FOVY: 0.9, Through: -1, Up: r3.Vec{Z: 1}, Fwd0: r3.Vec{Y: 1}}
	st.home = st.Cam
	st.Mode = mode
	return st
}

// BenchmarkFrame renders 1280×720 frames offscreen (render + copy to a host buffer): 1M points
// accumulated over 32 frames, the 31k points of one frame, and an empty frame (clear and HUD:
// the fixed cost per frame), against re-uploading the 1M points each frame (what the static
// buffers avoid).
func BenchmarkFrame(b *testing.B) {
	g := benchGeometry(1 << 20)
	o, err := NewOffscreen(g, 1280, 720, false) // timings without the validation layer
	if err != nil {
		b.Skip(err)
	}
	defer o.Close()
	for _, c := range []struct {
		name   string
		mode   Mode
		hide   bool
		size   float32
		stride int
	}{{"1M_accumulate", ModeAccumulate, false, 2, 1}, {"1M_accumulate_size1", ModeAccumulate, false, 1, 1},
		{"1M_stride8", ModeAccumulate, false, 2, 8}, {"31k_current", ModeCurrent, false, 2, 1}, {"empty", ModeCurrent, true, 2, 1}} {
		b.Run(c.name, func(b *testing.B) {
			st := benchState(g, c.mode)
			st.PointSize, st.Stride = c.size, c.stride
			if c.hide {
				st.ConfPct = 100 // every point culled in the vertex shader
			}
			if err := o.Draw(st); err != nil { // shader compilation on first use
				b.Fatal(err)
			}
			up := o.Uploads()
			b.ResetTimer()
			for range b.N {
				if err := o.Draw(st); err != nil {
					b.Fatal(err)
				}
			}
			if o.Uploads() != up {
				b.Fatal("static geometry re-uploaded")
			}
		})
	}
	b.Run("reupload_1M", func(b *testing.B) {
		src := unsafe.Slice((*byte)(unsafe.Pointer(&g.Points[0])), len(g.Points)*int(unsafe.Sizeof(PointVertex{})))
		b.SetBytes(int64(len(src)))
		for range b.N {
			copy(o.r.pointBuf.mapped, src)
		}
	})
}

// BenchmarkWindow presents 1280×720 frames of 1M accumulated points in a window (Xvfb in CI).
func BenchmarkWindow(b *testing.B) {
	if displayErr != "" {
		b.Skip(displayErr)
	}
	g := benchGeometry(1 << 20)
	var err error
	fatal := onMain(func() {
		var w *Window
		w, err = OpenWindow(g, benchState(g, ModeAccumulate), 1280, 720, false)
		if err != nil {
			return
		}
		defer w.Close()
		w.Frame()
		ww, wh := w.Size()
		b.Logf("swapchain %dx%d", ww, wh)
		b.ResetTimer()
		for range b.N {
			if _, err = w.Frame(); err != nil {
				return
			}
		}
		b.StopTimer()
	})
	if fatal != "" || err != nil {
		b.Fatal(fatal, err)
	}
}

// BenchmarkScene renders a real scene (DSR4D_VIEW_SCENE=DIR, e.g. `dsr4d synth`'s default
// out/example) offscreen at 1280×720 in accumulate mode (voxel-merged background) and current mode.
func BenchmarkScene(b *testing.B) {
	dir := os.Getenv("DSR4D_VIEW_SCENE")
	if dir == "" {
		b.Skip("set DSR4D_VIEW_SCENE to a scene directory")
	}
	s, err := scene.Load(dir)
	if err != nil {
		b.Fatal(err)
	}
	g, err := Build(s, BuildOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%d points, %d per-frame background + objects, %d merged background (voxel %.3g m)",
		len(g.Points), len(g.Points)-g.Static.Count, g.Static.Count, g.Voxel)
	o, err := NewOffscreen(g, 1280, 720, false)
	if err != nil {
		b.Fatal(err)
	}
	defer o.Close()
	merged := g.Static
	for _, c := range []struct {
		name  string
		mode  Mode
		merge bool
	}{{"accumulate", ModeAccumulate, true}, {"accumulate_unmerged", ModeAccumulate, false}, {"current", ModeCurrent, true}} {
		b.Run(c.name, func(b *testing.B) {
			g.Static = merged
			if !c.merge {
				g.Static = Range{} // draw every frame's background
			}
			defer func() { g.Static = merged }()
			st := NewState(g)
			st.Mode, st.Frame = c.mode, g.N/2
			if err := o.Draw(st); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				if err := o.Draw(st); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
