package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/dsr4d/dsr4d/geom"
)

// Config describes one synthetic scene. The zero value is not usable; start from
// DefaultConfig.
type Config struct {
	Seed       uint64
	Frames     int     // N ≥ 2
	FPS        float64 // frames per second of the sampled clip
	Size       [2]int  // video (mask and RGB) size w, h
	PointsSize [2]int  // point-map size W, H (π³ works at a smaller size than the video)
	Objects    int     // dynamic objects K ≥ 2 (the preset adds its static ones)
	Preset     string
	FOV        float64 // horizontal field of view in degrees
	Noise      Noise
	VideoID    string // empty: synth-<preset>-<seed>
}

// DefaultConfig is the reference setting: 32 frames at 4 fps, 640×360 video, 320×180
// point maps, 4 dynamic objects, the default preset, no noise.
func DefaultConfig() Config {
	return Config{Seed: 1, Frames: 32, FPS: 4, Size: [2]int{640, 360}, PointsSize: [2]int{320, 180},
		Objects: 4, Preset: "default", FOV: 60}
}

// Limits on a Config.
const (
	MinObjects = 2
	MaxSide    = 8192
	MaxPixels  = 3840 * 2160 // per image: one view's ray-cast output must fit one 128 MiB binding
	MaxFrames  = 10000
)

// ID returns the scene's video id.
func (c Config) ID() string {
	if c.VideoID != "" {
		return c.VideoID
	}
	return fmt.Sprintf("synth-%s-%d", c.Preset, c.Seed)
}

// Validate reports the first problem with c, in terms of the CLI's flags.
func (c Config) Validate() error {
	switch {
	case c.Frames < 2 || c.Frames > MaxFrames:
		return fmt.Errorf("frames: %d, want 2..%d", c.Frames, MaxFrames)
	case !(c.FPS > 0) || math.IsInf(c.FPS, 0):
		return fmt.Errorf("fps: %v, want > 0", c.FPS)
	case c.Size[0] < 1 || c.Size[1] < 1 || c.Size[0] > MaxSide || c.Size[1] > MaxSide:
		return fmt.Errorf("size: %dx%d, want each side in 1..%d", c.Size[0], c.Size[1], MaxSide)
	case c.PointsSize[0] < 1 || c.PointsSize[1] < 1 || c.PointsSize[0] > MaxSide || c.PointsSize[1] > MaxSide:
		return fmt.Errorf("points-size: %dx%d, want each side in 1..%d", c.PointsSize[0], c.PointsSize[1], MaxSide)
	case c.Size[0]*c.Size[1] > MaxPixels:
		return fmt.Errorf("size: %dx%d has more than %d pixels", c.Size[0], c.Size[1], MaxPixels)
	case c.PointsSize[0]*c.PointsSize[1] > MaxPixels:
		return fmt.Errorf("points-size: %dx%d has more than %d pixels", c.PointsSize[0], c.PointsSize[1], MaxPixels)
	case !(c.FOV >= 10 && c.FOV <= 150):
		return fmt.Errorf("fov: %v degrees, want 10..150", c.FOV)
	}
	p, ok := Presets[c.Preset]
	if !ok {
		return fmt.Errorf("preset: unknown preset %q (have %v)", c.Preset, PresetNames())
	}
	if c.Objects < MinObjects {
		return fmt.Errorf("objects: %d, want at least %d dynamic objects", c.Objects, MinObjects)
	}
	if room := p.Capacity(); c.Objects > room {
		return fmt.Errorf("objects: %d dynamic objects do not fit in preset %q (at most %d)", c.Objects, c.Preset, room)
	}
	return c.Noise.Validate()
}

// Class is a kind of object: its shape, size and whether it is an agent (has a facing).
type Class struct {
	Name   string
	Shape  Shape
	Size   r3.Vec // Prim.Size; local x is the facing direction
	Agent  bool
	Colour [3]uint8
}

