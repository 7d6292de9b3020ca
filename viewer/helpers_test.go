package viewer

import (
	"errors"
	"math"
	"os"
	"testing"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/dsr4d/dsr4d/geom"
	"github.com/dsr4d/dsr4d/pipeline/scene"
	"github.com/dsr4d/dsr4d/vk"
)

// testScene is a small scene built in memory: a checkered ground plane seen by a camera that
// slides sideways, a box (object 1, an agent facing +x) moving along the ground and a ball
// (object 2) standing still. World: z up, the ground is z = 0.
func testScene(t testing.TB, n, w, h int) *scene.Scene {
	t.Helper()
	s := scene.New("viewer-test", n, h, w, w, h)
	s.FPS = 2
	s.Objects = []scene.Object{{ID: 1, Class: "person", Agent: true}, {ID: 2, Class: "ball"}}
	s.Masks[1] = make([]bool, n*w*h)
	s.Masks[2] = make([]bool, n*w*h)
	f := 1.6 * float64(w)
	k := geom.Intrinsics{Fx: f, Fy: f, Cx: float64(w-1) / 2, Cy: float64(h-1) / 2}
	for i := range n {
		s.Timestamps[i] = float64(i) / s.FPS
		// Camera at height 2.5, 4 m behind the origin, looking along +y and 40° down.
		eye := r3.Vec{X: 0.3 * float64(i), Y: -4, Z: 2.5}
		tilt := 40 * math.Pi / 180
		fwd := r3.Vec{Y: math.Cos(tilt), Z: -math.Sin(tilt)}
		right := r3.Vec{X: 1}
		down := r3.Cross(fwd, right)
		R := geom.Mat3{{right.X, down.X, fwd.X}, {right.Y, down.Y, fwd.Y}, {right.Z, down.Z, fwd.Z}}
		pose := geom.Rigid{R: R, T: eye}
		s.SetPose(i, pose)
		box := r3.Vec{X: -1 + 0.5*float64(i), Y: 0, Z: 0.4}
		ball := r3.Vec{X: 1.2, Y: 1, Z: 0.3}
		pts := s.PointMap(i).Pix
		conf := s.ConfFrame(i)
		for y := range h {
			for x := range w {
				// Ray through the pixel centre, in world coordinates.
				dc := r3.Vec{X: (float64(x) - k.Cx) / k.Fx, Y: (float64(y) - k.Cy) / k.Fy, Z: 1}
				d := R.MulVec(dc)
				tHit, obj := math.Inf(1), 0
				if d.Z < -1e-6 {
					tHit = -eye.Z / d.Z
				}
				if tb, ok := hitBox(eye, d, box, 0.4); ok && tb < tHit {
					tHit, obj = tb, 1
				}
				if ts, ok := hitSphere(eye, d, ball, 0.3); ok && ts < tHit {
					tHit, obj = ts, 2
				}
				p := y*w + x
				if math.IsInf(tHit, 1) || tHit > 30 {
					pts[3*p], pts[3*p+1], pts[3*p+2] = float32(dc.X*100), float32(dc.Y*100), 100
					conf[p] = -5
					continue
				}
				pts[3*p], pts[3*p+1], pts[3*p+2] = float32(dc.X*tHit), float32(dc.Y*tHit), float32(tHit)
				conf[p] = float32(1 + float64(x)/float64(w)) // a gradient, for the confidence colours
				if obj > 0 {
					s.Mask(obj, i)[p] = true
				}
			}
		}
		a, po, ro := agentAngles(R, r3.Vec{X: 1})
		po, ro = math.Max(-89.9, math.Min(89.9, po)), math.Max(-89.9, math.Min(89.9, ro))
		s.Orient[1] = append(s.Orient[1], scene.Orientation{Frame: i, Azimuth: a, Polar: po, Rotation: ro, Confidence: 0.9})
	}
	return s
}

// agentAngles finds Orient Anything angles whose agent frame (geom.AgentRotation rows: facing,
// left, up in camera axes) matches an agent facing the world direction facing with world up +z,
// seen from a camera with rotation R, by a coarse-to-fine search (enough for a test).
func agentAngles(R geom.Mat3, facing r3.Vec) (az, po, ro float64) {
	up := r3.Vec{Z: 1}
	want := [3]r3.Vec{R.T().MulVec(facing), R.T().MulVec(r3.Cross(up, facing)), R.T().MulVec(up)}
	cost := func(a, p, r float64) float64 {
		m := geom.AgentRotation(a, p, r)
		return r3.Norm(r3.Sub(m.Row(0), want[0])) + r3.Norm(r3.Sub(m.Row(1), want[1])) + r3.Norm(r3.Sub(m.Row(2), want[2]))
	}
	best := math.Inf(1)
	search := func(a0, p0, r0, span, step float64) {
		for a := a0 - span; a <= a0+span; a += step {
			for p := p0 - span; p <= p0+span; p += step {
				for r := r0 - span; r <= r0+span; r += step {
					if c := cost(a, p, r); c < best {
						best, az, po, ro = c, a, p, r
					}
				}
			}
		}
	}
	search(180, 0, 0, 180, 10)
	search(az, po, ro, 10, 1)
	search(az, po, ro, 1, 0.1)
	az = math.Mod(az+360, 360)
	return az, po, ro
}

func hitSphere(o, d, c r3.Vec, r float64) (float64, bool) {
	oc := r3.Sub(o, c)
	b := r3.Dot(oc, d)
	cc := r3.Dot(oc, oc) - r*r
	a := r3.Dot(d, d)
	disc := b*b - a*cc
	if disc < 0 {
		return 0, false
	}
	t := (-b - math.Sqrt(disc)) / a
	return t, t > 0
}

func hitBox(o, d, c r3.Vec, h float64) (float64, bool) {
	lo, hi := math.Inf(-1), math.Inf(1)
	for _, ax := range [][3]float64{{o.X, d.X, c.X}, {o.Y, d.Y, c.Y}, {o.Z, d.Z, c.Z}} {
		if math.Abs(ax[1]) < 1e-12 {
			if math.Abs(ax[0]-ax[2]) > h {
				return 0, false
			}
			continue
		}
		t1, t2 := (ax[2]-h-ax[0])/ax[1], (ax[2]+h-ax[0])/ax[1]
		lo, hi = math.Max(lo, math.Min(t1, t2)), math.Min(hi, math.Max(t1, t2))
	}
	return lo, lo <= hi && lo > 0
}

// openOffscreen opens an offscreen target with validation when the layer is installed (always
// in CI); without any Vulkan device it skips, but fails when CI is set.
func openOffscreen(t testing.TB, geo *Geometry, w, h int) *Offscreen {
	t.Helper()
	validate := os.Getenv("CI") != "" || vk.ValidationLayerInstalled()
	o, err := NewOffscreen(geo, w, h, validate)
	if errors.Is(err, vk.ErrNoDevice) && os.Getenv("CI") == "" {
		t.Skipf("no Vulkan device: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		msgs := o.Messages()
		o.Close()
		for k, v := range o.Live() {
			if v != 0 {
				t.Errorf("after Close: %d live %s", v, k)
			}
		}
		if msgs.Total() != 0 {
			t.Errorf("%d validation messages: %v", msgs.Total(), msgs.Texts)
		}
	})
	return o
}
