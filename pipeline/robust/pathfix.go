package robust

import (
	"math"

	"github.com/dsr4d/dsr4d/geom"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/spatial/r3"
)

// Camera path correction. A stored pose's error moves every object seen in that frame: a
// rotation error δ turns all their world positions about the camera by δ, a position error
// shifts them all alike. The objects' fitted tracks do not share a frame's error (they follow
// their neighbours), so in each frame the objects' residuals from their fits, measured minus
// fitted, are — beyond their own noise — one small rigid motion about the camera. Its
// maximum a-posteriori estimate (residuals weighted by each track's own robust scale, the
// motion by the path's noise from posenoise.go as a zero-mean prior, so a frame with one or
// two objects, or a path without noise, is corrected little or not at all) is taken out of
// the pose, and the cues are estimated again on the corrected path.

// correctedPath returns the corrected camera path and whether any frame was corrected.
func (e *Estimate) correctedPath() ([]geom.Rigid, bool) {
	if e.sigT == 0 && e.sigR == 0 {
		return nil, false
	}
	scale := make([]float64, len(e.meas))
	for k, t := range e.meas {
		r, n := medianOK(e.sigma[k], t.OK)
		if n == 0 {
			continue
		}
		scale[k] = max(1.4826*r, pathFloor)
	}
	out := make([]geom.Rigid, e.n)
	copy(out, e.poses)
	changed := false
	for i := range e.n {
		cam := e.poses[i].T
		ata := mat.NewSymDense(6, nil)
		atb := mat.NewVecDense(6, nil)
		used := 0
		for k, t := range e.meas {
			if !t.OK[i] || scale[k] == 0 {
				continue
			}
			d := r3.Sub(t.P[i], e.fitW[k][i])
			l := r3.Sub(t.P[i], cam)
			w := t.W[i] / (scale[k] * scale[k])
			// d ≈ ω × l + τ: rows of J = [−[l]×, I].
			j := [3][6]float64{
				{0, l.Z, -l.Y, 1, 0, 0},
				{-l.Z, 0, l.X, 0, 1, 0},
				{l.Y, -l.X, 0, 0, 0, 1},
			}
			dv := [3]float64{d.X, d.Y, d.Z}
			for r := range 3 {
				for p := range 6 {
					atb.SetVec(p, atb.AtVec(p)+w*j[r][p]*dv[r])
					for q := p; q < 6; q++ {
						ata.SetSym(p, q, ata.At(p, q)+w*j[r][p]*j[r][q])
					}
				}
			}
			used++
		}
		if used == 0 {
			continue
		}
		for p := range 3 {
			ata.SetSym(p, p, ata.At(p, p)+1/math.Max(e.sigR*e.sigR, 1e-12))
			ata.SetSym(p+3, p+3, ata.At(p+3, p+3)+1/math.Max(e.sigT*e.sigT, 1e-12))
		}
		var ch mat.Cholesky
		if !ch.Factorize(ata) {
			continue
		}
		var x mat.VecDense
		if ch.SolveVecTo(&x, atb) != nil {
			continue
		}
		omega := r3.Vec{X: x.AtVec(0), Y: x.AtVec(1), Z: x.AtVec(2)}
		tau := r3.Vec{X: x.AtVec(3), Y: x.AtVec(4), Z: x.AtVec(5)}
		// The error E(p) = R_ω(p − c) + c + τ; the corrected pose is E⁻¹ ∘ P.
		rt := geom.FromRotationVector(omega).T()
		out[i] = geom.Rigid{R: rt.Mul(e.poses[i].R), T: r3.Sub(cam, rt.MulVec(tau))}
		changed = true
	}
	return out, changed
}

// pathFloor (m) is the smallest robust scale of a track's residuals the correction trusts.
const pathFloor = 0.005
