package geom

import (
	"math"

	"gonum.org/v1/gonum/spatial/r3"
)

// sincosDeg returns sin and cos of a degrees, exact at multiples of 90° so that Rx(90) and
// Rz(270) hold exact zeros and ones, as numpy's float64 results do to within 1e-16.
func sincosDeg(a float64) (s, c float64) {
	if r := math.Mod(a, 90); r == 0 && !math.IsInf(a, 0) {
		switch k := int(math.Mod(a/90, 4)); (k + 4) % 4 {
		case 0:
			return 0, 1
		case 1:
			return 1, 0
		case 2:
			return 0, -1
		default:
			return -1, 0
		}
	}
	return math.Sincos(a * math.Pi / 180)
}

// Rx returns the DSR reference's rotation_matrix_x for a degrees:
//
//	[[1, 0, 0], [0, cos a, sin a], [0, −sin a, cos a]]
//
// It is the transpose of the usual active rotation about x: it rotates vectors by −a.
// Multiples of 90° give exact zeros and ones (numpy gives 6e-17 instead of 0).
func Rx(a float64) Mat3 {
	s, c := sincosDeg(a)
	return Mat3{{1, 0, 0}, {0, c, s}, {0, -s, c}}
}

// Ry returns the DSR reference's rotation_matrix_y for a degrees:
//
//	[[cos a, 0, −sin a], [0, 1, 0], [sin a, 0, cos a]]
func Ry(a float64) Mat3 {
	s, c := sincosDeg(a)
	return Mat3{{c, 0, -s}, {0, 1, 0}, {s, 0, c}}
}

// Rz returns the DSR reference's rotation_matrix_z for a degrees:
//
//	[[cos a, sin a, 0], [−sin a, cos a, 0], [0, 0, 1]]
func Rz(a float64) Mat3 {
	s, c := sincosDeg(a)
	return Mat3{{c, s, 0}, {-s, c, 0}, {0, 0, 1}}
}

// AxisAngle returns the active rotation by angle radians about axis (right-hand rule),
// by Rodrigues' formula. The axis need not be unit; a zero axis gives the identity.
func AxisAngle(axis r3.Vec, angle float64) Mat3 {
	n := r3.Norm(axis)
	if n == 0 {
		return Identity3()
	}
	k := r3.Scale(1/n, axis)
	s, c := math.Sincos(angle)
	t := 1 - c
	return Mat3{
		{c + k.X*k.X*t, k.X*k.Y*t - k.Z*s, k.X*k.Z*t + k.Y*s},
		{k.Y*k.X*t + k.Z*s, c + k.Y*k.Y*t, k.Y*k.Z*t - k.X*s},
		{k.Z*k.X*t - k.Y*s, k.Z*k.Y*t + k.X*s, c + k.Z*k.Z*t},
	}
}

// RotationVector returns the rotation vector (axis·angle, angle in radians in [0, π]) of the
// rotation m, via its quaternion so that angles near 0 and π stay accurate.
func RotationVector(m Mat3) r3.Vec {
	axis, angle := ToAxisAngle(m)
	return r3.Scale(angle, axis)
}

// ToAxisAngle returns the unit axis and angle in [0, π] radians of the rotation m. For the
// identity the axis is (1, 0, 0) and the angle 0. m should be a rotation (see
// [Mat3.IsRotation]); other matrices give the axis-angle of their nearest quaternion.
func ToAxisAngle(m Mat3) (axis r3.Vec, angle float64) {
	q := QuatFromMat(m)
	v := r3.Vec{X: q.Imag, Y: q.Jmag, Z: q.Kmag}
	s := r3.Norm(v)
	if s < 1e-300 {
		return r3.Vec{X: 1}, 0
	}
	return r3.Scale(1/s, v), 2 * math.Atan2(s, q.Real)
}

// FromRotationVector returns the rotation for a rotation vector (axis·angle, radians).
func FromRotationVector(v r3.Vec) Mat3 {
	return AxisAngle(v, r3.Norm(v))
}

// RotationAngle returns the angle in radians, in [0, π], of the rotation m.
func RotationAngle(m Mat3) float64 {
	_, a := ToAxisAngle(m)
	return a
}
