package synth

import (
	"math"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/dsr4d/dsr4d/geom"
)

// agentBase is Rz(270)·Rx(90), the fixed left factor of geom.AgentRotation.
var agentBase = geom.Rz(270).Mul(geom.Rx(90))

// Angles returns the Orient Anything angles in degrees — azimuth in [0, 360), polar and
// rotation in [−90, 90] — of an agent whose facing (viewer x) and up (viewer z) directions in
// camera coordinates are f and u (unit and orthogonal), in the DSR reference's convention:
// geom.AgentRotation(azimuth, polar, rotation) has rows f, u × f, u, so geom.Facing gives f back.
//
// It solves Ry(az)·Rx(po)·Rz(ro) = (Rz(270)·Rx(90))ᵀ·M for M with those rows; with the
// reference's matrices the product is
//
//	[[ca·cc − sa·sb·sc,  ca·sc + sa·sb·cc,  −sa·cb],
//	 [−cb·sc,            cb·cc,             sb    ],
//	 [sa·cc + ca·sb·sc,  sa·sc − ca·sb·cc,  ca·cb ]]
//
// (a = az, b = po, c = ro), so po = asin(P₁₂), ro = atan2(−P₁₀, P₁₁), az = atan2(−P₀₂, P₂₂).
// ok is false when the rotation falls outside [−90, 90) (an agent rolled more than 90° against
// the camera), which the reference's range cannot express.
func Angles(f, u r3.Vec) (az, po, ro float64, ok bool) {
	l := r3.Cross(u, f)
	m := geom.Mat3{{f.X, f.Y, f.Z}, {l.X, l.Y, l.Z}, {u.X, u.Y, u.Z}}
	p := agentBase.T().Mul(m)
	deg := 180 / math.Pi
	po = math.Asin(max(-1, min(1, p[1][2]))) * deg
	ro = math.Atan2(-p[1][0], p[1][1]) * deg
	az = math.Atan2(-p[0][2], p[2][2]) * deg
	az = wrap360(az)
	return az, po, ro, ro >= -90 && ro < 90 && po < 90
}

// wrap360 maps degrees into [0, 360).
func wrap360(a float64) float64 {
	a = math.Mod(a, 360)
	if a < 0 {
		a += 360
	}
	if a >= 360 {
		a = 0
	}
	return a
}

// clampHalf clamps degrees into [−90, 90).
func clampHalf(a float64) float64 { return max(-90, min(a, math.Nextafter(90, 0))) }
