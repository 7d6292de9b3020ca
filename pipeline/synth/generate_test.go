package synth

import (
	"bytes"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/dsr4d/dsr4d/geom"
	"github.com/dsr4d/dsr4d/pipeline/scene"
)

// TestWriteLoad: a generated scene saves, loads back valid, and carries gt.json and frames.
func TestWriteLoad(t *testing.T) {
	t.Parallel()
	cfg := smallConfig("default", 3)
	cfg.Size, cfg.PointsSize = [2]int{192, 108}, [2]int{160, 90}
	r, err := Generate(cfg, CPU{})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "scene")
	if err := Write(dir, r); err != nil {
		t.Fatal(err)
	}
	s, err := scene.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.GT == nil || len(s.Frames) != cfg.Frames || len(s.Objects) != cfg.Objects+1 {
		t.Fatalf("loaded %v: gt %v, %d frames, %d objects", s, s.GT != nil, len(s.Frames), len(s.Objects))
	}
	sum := s.Summarize()
	for _, o := range sum.Objects {
		t.Logf("object %d %s agent=%v visible %d/%d oriented %d", o.ID, o.Class, o.Agent, o.NVisible, s.N, o.NOriented)
	}
	if sum.ValidShare < 0.1 { // the depth-edge rule (3% over 3×3) drops far ground at small sizes: 57% valid at 320×180
		t.Errorf("valid share %.2f", sum.ValidShare)
	}
}

// TestPointsOnSurfaces: every point-map pixel that hits an object lies on that object's true
// surface (distance to the surface ≤ 1e-4 relative to depth), and the masks hold exactly the
// pixels whose centre ray hits the object.
func TestPointsOnSurfaces(t *testing.T) {
	t.Parallel()
	pointsOnSurfaces(t, CPU{})
}

func pointsOnSurfaces(t *testing.T, c Caster) {
	cfg := smallConfig("orbit", 5)
	cfg.Objects = 5
	r, err := Generate(cfg, c)
	if err != nil {
		t.Fatal(err)
	}
	s, w := r.Scene, r.World
	for f := range cfg.Frames {
		snap := w.At(w.Time(f))
		pm := s.PointMap(f)
		conf := s.ConfFrame(f)
		n := 0
		for y := range pm.H {
			for x := range pm.W {
				if conf[y*pm.W+x] != ConfSurface {
					continue
				}
				p := snap.Pose.Apply(pm.At(x, y))
				best := math.Inf(1)
				for _, pr := range snap.Prims {
					best = min(best, math.Abs(surfaceDistance(pr, p)))
				}
				z := pm.At(x, y).Z
				if best > 1e-4*z {
					t.Fatalf("frame %d pixel (%d,%d): point %v is %.3g from every surface", f, x, y, p, best)
				}
				n++
			}
		}
		if n == 0 {
			t.Fatalf("frame %d: no surface pixel", f)
		}
		// Masks: the centre ray of each masked pixel hits the object first.
		view := View{Pose: snap.Pose, K: w.K, W: cfg.Size[0], H: cfg.Size[1]}
		for _, o := range w.Objects {
			m := s.Mask(o.ID, f)
			for y := 0; y < view.H; y += 3 {
				for x := 0; x < view.W; x += 3 {
					hits := func(x, y int) bool {
						_, prim, _ := castPixel(snap.Prims, view, min(max(x, 0), view.W-1), min(max(y, 0), view.H-1))
						return prim >= 0 && snap.Prims[prim].Label == o.ID
					}
					hit := hits(x, y)
					if _, ref := c.(CPU); !ref && (hits(x-1, y) != hit || hits(x+1, y) != hit || hits(x, y-1) != hit || hits(x, y+1) != hit) {
						continue // float32 and float64 may disagree on a silhouette pixel
					}
					if hit != m[y*view.W+x] {
						t.Fatalf("frame %d object %d pixel (%d,%d): mask %v, ray hits it %v", f, o.ID, x, y, m[y*view.W+x], hit)
					}
				}
			}
		}
	}
}

