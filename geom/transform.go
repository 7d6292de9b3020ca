package geom

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/spatial/r3"
)

// Rigid is a rigid transform p ↦ R·p + T. As a camera pose it maps camera coordinates to
// world coordinates (R is the camera's orientation in the world, T its centre).
// The zero value is not a valid transform; use [IdentityRigid].
type Rigid struct {
	R Mat3
	T r3.Vec
}

// IdentityRigid returns the identity transform.
func IdentityRigid() Rigid { return Rigid{R: Identity3()} }

// Apply returns R·p + T.
func (g Rigid) Apply(p r3.Vec) r3.Vec { return r3.Add(g.R.MulVec(p), g.T) }

// ApplyVec returns R·v, the transform of a direction (no translation).
func (g Rigid) ApplyVec(v r3.Vec) r3.Vec { return g.R.MulVec(v) }

// Compose returns g∘h, the transform that applies h first and then g:
// (g∘h)(p) = g(h(p)).
func (g Rigid) Compose(h Rigid) Rigid {
	return Rigid{R: g.R.Mul(h.R), T: r3.Add(g.R.MulVec(h.T), g.T)}
}

// Inverse returns g⁻¹ assuming R is a rotation: (Rᵀ, −Rᵀ·T).
func (g Rigid) Inverse() Rigid {
	rt := g.R.T()
	return Rigid{R: rt, T: r3.Scale(-1, rt.MulVec(g.T))}
}

// RelativeTo returns the transform that moves points from the camera frame of pose g into
// the camera frame of pose ref (both camera-to-world): ref⁻¹∘g, i.e.
// p ↦ R_ref⁻¹·(R_g·p + T_g − T_ref), the reference's camera_mutual_coordinate_transform.
func (g Rigid) RelativeTo(ref Rigid) Rigid { return ref.Inverse().Compose(g) }

// Matrix returns the 4×4 homogeneous matrix of g in row-major order.
func (g Rigid) Matrix() [16]float64 {
	return [16]float64{
		g.R[0][0], g.R[0][1], g.R[0][2], g.T.X,
		g.R[1][0], g.R[1][1], g.R[1][2], g.T.Y,
		g.R[2][0], g.R[2][1], g.R[2][2], g.T.Z,
		0, 0, 0, 1,
	}
}

// Matrix34 returns the top 3×4 block [R | T] in row-major order (the KITTI layout).
func (g Rigid) Matrix34() [12]float64 {
	m := g.Matrix()
	var r [12]float64
	copy(r[:], m[:12])
	return r
}

// RigidFromMatrix reads a row-major 4×4 (len 16) or 3×4 (len 12) matrix. It does not check
// that the rotation block is a rotation; see [CheckPose].
func RigidFromMatrix(m []float64) (Rigid, error) {
	if len(m) != 16 && len(m) != 12 {
		return Rigid{}, fmt.Errorf("geom: pose matrix has %d values, want 12 (3×4) or 16 (4×4)", len(m))
	}
	var g Rigid
	for i := range 3 {
		for j := range 3 {
			g.R[i][j] = m[4*i+j]
		}
	}
	g.T = r3.Vec{X: m[3], Y: m[7], Z: m[11]}
	return g, nil
}

// CheckPose reports why a row-major 4×4 (or 3×4) matrix is not a rigid pose: a NaN or Inf
// entry, a bottom row other than (0, 0, 0, 1) beyond tol, or a rotation block that is not
// orthonormal with determinant +1 within tol. It returns nil for a valid pose.
func CheckPose(m []float64, tol float64) error {
	if len(m) != 16 && len(m) != 12 {
		return fmt.Errorf("pose has %d values, want 12 or 16", len(m))
	}
	for i, v := range m {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("entry [%d,%d] is %v", i/4, i%4, v)
		}
	}
	if len(m) == 16 {
		want := [4]float64{0, 0, 0, 1}
		for j := range 4 {
			if math.Abs(m[12+j]-want[j]) > tol {
				return fmt.Errorf("bottom row is %v, want [0 0 0 1]", m[12:16])
			}
		}
	}
	g, _ := RigidFromMatrix(m)
	if e := g.R.OrthonormalityError(); e > tol {
		return fmt.Errorf("rotation block is not orthonormal (max |RᵀR − I| = %.3g > %g)", e, tol)
	}
	if d := g.R.Det(); math.Abs(d-1) > tol {
		return fmt.Errorf("rotation block has determinant %.6g, want +1 (a reflection?)", d)
	}
	return nil
}

// Sim is a similarity transform p ↦ S·R·p + T with scale S > 0.
type Sim struct {
	S float64
	R Mat3
	T r3.Vec
}

// IdentitySim returns the identity similarity.
func IdentitySim() Sim { return Sim{S: 1, R: Identity3()} }

// Apply returns S·R·p + T.
func (s Sim) Apply(p r3.Vec) r3.Vec { return r3.Add(r3.Scale(s.S, s.R.MulVec(p)), s.T) }

// Compose returns s∘u (u first, then s).
func (s Sim) Compose(u Sim) Sim {
	return Sim{S: s.S * u.S, R: s.R.Mul(u.R), T: r3.Add(r3.Scale(s.S, s.R.MulVec(u.T)), s.T)}
}

// Inverse returns s⁻¹: scale 1/S, rotation Rᵀ, translation −Rᵀ·T/S.
func (s Sim) Inverse() Sim {
	rt := s.R.T()
	return Sim{S: 1 / s.S, R: rt, T: r3.Scale(-1/s.S, rt.MulVec(s.T))}
}

// ApplyPose maps a camera-to-world pose through s: the camera centre moves by s, its
// orientation turns by R, and its frame keeps unit scale.
func (s Sim) ApplyPose(g Rigid) Rigid {
	return Rigid{R: s.R.Mul(g.R), T: s.Apply(g.T)}
}

// Rigid returns the rigid part (R, T) of s, dropping the scale.
func (s Sim) Rigid() Rigid { return Rigid{R: s.R, T: s.T} }
