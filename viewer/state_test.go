package viewer

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/spatial/r3"
)

func TestTimeline(t *testing.T) {
	t.Parallel()
	tl := Timeline{N: 4, Speed: 1, Times: []float64{0, 0.5, 1, 1.5}}
	tl.Step(-1)
	if tl.Frame != 0 {
		t.Errorf("step below 0 without loop: %d", tl.Frame)
	}
	tl.Loop = true
	tl.Step(-1)
	if tl.Frame != 3 {
		t.Errorf("step below 0 with loop: %d", tl.Frame)
	}
	tl.Frame, tl.Playing = 0, true
	if !tl.Tick(0.6) || tl.Frame != 1 {
		t.Errorf("tick 0.6 s at 2 fps: frame %d", tl.Frame)
	}
	tl.Tick(1.0)
	if tl.Frame != 3 {
		t.Errorf("tick 1.0 s more: frame %d, want 3", tl.Frame)
	}
	tl.Loop = false
	tl.Tick(5)
	if tl.Frame != 3 || tl.Playing {
		t.Errorf("at the end without loop: frame %d playing %v", tl.Frame, tl.Playing)
	}
	if tl.Time() != 1.5 {
		t.Errorf("time %g", tl.Time())
	}
}

func TestPressAndCamera(t *testing.T) {
	t.Parallel()
	geo, err := Build(testScene(t, 3, 40, 30), BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	st := NewState(geo)
	for _, c := range []struct {
		k     Key
		check func() bool
	}{
		{KeyMode, func() bool { return st.Mode == ModeTrail }},
		{KeyColor3, func() bool { return st.ColorBy == ColorTime }},
		{KeyBracketLeft, func() bool { return st.Speed == 0.5 }},
		{KeyTrailMore, func() bool { return st.Trail == 3 }}, // clamped to N
		{KeyFrustums, func() bool { return !st.Frustums }},
		{KeyObjects, func() bool { return !st.Objects }},
		{KeyHUD, func() bool { return !st.HUD }},
		{KeySmaller, func() bool { return st.PointSize == 1 }},
		{KeyLoop, func() bool { return !st.Loop }},
		{KeyEscape, func() bool { return st.Quit }},
		{KeyEnd, func() bool { return st.Frame == 2 }},
		{KeyBracketRight, func() bool { return st.Speed == 1 }},
	} {
		if !st.Press(c.k) || !c.check() {
			t.Errorf("key %d did not apply", c.k)
		}
	}
	if st.Press(KeyNone) {
		t.Error("KeyNone changed something")
	}
	// The orbit camera looks at its target: the target projects to the viewport centre.
	st = NewState(geo)
	st.Orbit(30, -20)
	st.Pan(10, 5, 100)
	m := st.ViewProj(1.5)
	c := st.Cam.Target
	x := float64(m[0])*c.X + float64(m[4])*c.Y + float64(m[8])*c.Z + float64(m[12])
	y := float64(m[1])*c.X + float64(m[5])*c.Y + float64(m[9])*c.Z + float64(m[13])
	z := float64(m[2])*c.X + float64(m[6])*c.Y + float64(m[10])*c.Z + float64(m[14])
	w := float64(m[3])*c.X + float64(m[7])*c.Y + float64(m[11])*c.Z + float64(m[15])
	if math.Abs(x/w) > 1e-5 || math.Abs(y/w) > 1e-5 || z/w <= 0 || z/w >= 1 || math.Abs(w-st.Cam.Dist) > 1e-4 {
		t.Errorf("target projects to (%g, %g, %g) w %g, want the centre at depth %g", x/w, y/w, z/w, w, st.Cam.Dist)
	}
	// The scene's up projects upwards on screen (clip y is down in Vulkan).
	up := r3.Add(c, r3.Scale(0.1, geo.Up))
	yu := float64(m[1])*up.X + float64(m[5])*up.Y + float64(m[9])*up.Z + float64(m[13])
	wu := float64(m[3])*up.X + float64(m[7])*up.Y + float64(m[11])*up.Z + float64(m[15])
	if yu/wu >= 0 {
		t.Errorf("up projects to clip y %g, want < 0", yu/wu)
	}
	if math.Abs(geo.Up.Z) < 0.99 {
		t.Errorf("scene up %v, want ≈ +z", geo.Up)
	}
	st.Reset()
	if st.Cam != st.home {
		t.Error("Reset")
	}
}
