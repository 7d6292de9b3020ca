package viewer

import (
	"fmt"
	"math"
	"strings"
	"time"

	"gonum.org/v1/gonum/spatial/r3"
)

// Mode says which frames' points are drawn.
type Mode int

// Modes.
const (
	// ModeCurrent draws the current frame's points only.
	ModeCurrent Mode = iota
	// ModeAccumulate draws the background of every frame (accumulated once, it never moves)
	// and the objects of the current frame.
	ModeAccumulate
	// ModeTrail draws the points of the last Trail frames up to the current one.
	ModeTrail
)

var modeNames = [...]string{"current", "accumulate", "trail"}

func (m Mode) String() string { return modeNames[m] }

// ParseMode reads "current", "accumulate" or "trail".
func ParseMode(s string) (Mode, error) {
	for i, n := range modeNames {
		if s == n {
			return Mode(i), nil
		}
	}
	return 0, fmt.Errorf("viewer: unknown mode %q (want %s)", s, strings.Join(modeNames[:], ", "))
}

// ColorBy says how points are coloured.
type ColorBy int

// Colour modes (the numbers the points shader reads).
const (
	ColorRGB ColorBy = iota
	ColorObject
	ColorTime
	ColorConfidence
)

var colorNames = [...]string{"rgb", "object", "time", "confidence"}

func (c ColorBy) String() string { return colorNames[c] }

// ParseColorBy reads "rgb", "object", "time" or "confidence".
func ParseColorBy(s string) (ColorBy, error) {
	for i, n := range colorNames {
		if s == n {
			return ColorBy(i), nil
		}
	}
	return 0, fmt.Errorf("viewer: unknown colour mode %q (want %s)", s, strings.Join(colorNames[:], ", "))
}

// Settings are the display options a user changes with flags and keys.
type Settings struct {
	Mode      Mode
	Trail     int     // frames drawn in ModeTrail
	ObjTrail  int     // frames of object-centre trails
	ColorBy   ColorBy // point colours
	PointSize float32 // pixels
	Stride    int     // draw every Stride-th point
	ConfPct   float64 // hide points below this percentile of confidence (0..100)
	Frustums  bool    // camera path and frustums
	Objects   bool    // object markers, trails and facing arrows
	HUD       bool    // the text overlay
}

// DefaultSettings are what `dsr4d view` starts with.
func DefaultSettings() Settings {
	return Settings{Mode: ModeAccumulate, Trail: 4, ObjTrail: 8, ColorBy: ColorRGB, PointSize: 2, Stride: 1,
		Frustums: true, Objects: true, HUD: true}
}

// Timeline is the current frame and playback.
type Timeline struct {
	Frame   int
	N       int
	Playing bool
	Loop    bool
	Speed   float64   // playback rate, 1 = real time
	Times   []float64 // seconds per frame
	acc     float64
}

// frameDuration is the mean time between frames (1 s when the timestamps say nothing).
func (t *Timeline) frameDuration() float64 {
	if t.N > 1 && len(t.Times) == t.N {
		if d := (t.Times[t.N-1] - t.Times[0]) / float64(t.N-1); d > 0 {
			return d
		}
	}
	return 1
}

// Step moves by d frames, wrapping when Loop is on and clamping otherwise.
func (t *Timeline) Step(d int) {
	f := t.Frame + d
	if t.Loop {
		f = ((f % t.N) + t.N) % t.N
	}
	t.Frame = min(max(f, 0), t.N-1)
}

// Tick advances playback by dt seconds of wall time and reports whether the frame changed.
func (t *Timeline) Tick(dt float64) bool {
	if !t.Playing || t.N < 2 {
		return false
	}
	t.acc += dt * t.Speed
	d := t.frameDuration()
	changed := false
	for t.acc >= d {
		t.acc -= d
		if t.Frame == t.N-1 && !t.Loop {
			t.Playing = false
			t.acc = 0
			break
		}
		t.Step(1)
		changed = true
	}
	return changed
}

// Time is the current frame's timestamp.
func (t *Timeline) Time() float64 {
	if t.Frame < len(t.Times) {
		return t.Times[t.Frame]
	}
	return float64(t.Frame)
}

