package synth

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/dsr4d/dsr4d/geom"
)

// CameraMotion is the kind of the camera's movement.
type CameraMotion int

// Camera motions. Every one may add a hand-held shake on top (CameraPath.Shake).
const (
	Fixed CameraMotion = iota // standing still
	Orbit                     // on a circle about the target, looking at it
	Dolly                     // moving straight along its initial view direction (towards the target)
	Pan                       // standing still, turning its view left and right
)

var cameraNames = [...]string{"fixed", "orbit", "dolly", "pan"}

func (m CameraMotion) String() string {
	if m >= 0 && int(m) < len(cameraNames) {
		return cameraNames[m]
	}
	return fmt.Sprintf("CameraMotion(%d)", int(m))
}

// MarshalText writes the camera motion's name.
func (m CameraMotion) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// CameraPath is the camera's movement over the clip (world z up, metres, seconds, radians).
type CameraPath struct {
	Motion   CameraMotion `json:"motion"`
	Target   [3]float64   `json:"target"`   // the point looked at initially
	Distance float64      `json:"distance"` // ground distance from the target at t = 0
	Height   float64      `json:"height"`   // camera height above the ground
	Azimuth  float64      `json:"azimuth"`  // direction from the target to the camera at t = 0
	Rate     float64      `json:"rate"`     // orbit: rad/s; dolly: m/s towards the target; pan: amplitude (rad)
	Period   float64      `json:"period"`   // pan: seconds per left-right cycle
	// Shake is the hand-held amplitude: translation in metres, rotation Shake·4 radians, as a
	// sum of three sinusoids per axis with seeded frequencies and phases.
	Shake  float64       `json:"shake"`
	Phases [6][3]float64 `json:"phases"` // shake: per axis (3 translation, 3 rotation) and component
}

// Pose returns the camera-to-world pose (OpenCV axes) at time t.
func (c CameraPath) Pose(t float64) geom.Rigid {
	tgt := r3.Vec{X: c.Target[0], Y: c.Target[1], Z: c.Target[2]}
	az, dist := c.Azimuth, c.Distance
	yaw := 0.0 // extra turn of the view (pan)
	switch c.Motion {
	case Orbit:
		az += c.Rate * t
	case Dolly:
		dist -= c.Rate * t
	case Pan:
		if c.Period > 0 {
			yaw = c.Rate * math.Sin(2*math.Pi*t/c.Period)
		}
	}
	pos := r3.Vec{X: c.Target[0] + c.Distance*math.Cos(c.Azimuth), Y: c.Target[1] + c.Distance*math.Sin(c.Azimuth), Z: c.Height}
	if c.Motion == Orbit || c.Motion == Dolly {
		pos = r3.Vec{X: c.Target[0] + dist*math.Cos(az), Y: c.Target[1] + dist*math.Sin(az), Z: c.Height}
		if c.Motion == Dolly { // keep the initial view direction
			tgt = r3.Add(tgt, r3.Sub(pos, r3.Vec{X: c.Target[0] + c.Distance*math.Cos(c.Azimuth), Y: c.Target[1] + c.Distance*math.Sin(c.Azimuth), Z: c.Height}))
		}
	}
	fwd := r3.Sub(tgt, pos)
	if yaw != 0 {
		fwd = geom.AxisAngle(r3.Vec{Z: 1}, yaw).MulVec(fwd)
	}
	R := lookAt(fwd)
	if c.Shake > 0 {
		var s [6]float64
		for a := range 6 {
			for k, ph := range c.Phases[a] {
				f := 0.35 + 0.45*float64(k) // Hz
				s[a] += math.Sin(2*math.Pi*f*t+ph) / 3
			}
		}
		pos = r3.Add(pos, r3.Scale(c.Shake, r3.Vec{X: s[0], Y: s[1], Z: s[2]}))
		R = R.Mul(geom.FromRotationVector(r3.Scale(4*c.Shake, r3.Vec{X: s[3], Y: s[4], Z: s[5]})))
	}
	return geom.Rigid{R: R, T: pos}
}

// lookAt returns the camera-to-world rotation of an OpenCV camera looking along fwd with the
// world's z up: columns right, down, forward.
func lookAt(fwd r3.Vec) geom.Mat3 {
	z := r3.Unit(fwd)
	x := r3.Unit(r3.Cross(z, r3.Vec{Z: 1}))
	y := r3.Cross(z, x)
	return geom.Mat3{{x.X, y.X, z.X}, {x.Y, y.Y, z.Y}, {x.Z, y.Z, z.Z}}
}

// UnmarshalText reads a camera motion's name.
func (m *CameraMotion) UnmarshalText(b []byte) error {
	i, err := lookup("camera motion", cameraNames[:], string(b))
	*m = CameraMotion(i)
	return err
}