// surfaceDistance is a signed-distance-like measure of p from the primitive's surface (exact
// on the surface: 0).
func surfaceDistance(pr Prim, p r3.Vec) float64 {
	q := pr.R.T().MulVec(r3.Sub(p, pr.Centre))
	r := pr.Size.X
	switch pr.Shape {
	case Sphere:
		return r3.Norm(q) - r
	case Box:
		dx, dy, dz := math.Abs(q.X)-pr.Size.X, math.Abs(q.Y)-pr.Size.Y, math.Abs(q.Z)-pr.Size.Z
		out := r3.Norm(r3.Vec{X: max(dx, 0), Y: max(dy, 0), Z: max(dz, 0)})
		return out + min(max(dx, dy, dz), 0)
	case Cylinder:
		dr, dz := math.Hypot(q.X, q.Y)-r, math.Abs(q.Z)-pr.Size.Z
		return math.Hypot(max(dr, 0), max(dz, 0)) + min(max(dr, dz), 0)
	case Capsule:
		z := max(-pr.Size.Z, min(pr.Size.Z, q.Z))
		return r3.Norm(r3.Vec{X: q.X, Y: q.Y, Z: q.Z - z}) - r
	case Disk:
		if math.Hypot(q.X, q.Y) > r+1e-6 {
			return math.Inf(1)
		}
		return q.Z
	}
	return math.Inf(1)
}

// TestAnglesRoundTrip: the noise-free angles written for every agent and frame turn back into
// the true facing through geom's agent frame within 1e-6, and the full agent rotation maps
// the true facing and up to the viewer x and z axes.
func TestAnglesRoundTrip(t *testing.T) {
	t.Parallel()
	for _, preset := range PresetNames() {
		cfg := smallConfig(preset, 11)
		cfg.Objects = 6
		w, err := NewWorld(cfg)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for f := range cfg.Frames {
			snap := w.At(w.Time(f))
			for k, o := range w.Objects {
				g := gtObject(o, snap, k, 0, false)
				if !o.Agent {
					continue
				}
				if g.Angles == nil {
					t.Fatalf("%s frame %d object %d: no angles", preset, f, o.ID)
				}
				a := g.Angles
				if a.Azimuth < 0 || a.Azimuth >= 360 || a.Polar < -90 || a.Polar >= 90 || a.Rotation < -90 || a.Rotation >= 90 {
					t.Fatalf("angles out of range: %+v", *a)
				}
				fc := r3.Vec{X: g.FacingCamera[0], Y: g.FacingCamera[1], Z: g.FacingCamera[2]}
				got := geom.Facing(a.Azimuth, a.Polar, a.Rotation)
				if d := r3.Norm(r3.Sub(got, fc)); d > 1e-6 {
					t.Fatalf("%s frame %d object %d: facing %v from %+v, want %v (|Δ| %.3g)", preset, f, o.ID, got, *a, fc, d)
				}
				af := geom.NewAgentFrame(a.Azimuth, a.Polar, a.Rotation, r3.Vec{})
				up := snap.Pose.Inverse().ApplyVec(snap.Objects[k].Up)
				if d := r3.Norm(r3.Sub(af.ToAgent(up), r3.Vec{Z: 1})); d > 1e-6 {
					t.Fatalf("%s: up maps to %v", preset, af.ToAgent(up))
				}
				n++
			}
		}
		if n == 0 {
			t.Fatalf("%s: no agent", preset)
		}
	}
}

// TestAnglesGrid: Angles inverts geom.AgentRotation over a grid of angles.
func TestAnglesGrid(t *testing.T) {
	t.Parallel()
	for az := 0.0; az < 360; az += 17 {
		for po := -85.0; po < 90; po += 13 {
			for ro := -85.0; ro < 90; ro += 11 {
				r := geom.AgentRotation(az, po, ro)
				a2, p2, r2, ok := Angles(r.Row(0), r.Row(2))
				if !ok || math.Abs(a2-az) > 1e-9 || math.Abs(p2-po) > 1e-9 || math.Abs(r2-ro) > 1e-9 {
					t.Fatalf("(%v, %v, %v) → (%v, %v, %v, %v)", az, po, ro, a2, p2, r2, ok)
				}
			}
		}
	}
}

// TestDeterministic: the same seed writes a byte-identical directory; another seed does not.
func TestDeterministic(t *testing.T) {
	t.Parallel()
	cfg := smallConfig("park", 9)
	cfg.Noise = NoiseLevels["heavy"]
	dirs := make([]string, 3)
	for i := range dirs {
		c := cfg
		if i == 2 {
			c.Seed++
		}
		r, err := Generate(c, CPU{})
		if err != nil {
			t.Fatal(err)
		}
		dirs[i] = filepath.Join(t.TempDir(), "s")
		if err := Write(dirs[i], r); err != nil {
			t.Fatal(err)
		}
	}
	a, b, c := readTree(t, dirs[0]), readTree(t, dirs[1]), readTree(t, dirs[2])
	if len(a) != len(b) {
		t.Fatalf("%d files vs %d", len(a), len(b))
	}
	for name, data := range a {
		if !bytes.Equal(data, b[name]) {
			t.Errorf("%s differs between two runs with the same seed", name)
		}
	}
	if bytes.Equal(a["geometry.npz"], c["geometry.npz"]) {
		t.Errorf("another seed gives the same geometry")
	}
}

func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