// Camera is an orbit camera around Target in the scene's up frame, or, with Through ≥ 0, the
// scene's own camera at frame Through.
type Camera struct {
	Target     r3.Vec
	Dist       float64 // eye distance from Target
	Yaw, Pitch float64 // radians; Pitch > 0 looks down
	FOVY       float64 // radians
	Through    int     // frame whose camera the view looks through, −1 for the orbit camera
	Up, Fwd0   r3.Vec  // up axis and the yaw-0 forward direction (⟂ Up)
}

// forward is the orbit camera's unit view direction.
func (c Camera) forward() r3.Vec {
	left := r3.Cross(c.Up, c.Fwd0)
	h := r3.Add(r3.Scale(math.Cos(c.Yaw), c.Fwd0), r3.Scale(math.Sin(c.Yaw), left))
	return r3.Unit(r3.Sub(r3.Scale(math.Cos(c.Pitch), h), r3.Scale(math.Sin(c.Pitch), c.Up)))
}

// Eye is the orbit camera's position.
func (c Camera) Eye() r3.Vec { return r3.Sub(c.Target, r3.Scale(c.Dist, c.forward())) }

// basis returns the orbit camera's right, down and forward axes (OpenCV camera axes).
func (c Camera) basis() (right, down, fwd r3.Vec) {
	fwd = c.forward()
	right = r3.Unit(r3.Cross(fwd, c.Up))
	down = r3.Cross(fwd, right)
	return
}

// State is everything one rendered frame depends on besides the geometry.
type State struct {
	Settings
	Timeline
	Cam      Camera
	Question *Question
	Title    string
	Help     bool // show the key list in the HUD
	Quit     bool
	// FrameTime is the last frame's duration, shown in the HUD when > 0 (the window sets it).
	FrameTime time.Duration

	home Camera
	geo  *Geometry
}

// NewState returns the starting state for geo: frame 0, the home camera, default settings.
func NewState(geo *Geometry) *State {
	st := &State{Settings: DefaultSettings(), geo: geo, Title: geo.VideoID}
	st.Timeline = Timeline{N: geo.N, Loop: true, Speed: 1, Times: geo.Times}
	st.home = homeCamera(geo)
	st.Cam = st.home
	return st
}

// homeCamera looks at the scene's centre from behind and above the first camera.
func homeCamera(g *Geometry) Camera {
	up := g.Up
	f := g.Poses[0].R.MulVec(r3.Vec{Z: 1})
	f = r3.Sub(f, r3.Scale(r3.Dot(f, up), up))
	if r3.Norm(f) < 1e-6 {
		f = r3.Cross(up, r3.Vec{X: 1})
		if r3.Norm(f) < 1e-6 {
			f = r3.Cross(up, r3.Vec{Y: 1})
		}
	}
	// Focus on what moves: the camera positions and the object centres.
	var focus []r3.Vec
	for _, p := range g.Poses {
		focus = append(focus, p.T)
	}
	for k := range g.Objects {
		for i, v := range g.Visible[k] {
			if v {
				focus = append(focus, g.Centres[k][i])
			}
		}
	}
	var target r3.Vec
	for _, p := range focus {
		target = r3.Add(target, p)
	}
	target = r3.Scale(1/float64(len(focus)), target)
	extent := 0.0
	for _, p := range focus {
		extent = math.Max(extent, r3.Norm(r3.Sub(p, target)))
	}
	dist := math.Max(2.2*extent, 0.5*g.Radius)
	return Camera{Target: target, Dist: dist, Pitch: 35 * math.Pi / 180, FOVY: 50 * math.Pi / 180,
		Through: -1, Up: up, Fwd0: r3.Unit(f)}
}

// Reset restores the home camera.
func (st *State) Reset() { st.Cam = st.home }

// Orbit turns the orbit camera by pixel deltas.
func (st *State) Orbit(dx, dy float64) {
	st.Cam.Through = -1
	st.Cam.Yaw -= 0.005 * dx
	st.Cam.Pitch = min(max(st.Cam.Pitch+0.005*dy, -1.55), 1.55)
}

