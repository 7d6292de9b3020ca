package synth

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/dsr4d/dsr4d/geom"
)

func ground(p r3.Vec) r3.Vec { return r3.Vec{X: p.X, Y: p.Y} }

// TestMotions: each motion of the library does what its name says over a 8 s clip.
func TestMotions(t *testing.T) {
	t.Parallel()
	const dur = 8.0
	cam := r3.Vec{X: 0, Y: -8, Z: 1.6}
	rng := newTestRand()
	start := [2]float64{1, 2}
	at := func(p Path, objs []ObjectSpec, t float64) (r3.Vec, float64) { return p.pose(t, objs) }
	dist := func(p Path, t float64) float64 {
		pos, _ := at(p, nil, t)
		return r3.Norm(r3.Sub(pos, ground(cam)))
	}
	for m := Approach; m <= TurnInPlace; m++ {
		p := newPath(rng, m, start, cam, dur)
		p0, y0 := at(p, nil, 0)
		p1, y1 := at(p, nil, dur)
		if p0.X != start[0] || p0.Y != start[1] {
			t.Errorf("%v: starts at %v, want %v", m, p0, start)
		}
		moved := r3.Norm(r3.Sub(p1, p0))
		switch m {
		case Approach:
			if !(dist(p, dur) < dist(p, 0)-0.4) {
				t.Errorf("approach: distance to the camera %.2f → %.2f", dist(p, 0), dist(p, dur))
			}
		case Recede:
			if !(dist(p, dur) > dist(p, 0)+1) {
				t.Errorf("recede: distance to the camera %.2f → %.2f", dist(p, 0), dist(p, dur))
			}
		case PassBy:
			if d := r3.Sub(p1, p0); math.Abs(d.Y) > 1e-9 || math.Abs(d.X) < 1.5 {
				t.Errorf("pass_by: moved %v, want along x (across the view)", d)
			}
		case Circle:
			c := r3.Add(p0, r3.Scale(p.Radius*math.Copysign(1, p.Turn), r3.Vec{X: -math.Sin(p.Dir), Y: math.Cos(p.Dir)}))
			for _, tt := range []float64{1, 3, 5, 8} {
				q, yaw := at(p, nil, tt)
				if r := r3.Norm(r3.Sub(q, c)); math.Abs(r-p.Radius) > 1e-9 {
					t.Errorf("circle: radius %.4f at %v s, want %.4f", r, tt, p.Radius)
				}
				// Facing along the velocity.
				q2, _ := at(p, nil, tt+1e-6)
				v := r3.Unit(r3.Sub(q2, q))
				if f := (r3.Vec{X: math.Cos(yaw), Y: math.Sin(yaw)}); r3.Norm(r3.Sub(f, v)) > 1e-4 {
					t.Errorf("circle: facing %v, velocity %v", f, v)
				}
			}
		case StopAndGo:
			still, moving := 0, 0
			for k := range 80 {
				a, _ := at(p, nil, float64(k)*0.1)
				b, _ := at(p, nil, float64(k)*0.1+0.1)
				if r3.Norm(r3.Sub(b, a)) < 1e-12 {
					still++
				} else {
					moving++
				}
			}
			if still < 30 || moving < 30 {
				t.Errorf("stop_and_go: %d still and %d moving steps", still, moving)
			}
		case Accelerate:
			a, _ := at(p, nil, 1)
			b, _ := at(p, nil, 7)
			c, _ := at(p, nil, 8)
			if !(r3.Norm(r3.Sub(c, b)) > 2*r3.Norm(r3.Sub(a, p0))) {
				t.Errorf("accelerate: first second %.3f m, last %.3f m", r3.Norm(r3.Sub(a, p0)), r3.Norm(r3.Sub(c, b)))
			}
		case TurnInPlace:
			if moved != 0 || math.Abs(y1-y0) < math.Pi/2 {
				t.Errorf("turn_in_place: moved %v, turned %.2f rad", moved, y1-y0)
			}
		}
		if m != TurnInPlace && m != Circle && moved < 0.4 {
			t.Errorf("%v: moved only %.2f m", m, moved)
		}
	}
	// Follow: where the leader was Lag seconds earlier.
	leader := newPath(rng, PassBy, start, cam, dur)
	objs := []ObjectSpec{{Path: leader}}
	f := Path{Motion: Follow, Leader: 0, Lag: 1.5}
	for _, tt := range []float64{0, 2, 8} {
		got, gy := at(f, objs, tt)
		want, wy := at(leader, nil, tt-1.5)
		if got != want || gy != wy {
			t.Errorf("follow at %v s: %v, want %v", tt, got, want)
		}
	}
}

// TestCameraPaths: every pose is a rotation; orbit keeps its distance to the target, pan its
// position, dolly its view direction.
func TestCameraPaths(t *testing.T) {
	t.Parallel()
	base, err := NewWorld(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	steady := map[string]CameraPath{}
	for m, rate := range map[CameraMotion]float64{Fixed: 0, Orbit: 0.1, Dolly: 0.3, Pan: 0.3} {
		c := base.Camera
		c.Motion, c.Rate, c.Period, c.Shake = m, rate, 5, 0
		steady["steady "+m.String()] = c
	}
	for _, name := range append(PresetNames(), "steady fixed", "steady orbit", "steady dolly", "steady pan") {
		cfg := DefaultConfig()
		if _, ok := steady[name]; !ok {
			cfg.Preset = name
		}
		w, err := NewWorld(cfg)
		if err != nil {
			t.Fatal(err)
		}
		c := w.Camera
		if sc, ok := steady[name]; ok {
			c = sc
		}
		tgt := r3.Vec{X: c.Target[0], Y: c.Target[1]}
		p0 := c.Pose(0)
		for i := range cfg.Frames {
			p := c.Pose(w.Time(i))
			m := p.Matrix()
			if err := geom.CheckPose(m[:], 1e-12); err != nil {
				t.Fatalf("%s frame %d: %v", name, i, err)
			}
			if c.Shake > 0 {
				continue
			}
			switch c.Motion {
			case Orbit:
				if d := r3.Norm(r3.Sub(ground(p.T), tgt)); math.Abs(d-c.Distance) > 1e-9 {
					t.Errorf("%s: orbit distance %v, want %v", name, d, c.Distance)
				}
			case Fixed, Pan:
				if p.T != p0.T {
					t.Errorf("%s: camera moved", name)
				}
			case Dolly:
				if r3.Norm(r3.Sub(p.R.Col(2), p0.R.Col(2))) > 1e-12 {
					t.Errorf("%s: dolly turned", name)
				}
			}
		}
		if c.Motion != Fixed && c.Shake == 0 && p0 == c.Pose(w.Time(cfg.Frames-1)) {
			t.Errorf("%s: the camera does not move", name)
		}
	}
}

func newTestRand() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }
