package geom

import "gonum.org/v1/gonum/spatial/r3"

// CameraViewer maps an OpenCV camera-frame point to the camera's viewer axes (x forward,
// y left, z up): S(p) = (p.z, −p.x, −p.y). It is the reference's camera_self_coord_trans.
func CameraViewer(p r3.Vec) r3.Vec { return r3.Vec{X: p.Z, Y: -p.X, Z: -p.Y} }

// CameraViewerInverse is the inverse of [CameraViewer]: (x, y, z) ↦ (−y, −z, x).
func CameraViewerInverse(q r3.Vec) r3.Vec { return r3.Vec{X: -q.Y, Y: -q.Z, Z: q.X} }

// CameraViewerMat is [CameraViewer] as a rotation matrix.
var CameraViewerMat = Mat3{{0, 0, 1}, {-1, 0, 0}, {0, -1, 0}}

// AgentRotation returns the rotation from camera axes to an agent's viewer axes for the
// Orient Anything angles in degrees:
//
//	Rz(270)·Rx(90)·Ry(azimuth)·Rx(polar)·Rz(rotation)
//
// with the reference's [Rx], [Ry], [Rz] (the reference's rotate_point_cloud called as
// rotate_point_cloud(p, polar, azimuth, rotation)).
func AgentRotation(azimuth, polar, rotation float64) Mat3 {
	return Rz(270).Mul(Rx(90)).Mul(Ry(azimuth)).Mul(Rx(polar)).Mul(Rz(rotation))
}

// AgentFrame is an agent's viewer frame (x forward, y left, z up) at one frame: its
// rotation from camera axes and its centre C in camera coordinates.
type AgentFrame struct {
	R Mat3
	C r3.Vec
}

// NewAgentFrame returns the agent frame for the angles (degrees) and centre c (camera
// coordinates).
func NewAgentFrame(azimuth, polar, rotation float64, c r3.Vec) AgentFrame {
	return AgentFrame{R: AgentRotation(azimuth, polar, rotation), C: c}
}

// ToAgent maps a camera-frame point into the agent's viewer frame: A(p) = R·(p − C)
// (the reference's camera_agent_coord_trans, without its in-place mutation of p).
func (a AgentFrame) ToAgent(p r3.Vec) r3.Vec { return a.R.MulVec(r3.Sub(p, a.C)) }

// FromAgent maps an agent-frame point back to camera coordinates: Rᵀ·q + C (the reference's
// agent_camera_coord_trans).
func (a AgentFrame) FromAgent(q r3.Vec) r3.Vec { return r3.Add(a.R.T().MulVec(q), a.C) }

// Facing returns the agent's facing direction (its viewer x axis) in camera coordinates:
// Rᵀ·(1, 0, 0), a unit vector.
func (a AgentFrame) Facing() r3.Vec { return a.R.Row(0) }

// Facing returns the facing direction in camera coordinates for the angles in degrees.
func Facing(azimuth, polar, rotation float64) r3.Vec {
	return AgentRotation(azimuth, polar, rotation).Row(0)
}
