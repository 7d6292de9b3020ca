package geom

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/spatial/r3"
)

// Umeyama returns the similarity s minimising Σ|dst_i − s(src_i)|² (Umeyama 1991). With
// withScale false the scale is fixed at 1 (a rigid fit, Kabsch). It needs at least three
// point pairs that are not all collinear for a unique rotation; it returns an error when the
// lengths differ, fewer than 3 pairs are given, a coordinate is not finite, or the source
// points are all equal.
func Umeyama(src, dst []r3.Vec, withScale bool) (Sim, error) {
	if len(src) != len(dst) {
		return Sim{}, fmt.Errorf("geom: Umeyama: %d source points, %d target points", len(src), len(dst))
	}
	n := len(src)
	if n < 3 {
		return Sim{}, fmt.Errorf("geom: Umeyama: %d point pairs, want at least 3: %w", n, ErrTooFewPoints)
	}
	var ms, md r3.Vec
	for i := range n {
		for _, v := range []float64{src[i].X, src[i].Y, src[i].Z, dst[i].X, dst[i].Y, dst[i].Z} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return Sim{}, fmt.Errorf("geom: Umeyama: point pair %d is not finite", i)
			}
		}
		ms = r3.Add(ms, src[i])
		md = r3.Add(md, dst[i])
	}
	ms = r3.Scale(1/float64(n), ms)
	md = r3.Scale(1/float64(n), md)
	var varS float64
	cov := mat.NewDense(3, 3, nil)
	for i := range n {
		a := r3.Sub(src[i], ms)
		b := r3.Sub(dst[i], md)
		varS += r3.Norm2(a)
		av := [3]float64{a.X, a.Y, a.Z}
		bv := [3]float64{b.X, b.Y, b.Z}
		for r := range 3 {
			for c := range 3 {
				cov.Set(r, c, cov.At(r, c)+bv[r]*av[c])
			}
		}
	}
	varS /= float64(n)
	if varS == 0 {
		return Sim{}, fmt.Errorf("geom: Umeyama: all source points coincide: %w", ErrTooFewPoints)
	}
	cov.Scale(1/float64(n), cov)
	var svd mat.SVD
	if !svd.Factorize(cov, mat.SVDFull) {
		return Sim{}, fmt.Errorf("geom: Umeyama: SVD did not converge")
	}
	var u, v mat.Dense
	svd.UTo(&u)
	svd.VTo(&v)
	d := svd.Values(nil)
	sgn := []float64{1, 1, 1}
	if mat.Det(&u)*mat.Det(&v) < 0 {
		sgn[2] = -1
	}
	var us, r mat.Dense
	us.Mul(&u, mat.NewDiagDense(3, sgn))
	r.Mul(&us, v.T())
	rot := Mat3FromDense(&r)
	scale := 1.0
	if withScale {
		scale = (d[0]*sgn[0] + d[1]*sgn[1] + d[2]*sgn[2]) / varS
	}
	t := r3.Sub(md, r3.Scale(scale, rot.MulVec(ms)))
	return Sim{S: scale, R: rot, T: t}, nil
}
