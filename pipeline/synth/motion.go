package synth

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/spatial/r3"
)

// Motion is a kind of movement on the ground plane. Every motion is defined for all times
// (also before 0, which "follow" uses) and gives a position and a heading (yaw, radians from
// the world x axis towards y) per time.
type Motion int

// The motion library.
const (
	Still       Motion = iota // no movement (static objects)
	Approach                  // straight towards the camera's starting position
	Recede                    // straight away from the camera's starting position
	PassBy                    // across the view, perpendicular to the camera's initial view direction
	Circle                    // around a centre at constant angular speed, facing along the circle
	StopAndGo                 // along a line, alternating moving and standing phases
	Accelerate                // along a line, from slow to fast at constant acceleration
	TurnInPlace               // fixed position, heading turning at constant rate
	Follow                    // the leader's path, a fixed time behind it
)

var motionNames = [...]string{"still", "approach", "recede", "pass_by", "circle", "stop_and_go", "accelerate", "turn_in_place", "follow"}

func (m Motion) String() string {
	if m >= 0 && int(m) < len(motionNames) {
		return motionNames[m]
	}
	return fmt.Sprintf("Motion(%d)", int(m))
}

// MarshalText writes the motion's name.
func (m Motion) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText reads a motion's name.
func (m *Motion) UnmarshalText(b []byte) error {
	i, err := lookup("motion", motionNames[:], string(b))
	*m = Motion(i)
	return err
}

// Path is one object's motion with its parameters (ground-plane, metres, seconds).
type Path struct {
	Motion Motion     `json:"motion"`
	Start  [2]float64 `json:"start"`          // position at t = 0 (also the circle's point at 0)
	Dir    float64    `json:"dir"`            // direction of travel / initial heading (rad)
	Speed  float64    `json:"speed"`          // m/s (circle: tangential; accelerate: initial)
	Accel  float64    `json:"accel,omitzero"` // accelerate: m/s²
	Radius float64    `json:"radius,omitzero"`
	Turn   float64    `json:"turn,omitzero"`   // circle and turn_in_place: rad/s (sign = direction)
	Period float64    `json:"period,omitzero"` // stop_and_go: seconds per move+stop cycle
	Leader int        `json:"leader,omitzero"` // follow: index (into World.Objects) of the leader
	Lag    float64    `json:"lag,omitzero"`    // follow: seconds behind the leader
}

// pose returns the ground position and heading at time t; objs resolves a follow's leader.
func (p Path) pose(t float64, objs []ObjectSpec) (r3.Vec, float64) {
	at := func(s float64) r3.Vec {
		return r3.Vec{X: p.Start[0] + s*math.Cos(p.Dir), Y: p.Start[1] + s*math.Sin(p.Dir)}
	}
	switch p.Motion {
	case Approach, Recede, PassBy:
		return at(p.Speed * t), p.Dir
	case Accelerate:
		return at(p.Speed*t + 0.5*p.Accel*t*t), p.Dir
	case StopAndGo:
		return at(p.Speed * stopGoDistance(t, p.Period)), p.Dir
	case Circle:
		// The centre lies to the left of the initial heading when Turn > 0 (counter-clockwise).
		s := math.Copysign(1, p.Turn)
		cx := p.Start[0] - s*p.Radius*math.Sin(p.Dir)
		cy := p.Start[1] + s*p.Radius*math.Cos(p.Dir)
		a := p.Dir - s*math.Pi/2 + p.Turn*t // angle of the position about the centre
		pos := r3.Vec{X: cx + p.Radius*math.Cos(a), Y: cy + p.Radius*math.Sin(a)}
		return pos, p.Dir + p.Turn*t
	case TurnInPlace:
		return r3.Vec{X: p.Start[0], Y: p.Start[1]}, p.Dir + p.Turn*t
	case Follow:
		return objs[p.Leader].Path.pose(t-p.Lag, objs)
	}
	return r3.Vec{X: p.Start[0], Y: p.Start[1]}, p.Dir
}

// stopGoDistance is the time spent moving up to t when each cycle of period T moves for the
// first half (with smooth cosine ramps) and stands for the second half. It is continuous and
// differentiable, and defined for negative t.
func stopGoDistance(t, T float64) float64 {
	if T <= 0 {
		return t
	}
	k := math.Floor(t / T)
	f := t - k*T
	half := T / 2
	// speed factor (1 − cos(2π f/half))/2 on [0, half), 0 after: its integral over a half is half/2.
	var in float64
	if f < half {
		in = f/2 - half/(4*math.Pi)*math.Sin(2*math.Pi*f/half)
	} else {
		in = half / 2
	}
	return k*half/2 + in
}