// Pan moves the target in the view plane by pixel deltas for a viewport height h.
func (st *State) Pan(dx, dy, h float64) {
	st.Cam.Through = -1
	right, down, _ := st.Cam.basis()
	k := 2 * st.Cam.Dist * math.Tan(st.Cam.FOVY/2) / math.Max(h, 1)
	st.Cam.Target = r3.Sub(st.Cam.Target, r3.Add(r3.Scale(k*dx, right), r3.Scale(k*dy, down)))
}

// Zoom scales the eye distance: steps > 0 move closer.
func (st *State) Zoom(steps float64) {
	st.Cam.Dist = math.Max(st.Cam.Dist*math.Pow(0.9, steps), 1e-3*st.geo.Radius)
}

// Fly moves the orbit camera (eye and target) along its forward, right and up axes, in units
// of 5% of the scene radius.
func (st *State) Fly(fwd, right, up float64) {
	if st.Cam.Through >= 0 {
		st.leaveThrough()
	}
	r, _, f := st.Cam.basis()
	s := 0.05 * st.geo.Radius
	d := r3.Add(r3.Add(r3.Scale(fwd*s, f), r3.Scale(right*s, r)), r3.Scale(up*s, st.Cam.Up))
	st.Cam.Target = r3.Add(st.Cam.Target, d)
}

// leaveThrough turns the look-through view into an orbit camera at the same place.
func (st *State) leaveThrough() {
	p := st.geo.Poses[st.Frame]
	f := p.R.MulVec(r3.Vec{Z: 1})
	st.Cam.Through = -1
	fh := r3.Sub(f, r3.Scale(r3.Dot(f, st.Cam.Up), st.Cam.Up))
	if r3.Norm(fh) > 1e-6 {
		st.Cam.Fwd0, st.Cam.Yaw = r3.Unit(fh), 0
		st.Cam.Pitch = -math.Asin(math.Max(-1, math.Min(1, r3.Dot(f, st.Cam.Up))))
	}
	st.Cam.Dist = 0.5 * st.geo.Radius
	st.Cam.Target = r3.Add(p.T, r3.Scale(st.Cam.Dist, f))
}

// Key is a key the viewer understands, independent of the window system.
type Key int

// Keys.
const (
	KeyNone Key = iota
	KeySpace
	KeyLeft
	KeyRight
	KeyUp
	KeyDown
	KeyBracketLeft
	KeyBracketRight
	KeyHome
	KeyEnd
	KeyLoop      // L
	KeyMode      // M
	KeyTrailMore // K
	KeyTrailLess // J
	KeyColor1    // 1: rgb
	KeyColor2    // 2: object
	KeyColor3    // 3: time
	KeyColor4    // 4: confidence
	KeyBigger    // =
	KeySmaller   // -
	KeyConf      // P: confidence percentile +10 (wraps)
	KeyStride    // N: stride 1, 2, 4, 8
	KeyFrustums  // F
	KeyObjects   // O
	KeyHUD       // H
	KeyThrough   // C
	KeyReset     // R
	KeyW
	KeyA
	KeyS
	KeyD
	KeyQ
	KeyE
	KeyEscape
	KeyHelp // ? or F1
)

// KeysHelp lists the keys, for -h and the HUD (F1).
const KeysHelp = `space play/pause   ←/→ step   [ ] speed ÷2/×2   Home/End first/last   L loop
M mode (current/accumulate/trail)   J/K trail −/+   1-4 colour rgb/object/time/confidence
=/- point size   P confidence percentile +10   N stride 1/2/4/8   F frustums   O objects   H HUD
drag orbit   right/middle drag or shift+drag pan   scroll or ↑/↓ zoom   WASD fly, Q/E down/up
R reset view   C look through the camera of the current frame   F1 help   Esc quit`

