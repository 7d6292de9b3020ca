package viewer

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/spatial/r3"
)

func TestBuild(t *testing.T) {
	t.Parallel()
	s := testScene(t, 4, 48, 36)
	q := &Question{Type: "rel_dir", Viewpoint: 1, V: -1, Objects: []int{1, 2}, Start: 0, End: 3}
	g, err := Build(s, BuildOptions{Question: q})
	if err != nil {
		t.Fatal(err)
	}
	// Layout: the background of every frame, then the objects of every frame, back to back.
	next := 0
	for _, rs := range [][]Range{g.Bg, g.Obj} {
		for i, r := range rs {
			if r.First != next {
				t.Fatalf("range %d starts at %d, want %d", i, r.First, next)
			}
			next += r.Count
			for _, p := range g.Points[r.First : r.First+r.Count] {
				if int(p.Frame) != i {
					t.Fatalf("point of frame %d in frame %d's range", p.Frame, i)
				}
			}
		}
	}
	if g.Static.First != next || next+g.Static.Count != len(g.Points) || g.Static.Count == 0 || g.Static.Count > span(g.Bg, 0, 3).Count {
		t.Fatalf("static %v after %d of %d points", g.Static, next, len(g.Points))
	}
	next += g.Static.Count
	if next != len(g.Points) || g.Obj[0].Count == 0 || g.Bg[0].Count == 0 {
		t.Fatalf("ranges cover %d of %d points; bg %v obj %v", next, len(g.Points), g.Bg, g.Obj)
	}
	if sp := span(g.Bg, 1, 2); sp.First != g.Bg[1].First || sp.Count != g.Bg[1].Count+g.Bg[2].Count {
		t.Errorf("span 1..2 = %v", sp)
	}
	if sp := span(g.Bg, -3, 0); sp != g.Bg[0] {
		t.Errorf("span clamped = %v", sp)
	}
	// Object points lie on the objects: the box (id 1, half size 0.4) at frame 2 is centred at (0, 0, 0.4).
	for _, p := range g.Points[g.Obj[2].First : g.Obj[2].First+g.Obj[2].Count] {
		if p.Obj == 1 && (math.Abs(float64(p.Pos[1])) > 0.41 || float64(p.Pos[2]) > 0.81) {
			t.Fatalf("box point %v off the box", p.Pos)
		}
	}
	// Centres: the visible surface's mean, near the true centre; the box moves +0.5 m per frame.
	if !g.Visible[0][1] || !g.Visible[0][2] {
		t.Fatal("box not visible")
	}
	if d := r3.Sub(g.Centres[0][2], g.Centres[0][1]); math.Abs(d.X-0.5) > 0.05 || math.Abs(d.Y) > 0.05 {
		t.Errorf("box moved %v between frames 1 and 2, want (0.5, 0, 0)", d)
	}
	// The agent faces +x: its arrow at frame 1 points along +x.
	a := g.Lines[g.Arrow[1].First : g.Arrow[1].First+2]
	dir := r3.Unit(r3.Vec{X: float64(a[1].Pos[0] - a[0].Pos[0]), Y: float64(a[1].Pos[1] - a[0].Pos[1]), Z: float64(a[1].Pos[2] - a[0].Pos[2])})
	if dir.X < 0.99 {
		t.Errorf("facing arrow %v, want +x", dir)
	}
	// Trails: frame 0 has none, later frames one segment per object visible at both frames.
	vis := func(i int) (n int) {
		for k := range g.Objects {
			if g.Visible[k][i] {
				n++
			}
		}
		return n
	}
	if g.Trail[0].Count != 0 || g.Trail[1].Count != 2*vis(1) || g.Marker[1].Count != 6*vis(1) {
		t.Errorf("trail %v markers %v", g.Trail, g.Marker)
	}
	// The agent's viewer axes (question viewpoint 1): x forward = +x, z up ≈ +z.
	ax := g.Lines[g.Axes[1].First : g.Axes[1].First+18]
	xd := r3.Unit(r3.Vec{X: float64(ax[1].Pos[0] - ax[0].Pos[0]), Y: float64(ax[1].Pos[1] - ax[0].Pos[1]), Z: float64(ax[1].Pos[2] - ax[0].Pos[2])})
	zd := r3.Unit(r3.Vec{X: float64(ax[13].Pos[0] - ax[12].Pos[0]), Y: float64(ax[13].Pos[1] - ax[12].Pos[1]), Z: float64(ax[13].Pos[2] - ax[12].Pos[2])})
	if xd.X < 0.99 || zd.Z < 0.9 {
		t.Errorf("viewpoint axes x %v z %v", xd, zd)
	}
	// Confidence ranks follow the confidence (a left-to-right gradient in the test scene).
	lo, hi := 255, 0
	for _, p := range g.Points {
		lo, hi = min(lo, int(p.Conf)), max(hi, int(p.Conf))
	}
	if lo > 5 || hi < 250 {
		t.Errorf("confidence ranks span %d..%d", lo, hi)
	}
	if ObjectColor(1) != ObjectColor(11) || ObjectColor(1) == ObjectColor(2) {
		t.Error("object colours are not a stable cycle")
	}
}

func TestBuildConstantConfidence(t *testing.T) {
	t.Parallel()
	s := testScene(t, 2, 24, 18)
	for i := range s.Conf {
		if s.Conf[i] > 0 {
			s.Conf[i] = 3
		}
	}
	g, err := Build(s, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range g.Points {
		if p.Conf != 255 {
			t.Fatalf("constant confidence ranks %d, want 255 (kept by every percentile filter)", p.Conf)
		}
	}
}