// Classes are the object classes presets draw from.
var Classes = map[string]Class{
	"person": {"person", Capsule, r3.Vec{X: 0.25, Y: 0.25, Z: 0.6}, true, [3]uint8{200, 60, 50}},
	"car":    {"car", Box, r3.Vec{X: 1.5, Y: 0.75, Z: 0.6}, true, [3]uint8{40, 80, 190}},
	"dog":    {"dog", Box, r3.Vec{X: 0.45, Y: 0.15, Z: 0.3}, true, [3]uint8{150, 100, 50}},
	"robot":  {"robot", Cylinder, r3.Vec{X: 0.3, Y: 0.3, Z: 0.55}, true, [3]uint8{180, 180, 60}},
	"ball":   {"ball", Sphere, r3.Vec{X: 0.3, Y: 0.3, Z: 0.3}, false, [3]uint8{230, 140, 20}},
	"cart":   {"cart", Box, r3.Vec{X: 0.5, Y: 0.35, Z: 0.4}, false, [3]uint8{120, 40, 160}},
	"tree":   {"tree", Cylinder, r3.Vec{X: 0.25, Y: 0.25, Z: 1.6}, false, [3]uint8{90, 60, 30}},
	"bench":  {"bench", Box, r3.Vec{X: 0.9, Y: 0.3, Z: 0.25}, false, [3]uint8{110, 110, 110}},
	"barrel": {"barrel", Cylinder, r3.Vec{X: 0.35, Y: 0.35, Z: 0.45}, false, [3]uint8{50, 140, 70}},
}

// halfHeight is how far a class's centre sits above the ground.
func (c Class) halfHeight() float64 {
	switch c.Shape {
	case Sphere:
		return c.Size.X
	case Capsule:
		return c.Size.Z + c.Size.X
	}
	return c.Size.Z
}

// ObjectSpec is one tracked object of a World.
type ObjectSpec struct {
	ID      int        `json:"id"`
	Class   string     `json:"class"`
	Agent   bool       `json:"agent"`
	Dynamic bool       `json:"dynamic"`
	Shape   Shape      `json:"shape"`
	Size    [3]float64 `json:"size"` // Prim.Size (x, y, z)
	Colour  [3]uint8   `json:"colour"`
	Path    Path       `json:"path"`
}

// SceneryPrim is an untracked primitive (ground, buildings) with its colour.
type SceneryPrim struct {
	Prim
	Colour [3]uint8
	Ground bool // chequered
}

// World is a generated scene before rendering: tracked objects with their paths, scenery and
// the camera path. It is a pure function of the Config.
type World struct {
	Config  Config
	Preset  Preset
	Objects []ObjectSpec
	Scenery []SceneryPrim
	Camera  CameraPath
	K       geom.Intrinsics // video (mask, RGB) intrinsics
	KPoints geom.Intrinsics // point-map intrinsics: the same field of view
}

// Slot grid: dynamic and static tracked objects start on a jittered grid in front of the
// camera, so that none overlap at t = 0.
var slotGrid = func() [][2]float64 {
	var s [][2]float64
	for _, y := range []float64{-1.5, 1.5, 4.5} {
		for _, x := range []float64{-3.6, 0, 3.6} {
			s = append(s, [2]float64{x, y})
		}
	}
	return s
}()

const (
	groundRadius = 40.0
	skyDepth     = 100.0 // camera depth written for sky pixels
)

// NewWorld lays out the scene described by cfg.
//
// Layouts are drawn until every tracked object's centre is in view (in front of the camera and
// inside the video frame) in at least MinInView of the frames, up to layoutTries times (each
// try a seeded stream of its own); otherwise the layout with the best worst object is kept.
func NewWorld(cfg Config) (*World, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var best *World
	bestScore := -1.0
	for try := range uint64(layoutTries) {
		w := layout(cfg, rand.New(rand.NewPCG(cfg.Seed, 0x5eed_0001+try)))
		if sc := w.inView(); sc > bestScore {
			best, bestScore = w, sc
		}
		if bestScore >= MinInView {
			break
		}
	}
	return best, nil
}

// MinInView is the share of frames in which a layout wants every tracked object in view.
const MinInView = 0.8

const layoutTries = 32

// inView returns the smallest share, over the tracked objects, of frames in which the object's
// centre projects inside the video frame at a depth of at least 1 m.
func (w *World) inView() float64 {
	n := w.Config.Frames
	counts := make([]int, len(w.Objects))
	for i := range n {
		s := w.At(w.Time(i))
		inv := s.Pose.Inverse()
		for k, o := range s.Objects {
			p := inv.Apply(o.Centre)
			u, v, ok := w.K.Project(p)
			if ok && p.Z >= 1 && u >= 0 && v >= 0 && u <= float64(w.Config.Size[0]-1) && v <= float64(w.Config.Size[1]-1) {
				counts[k]++
			}
		}
	}
	worst := 1.0
	for k := range w.Objects {
		worst = min(worst, float64(counts[k])/float64(n))
	}
	return worst
}