// Press applies one key press and reports whether anything changed.
func (st *State) Press(k Key) bool {
	switch k {
	case KeySpace:
		st.Playing = !st.Playing
		if st.Playing && st.Frame == st.N-1 && !st.Loop {
			st.Frame = 0
		}
	case KeyLeft:
		st.Playing = false
		st.Step(-1)
	case KeyRight:
		st.Playing = false
		st.Step(1)
	case KeyBracketLeft:
		st.Speed = math.Max(st.Speed/2, 1.0/16)
	case KeyBracketRight:
		st.Speed = math.Min(st.Speed*2, 16)
	case KeyHome:
		st.Frame = 0
	case KeyEnd:
		st.Frame = st.N - 1
	case KeyLoop:
		st.Loop = !st.Loop
	case KeyMode:
		st.Mode = (st.Mode + 1) % Mode(len(modeNames))
	case KeyTrailMore:
		st.Trail = min(st.Trail+1, st.N)
		st.ObjTrail = min(st.ObjTrail+1, st.N)
	case KeyTrailLess:
		st.Trail = max(st.Trail-1, 1)
		st.ObjTrail = max(st.ObjTrail-1, 1)
	case KeyColor1, KeyColor2, KeyColor3, KeyColor4:
		st.ColorBy = ColorBy(k - KeyColor1)
	case KeyBigger:
		st.PointSize = min(st.PointSize+1, 32)
	case KeySmaller:
		st.PointSize = max(st.PointSize-1, 1)
	case KeyConf:
		st.ConfPct += 10
		if st.ConfPct > 95 {
			st.ConfPct = 0
		}
	case KeyStride:
		st.Stride *= 2
		if st.Stride > 8 {
			st.Stride = 1
		}
	case KeyFrustums:
		st.Frustums = !st.Frustums
	case KeyObjects:
		st.Objects = !st.Objects
	case KeyHUD:
		st.HUD = !st.HUD
	case KeyHelp:
		st.Help = !st.Help
	case KeyThrough:
		if st.Cam.Through >= 0 {
			st.leaveThrough()
		} else {
			st.Cam.Through = st.Frame
		}
	case KeyReset:
		st.Reset()
	case KeyUp:
		st.Zoom(1)
	case KeyDown:
		st.Zoom(-1)
	case KeyW:
		st.Fly(1, 0, 0)
	case KeyS:
		st.Fly(-1, 0, 0)
	case KeyA:
		st.Fly(0, -1, 0)
	case KeyD:
		st.Fly(0, 1, 0)
	case KeyQ:
		st.Fly(0, 0, -1)
	case KeyE:
		st.Fly(0, 0, 1)
	case KeyEscape:
		st.Quit = true
	default:
		return false
	}
	return true
}

// ViewProj returns the view-projection matrix (column-major, Vulkan clip space: y down,
// depth 0..1) for a viewport of aspect w/h. Looking through a camera follows it frame by frame.
func (st *State) ViewProj(aspect float64) [16]float32 {
	var rows [3]r3.Vec // world → camera (OpenCV axes: x right, y down, z forward)
	var eye r3.Vec
	fovy := st.Cam.FOVY
	if t := st.Cam.Through; t >= 0 {
		p := st.geo.Poses[min(st.Frame, st.N-1)]
		rows = [3]r3.Vec{p.R.Col(0), p.R.Col(1), p.R.Col(2)}
		eye = p.T
		fovy = st.geo.FOVY
	} else {
		r, d, f := st.Cam.basis()
		rows = [3]r3.Vec{r, d, f}
		eye = st.Cam.Eye()
	}
	near := 1e-3 * st.geo.Radius
	far := 50*st.geo.Radius + st.Cam.Dist + r3.Norm(r3.Sub(eye, st.geo.Centre))
	f := 1 / math.Tan(fovy/2)
	a := far / (far - near)
	b := -far * near / (far - near)
	// clip = P · [R | −R·eye] · p, P = diag(f/aspect, f, a) with w = z and z offset b.
	var m [4][4]float64 // row-major
	scale := [3]float64{f / aspect, f, a}
	for i := range 3 {
		r := rows[i]
		m[i] = [4]float64{scale[i] * r.X, scale[i] * r.Y, scale[i] * r.Z, -scale[i] * r3.Dot(r, eye)}
	}
	m[2][3] += b
	r := rows[2]
	m[3] = [4]float64{r.X, r.Y, r.Z, -r3.Dot(r, eye)}
	var out [16]float32
	for c := range 4 {
		for rr := range 4 {
			out[4*c+rr] = float32(m[rr][c])
		}
	}
	return out
}
