package geom

import (
	"math"

	"gonum.org/v1/gonum/num/quat"
)

// QuatFromMat returns the unit quaternion (Real ≥ 0) of the rotation m, by Shepperd's
// method (the largest of the four diagonal combinations is used as pivot, so every branch
// is well conditioned). The result is normalised; for a matrix that is not exactly a
// rotation it is the quaternion of a nearby rotation.
func QuatFromMat(m Mat3) quat.Number {
	tr := m[0][0] + m[1][1] + m[2][2]
	var q quat.Number
	switch {
	case tr >= m[0][0] && tr >= m[1][1] && tr >= m[2][2]:
		s := 2 * math.Sqrt(math.Max(1+tr, 0))
		q = quat.Number{Real: s / 4, Imag: (m[2][1] - m[1][2]) / s, Jmag: (m[0][2] - m[2][0]) / s, Kmag: (m[1][0] - m[0][1]) / s}
	case m[0][0] >= m[1][1] && m[0][0] >= m[2][2]:
		s := 2 * math.Sqrt(math.Max(1+m[0][0]-m[1][1]-m[2][2], 0))
		q = quat.Number{Real: (m[2][1] - m[1][2]) / s, Imag: s / 4, Jmag: (m[0][1] + m[1][0]) / s, Kmag: (m[0][2] + m[2][0]) / s}
	case m[1][1] >= m[2][2]:
		s := 2 * math.Sqrt(math.Max(1+m[1][1]-m[0][0]-m[2][2], 0))
		q = quat.Number{Real: (m[0][2] - m[2][0]) / s, Imag: (m[0][1] + m[1][0]) / s, Jmag: s / 4, Kmag: (m[1][2] + m[2][1]) / s}
	default:
		s := 2 * math.Sqrt(math.Max(1+m[2][2]-m[0][0]-m[1][1], 0))
		q = quat.Number{Real: (m[1][0] - m[0][1]) / s, Imag: (m[0][2] + m[2][0]) / s, Jmag: (m[1][2] + m[2][1]) / s, Kmag: s / 4}
	}
	return QuatNormalize(q)
}

// MatFromQuat returns the rotation matrix of q. q is normalised first; the zero quaternion
// gives the identity.
func MatFromQuat(q quat.Number) Mat3 {
	q = QuatNormalize(q)
	w, x, y, z := q.Real, q.Imag, q.Jmag, q.Kmag
	return Mat3{
		{1 - 2*(y*y+z*z), 2 * (x*y - w*z), 2 * (x*z + w*y)},
		{2 * (x*y + w*z), 1 - 2*(x*x+z*z), 2 * (y*z - w*x)},
		{2 * (x*z - w*y), 2 * (y*z + w*x), 1 - 2*(x*x+y*y)},
	}
}

// QuatNormalize returns q/|q| with Real ≥ 0 (q and −q are the same rotation). The zero
// quaternion, or one holding NaN or Inf, gives the identity quaternion (1, 0, 0, 0).
func QuatNormalize(q quat.Number) quat.Number {
	n := quat.Abs(q)
	if n == 0 || math.IsNaN(n) || math.IsInf(n, 0) {
		return quat.Number{Real: 1}
	}
	q = quat.Scale(1/n, q)
	if q.Real < 0 {
		q = quat.Scale(-1, q)
	}
	return q
}

// QuatFromXYZW builds a quaternion from scalar-last components (x, y, z, w), the order of
// TUM files and scipy.
func QuatFromXYZW(v [4]float64) quat.Number {
	return quat.Number{Real: v[3], Imag: v[0], Jmag: v[1], Kmag: v[2]}
}

// QuatToXYZW returns q's components in scalar-last order (x, y, z, w).
func QuatToXYZW(q quat.Number) [4]float64 {
	return [4]float64{q.Imag, q.Jmag, q.Kmag, q.Real}
}

// QuatFromWXYZ builds a quaternion from scalar-first components (w, x, y, z).
func QuatFromWXYZ(v [4]float64) quat.Number {
	return quat.Number{Real: v[0], Imag: v[1], Jmag: v[2], Kmag: v[3]}
}

// QuatToWXYZ returns q's components in scalar-first order (w, x, y, z).
func QuatToWXYZ(q quat.Number) [4]float64 {
	return [4]float64{q.Real, q.Imag, q.Jmag, q.Kmag}
}

// Slerp interpolates spherically between the rotations a and b: t = 0 gives a, t = 1 gives
// b, along the shorter arc. Both are normalised first; nearly equal rotations fall back to
// normalised linear interpolation.
func Slerp(a, b quat.Number, t float64) quat.Number {
	a, b = QuatNormalize(a), QuatNormalize(b)
	d := a.Real*b.Real + a.Imag*b.Imag + a.Jmag*b.Jmag + a.Kmag*b.Kmag
	if d < 0 {
		b, d = quat.Scale(-1, b), -d
	}
	if d > 0.9995 {
		return QuatNormalize(quat.Add(a, quat.Scale(t, quat.Sub(b, a))))
	}
	theta := math.Acos(math.Min(d, 1))
	s := math.Sin(theta)
	wa := math.Sin((1-t)*theta) / s
	wb := math.Sin(t*theta) / s
	return QuatNormalize(quat.Add(quat.Scale(wa, a), quat.Scale(wb, b)))
}