func layout(cfg Config, rng *rand.Rand) *World {
	p := Presets[cfg.Preset]
	w := &World{Config: cfg, Preset: p}
	dur := float64(cfg.Frames-1) / cfg.FPS

	// Camera: looking at the layout's middle from the −y side.
	w.Camera = CameraPath{
		Motion: p.Camera, Target: [3]float64{0, 1.5, 0.6}, Distance: 8 + rng.Float64(),
		Height: 1.6 + 0.6*rng.Float64(), Azimuth: -math.Pi/2 + 0.3*(rng.Float64()-0.5), Shake: p.Shake,
	}
	switch p.Camera {
	case Orbit:
		w.Camera.Rate = p.CameraAmount / dur * sign(rng)
	case Dolly:
		w.Camera.Rate = p.CameraAmount / dur
	case Pan:
		w.Camera.Rate, w.Camera.Period = p.CameraAmount, dur
	}
	for a := range w.Camera.Phases {
		for k := range w.Camera.Phases[a] {
			w.Camera.Phases[a][k] = 2 * math.Pi * rng.Float64()
		}
	}
	camPos := w.Camera.Pose(0).T

	slots := slices.Clone(slotGrid)
	rng.Shuffle(len(slots), func(i, j int) { slots[i], slots[j] = slots[j], slots[i] })
	take := func() [2]float64 {
		s := slots[0]
		slots = slots[1:]
		return [2]float64{s[0] + 0.6*(rng.Float64()-0.5), s[1] + 0.6*(rng.Float64()-0.5)}
	}
	motions := slices.Clone(p.Motions)
	rng.Shuffle(len(motions), func(i, j int) { motions[i], motions[j] = motions[j], motions[i] })
	classes := slices.Clone(p.Classes)
	rng.Shuffle(len(classes), func(i, j int) { classes[i], classes[j] = classes[j], classes[i] })
	for k := range cfg.Objects {
		c := Classes[classes[k%len(classes)]]
		m := motions[k%len(motions)]
		leader := -1
		if m == Follow {
			for i, o := range w.Objects {
				if o.Path.Motion.translates() {
					leader = i
					break
				}
			}
			if leader < 0 {
				m = PassBy
			}
		}
		start := take()
		path := newPath(rng, m, start, camPos, dur)
		if m == Follow {
			lp := w.Objects[leader].Path
			speed := max(lp.Speed, 0.2)
			path = Path{Motion: Follow, Leader: leader, Lag: min(2.2/speed, dur/2), Start: start}
		}
		w.Objects = append(w.Objects, ObjectSpec{
			ID: k + 1, Class: c.Name, Agent: c.Agent, Dynamic: true, Shape: c.Shape, Size: vec3(c.Size),
			Colour: jitterColour(rng, c.Colour), Path: path,
		})
	}
	for _, name := range p.Statics {
		c := Classes[name]
		start := take()
		w.Objects = append(w.Objects, ObjectSpec{
			ID: len(w.Objects) + 1, Class: c.Name, Agent: c.Agent, Shape: c.Shape, Size: vec3(c.Size),
			Colour: jitterColour(rng, c.Colour), Path: Path{Motion: Still, Start: start, Dir: 2 * math.Pi * rng.Float64()},
		})
	}

	// Scenery: the ground and a ring of buildings and trees.
	w.Scenery = append(w.Scenery, SceneryPrim{
		Prim:   Prim{Shape: Disk, Centre: r3.Vec{X: 0, Y: 1.5}, R: geom.Identity3(), Size: r3.Vec{X: groundRadius}},
		Colour: [3]uint8{150, 150, 140}, Ground: true,
	})
	nb := 6 + rng.IntN(4)
	for i := range nb {
		a := 2*math.Pi*float64(i)/float64(nb) + 0.5*rng.Float64()
		r := 14 + 3*rng.Float64()
		hx, hy, hz := 1+1.5*rng.Float64(), 1+1.5*rng.Float64(), 1.5+3*rng.Float64()
		centre := r3.Vec{X: r * math.Cos(a), Y: 1.5 + r*math.Sin(a), Z: hz}
		w.Scenery = append(w.Scenery, SceneryPrim{
			Prim:   Prim{Shape: Box, Centre: centre, R: yawMat(a), Size: r3.Vec{X: hx, Y: hy, Z: hz}},
			Colour: jitterColour(rng, [3]uint8{170, 160, 150}),
		})
	}

	fov := cfg.FOV * math.Pi / 180
	w.K = intrinsics(cfg.Size, fov)
	w.KPoints = intrinsics(cfg.PointsSize, fov)
	return w
}

// intrinsics of a w×h image with horizontal field of view fov (radians), square pixels and
// the principal point at the image centre ((w−1)/2, (h−1)/2).
func intrinsics(size [2]int, fov float64) geom.Intrinsics {
	f := float64(size[0]) / 2 / math.Tan(fov/2)
	return geom.Intrinsics{Fx: f, Fy: f, Cx: float64(size[0]-1) / 2, Cy: float64(size[1]-1) / 2}
}

