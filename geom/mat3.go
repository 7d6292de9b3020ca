package geom

import (
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/spatial/r3"
)

// Mat3 is a 3×3 matrix in row-major order: m[i][j] is row i, column j.
type Mat3 [3][3]float64

// Identity3 returns the 3×3 identity matrix.
func Identity3() Mat3 {
	return Mat3{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}
}

// Mul returns the matrix product m·n.
func (m Mat3) Mul(n Mat3) Mat3 {
	var r Mat3
	for i := range 3 {
		for j := range 3 {
			r[i][j] = m[i][0]*n[0][j] + m[i][1]*n[1][j] + m[i][2]*n[2][j]
		}
	}
	return r
}

// MulVec returns m·p.
func (m Mat3) MulVec(p r3.Vec) r3.Vec {
	return r3.Vec{
		X: m[0][0]*p.X + m[0][1]*p.Y + m[0][2]*p.Z,
		Y: m[1][0]*p.X + m[1][1]*p.Y + m[1][2]*p.Z,
		Z: m[2][0]*p.X + m[2][1]*p.Y + m[2][2]*p.Z,
	}
}

// T returns the transpose of m. For a rotation it is the inverse.
func (m Mat3) T() Mat3 {
	return Mat3{
		{m[0][0], m[1][0], m[2][0]},
		{m[0][1], m[1][1], m[2][1]},
		{m[0][2], m[1][2], m[2][2]},
	}
}

// Det returns the determinant of m.
func (m Mat3) Det() float64 {
	return m[0][0]*(m[1][1]*m[2][2]-m[1][2]*m[2][1]) -
		m[0][1]*(m[1][0]*m[2][2]-m[1][2]*m[2][0]) +
		m[0][2]*(m[1][0]*m[2][1]-m[1][1]*m[2][0])
}

// Scale returns f·m.
func (m Mat3) Scale(f float64) Mat3 {
	for i := range 3 {
		for j := range 3 {
			m[i][j] *= f
		}
	}
	return m
}

// Inverse returns m⁻¹ and false when m is singular (|det| ≤ 1e-300 or not finite).
func (m Mat3) Inverse() (Mat3, bool) {
	d := m.Det()
	if math.Abs(d) <= 1e-300 || math.IsNaN(d) || math.IsInf(d, 0) {
		return Mat3{}, false
	}
	var r Mat3
	r[0][0] = (m[1][1]*m[2][2] - m[1][2]*m[2][1]) / d
	r[0][1] = (m[0][2]*m[2][1] - m[0][1]*m[2][2]) / d
	r[0][2] = (m[0][1]*m[1][2] - m[0][2]*m[1][1]) / d
	r[1][0] = (m[1][2]*m[2][0] - m[1][0]*m[2][2]) / d
	r[1][1] = (m[0][0]*m[2][2] - m[0][2]*m[2][0]) / d
	r[1][2] = (m[0][2]*m[1][0] - m[0][0]*m[1][2]) / d
	r[2][0] = (m[1][0]*m[2][1] - m[1][1]*m[2][0]) / d
	r[2][1] = (m[0][1]*m[2][0] - m[0][0]*m[2][1]) / d
	r[2][2] = (m[0][0]*m[1][1] - m[0][1]*m[1][0]) / d
	return r, true
}

// Row returns row i of m as a vector.
func (m Mat3) Row(i int) r3.Vec { return r3.Vec{X: m[i][0], Y: m[i][1], Z: m[i][2]} }

// Col returns column j of m as a vector.
func (m Mat3) Col(j int) r3.Vec { return r3.Vec{X: m[0][j], Y: m[1][j], Z: m[2][j]} }

// Dense returns m as a new gonum dense matrix.
func (m Mat3) Dense() *mat.Dense {
	return mat.NewDense(3, 3, []float64{
		m[0][0], m[0][1], m[0][2],
		m[1][0], m[1][1], m[1][2],
		m[2][0], m[2][1], m[2][2],
	})
}

// Mat3FromDense copies a 3×3 gonum matrix. It panics if a is not 3×3.
func Mat3FromDense(a mat.Matrix) Mat3 {
	r, c := a.Dims()
	if r != 3 || c != 3 {
		panic(mat.ErrShape)
	}
	var m Mat3
	for i := range 3 {
		for j := range 3 {
			m[i][j] = a.At(i, j)
		}
	}
	return m
}

// OrthonormalityError returns max |(mᵀm − I)ᵢⱼ|, the largest deviation of m from having
// orthonormal columns. It is 0 for an exact rotation and NaN if m holds a NaN.
func (m Mat3) OrthonormalityError() float64 {
	g := m.T().Mul(m)
	var e float64
	for i := range 3 {
		for j := range 3 {
			want := 0.0
			if i == j {
				want = 1
			}
			d := math.Abs(g[i][j] - want)
			if d > e || math.IsNaN(d) {
				e = d
			}
		}
	}
	return e
}

// IsRotation reports whether m is a proper rotation within tol: all entries finite,
// mᵀm = I within tol per entry, and |det m − 1| ≤ tol.
func (m Mat3) IsRotation(tol float64) bool {
	for i := range 3 {
		for j := range 3 {
			if math.IsNaN(m[i][j]) || math.IsInf(m[i][j], 0) {
				return false
			}
		}
	}
	return m.OrthonormalityError() <= tol && math.Abs(m.Det()-1) <= tol
}

// NearestRotation returns the rotation closest to m in the Frobenius norm (the orthogonal
// polar factor, computed by SVD, with the sign of the last singular direction flipped when
// needed so that the determinant is +1). It returns false if the SVD fails.
func NearestRotation(m Mat3) (Mat3, bool) {
	var svd mat.SVD
	if !svd.Factorize(m.Dense(), mat.SVDFull) {
		return Mat3{}, false
	}
	var u, v mat.Dense
	svd.UTo(&u)
	svd.VTo(&v)
	var r mat.Dense
	r.Mul(&u, v.T())
	if mat.Det(&r) < 0 {
		d := mat.NewDiagDense(3, []float64{1, 1, -1})
		var ud mat.Dense
		ud.Mul(&u, d)
		r.Mul(&ud, v.T())
	}
	return Mat3FromDense(&r), true
}