func (m Motion) translates() bool {
	switch m {
	case Approach, Recede, PassBy, StopAndGo, Accelerate, Circle:
		return true
	}
	return false
}

func sign(rng *rand.Rand) float64 {
	if rng.IntN(2) == 0 {
		return -1
	}
	return 1
}

// newPath draws a motion's parameters: linear motions travel 1.5..3.5 m over the clip of
// duration dur, roughly towards the layout's middle.
func newPath(rng *rand.Rand, m Motion, start [2]float64, cam r3.Vec, dur float64) Path {
	p := Path{Motion: m, Start: start}
	dist := 1.5 + 2*rng.Float64()
	toMid := math.Atan2(1.5-start[1], -start[0])
	switch m {
	case Approach, Recede:
		toCam := math.Atan2(cam.Y-start[1], cam.X-start[0])
		room := math.Hypot(cam.Y-start[1], cam.X-start[0]) - 3.5
		p.Dir = toCam
		if m == Recede {
			p.Dir += math.Pi
		} else {
			dist = max(0.5, min(dist, room))
		}
		p.Speed = dist / dur
	case PassBy:
		p.Dir = 0
		if start[0] > 0.5 || (start[0] > -0.5 && rng.IntN(2) == 0) {
			p.Dir = math.Pi
		}
		p.Speed = dist / dur
	case StopAndGo:
		p.Dir = toMid + (rng.Float64()-0.5)*math.Pi/2
		p.Period = dur / 2
		p.Speed = dist / (dur / 2) // moving a quarter of the time at mean speed 1/2
	case Accelerate:
		p.Dir = toMid + (rng.Float64()-0.5)*math.Pi/2
		p.Speed = 0.2 * dist / dur
		p.Accel = 2 * (dist - p.Speed*dur) / (dur * dur)
	case Circle:
		p.Radius = 0.9 + 0.6*rng.Float64()
		p.Dir = 2 * math.Pi * rng.Float64()
		p.Turn = sign(rng) * (0.5 + 0.5*rng.Float64()) * 2 * math.Pi / dur
		p.Speed = math.Abs(p.Turn) * p.Radius
	case TurnInPlace:
		p.Dir = 2 * math.Pi * rng.Float64()
		p.Turn = sign(rng) * (0.5 + rng.Float64()) * math.Pi / dur
	default:
		p.Dir = 2 * math.Pi * rng.Float64()
	}
	return p
}

func jitterColour(rng *rand.Rand, c [3]uint8) [3]uint8 {
	var out [3]uint8
	for i, v := range c {
		out[i] = uint8(min(255, max(0, float64(v)+40*(rng.Float64()-0.5))))
	}
	return out
}

// yawMat is the active rotation by yaw about the world z axis: local x = (cos, sin, 0).
func yawMat(yaw float64) geom.Mat3 {
	c, s := math.Cos(yaw), math.Sin(yaw)
	return geom.Mat3{{c, -s, 0}, {s, c, 0}, {0, 0, 1}}
}

// Time returns frame i's timestamp in seconds.
func (w *World) Time(i int) float64 { return float64(i) / w.Config.FPS }

// ObjectState is a tracked object at one instant, in world coordinates.
type ObjectState struct {
	Centre r3.Vec // volume centroid
	Yaw    float64
	Facing r3.Vec // local x axis (unit, horizontal)
	Up     r3.Vec // local z axis
}

// Snapshot is the world at one instant: camera pose, object states and every primitive (the
// tracked objects first, in World.Objects order, then the scenery).
type Snapshot struct {
	Pose    geom.Rigid
	Objects []ObjectState
	Prims   []Prim
}

// At returns the world at time t.
func (w *World) At(t float64) Snapshot {
	s := Snapshot{Pose: w.Camera.Pose(t)}
	for _, o := range w.Objects {
		pos, yaw := o.Path.pose(t, w.Objects)
		c := Classes[o.Class]
		centre := r3.Vec{X: pos.X, Y: pos.Y, Z: c.halfHeight()}
		R := yawMat(yaw)
		s.Objects = append(s.Objects, ObjectState{Centre: centre, Yaw: yaw, Facing: R.Col(0), Up: R.Col(2)})
		s.Prims = append(s.Prims, Prim{Shape: o.Shape, Centre: centre, R: R, Size: r3.Vec{X: o.Size[0], Y: o.Size[1], Z: o.Size[2]}, Label: o.ID})
	}
	for _, p := range w.Scenery {
		s.Prims = append(s.Prims, p.Prim)
	}
	return s
}
