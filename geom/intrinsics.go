package geom

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/spatial/r3"
)

// Intrinsics are pinhole camera intrinsics in pixels: u = Fx·x/z + Cx, v = Fy·y/z + Cy,
// with pixel centres at integer (u, v).
type Intrinsics struct {
	Fx, Fy, Cx, Cy float64
}

// Matrix returns K = [[Fx, 0, Cx], [0, Fy, Cy], [0, 0, 1]].
func (k Intrinsics) Matrix() Mat3 {
	return Mat3{{k.Fx, 0, k.Cx}, {0, k.Fy, k.Cy}, {0, 0, 1}}
}

// IntrinsicsFromMatrix reads K. It returns an error unless K has the pinhole form
// [[fx, 0, cx], [0, fy, cy], [0, 0, 1]] within 1e-6 (skew is not supported) with finite,
// positive focal lengths.
func IntrinsicsFromMatrix(m Mat3) (Intrinsics, error) {
	k := Intrinsics{Fx: m[0][0], Fy: m[1][1], Cx: m[0][2], Cy: m[1][2]}
	for _, v := range []float64{k.Fx, k.Fy, k.Cx, k.Cy} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return Intrinsics{}, fmt.Errorf("intrinsics %v: not finite", m)
		}
	}
	if k.Fx <= 0 || k.Fy <= 0 {
		return Intrinsics{}, fmt.Errorf("intrinsics %v: focal lengths must be positive", m)
	}
	const tol = 1e-6
	if math.Abs(m[0][1]) > tol*k.Fx || math.Abs(m[1][0]) > tol || math.Abs(m[2][0]) > tol ||
		math.Abs(m[2][1]) > tol || math.Abs(m[2][2]-1) > tol {
		return Intrinsics{}, fmt.Errorf("intrinsics %v: want [[fx,0,cx],[0,fy,cy],[0,0,1]]", m)
	}
	return k, nil
}

// Unproject returns the camera-frame point at pixel (u, v) with depth d (the z coordinate,
// not the ray length): ((u − Cx)·d/Fx, (v − Cy)·d/Fy, d).
func (k Intrinsics) Unproject(u, v, d float64) r3.Vec {
	return r3.Vec{X: (u - k.Cx) * d / k.Fx, Y: (v - k.Cy) * d / k.Fy, Z: d}
}

// Project returns the pixel of the camera-frame point p and whether p lies in front of the
// camera (p.z > 0).
func (k Intrinsics) Project(p r3.Vec) (u, v float64, ok bool) {
	if !(p.Z > 0) {
		return 0, 0, false
	}
	return k.Fx*p.X/p.Z + k.Cx, k.Fy*p.Y/p.Z + k.Cy, true
}

// PointMap is a per-pixel map of camera-frame points, row-major (C order) with three
// float32 per pixel: pixel (u, v) is Pix[3*(v*W+u) : 3*(v*W+u)+3].
type PointMap struct {
	Pix  []float32
	W, H int
}

// At returns the point at pixel (u, v).
func (m PointMap) At(u, v int) r3.Vec {
	i := 3 * (v*m.W + u)
	return r3.Vec{X: float64(m.Pix[i]), Y: float64(m.Pix[i+1]), Z: float64(m.Pix[i+2])}
}

// DepthMap is a per-pixel depth (z) map, row-major: pixel (u, v) is Pix[v*W+u].
type DepthMap struct {
	Pix  []float32
	W, H int
}

// UnprojectDepth writes the camera-frame point of every pixel of d into dst (len 3·W·H,
// allocated when nil) and returns it with the number of valid pixels. A pixel is valid when
// its depth is finite and > 0; invalid pixels get the point (0, 0, 0). Depth is the z
// coordinate, as in π³'s condition.npz (0 marks missing data).
func UnprojectDepth(d DepthMap, k Intrinsics, dst []float32) ([]float32, int) {
	n := d.W * d.H
	if len(d.Pix) != n {
		panic(fmt.Sprintf("geom: depth map has %d values, want %d×%d", len(d.Pix), d.W, d.H))
	}
	if dst == nil {
		dst = make([]float32, 3*n)
	} else if len(dst) != 3*n {
		panic(fmt.Sprintf("geom: UnprojectDepth dst has %d values, want %d", len(dst), 3*n))
	}
	valid := 0
	for v := range d.H {
		for u := range d.W {
			i := v*d.W + u
			z := float64(d.Pix[i])
			if !(z > 0) || math.IsInf(z, 0) {
				dst[3*i], dst[3*i+1], dst[3*i+2] = 0, 0, 0
				continue
			}
			p := k.Unproject(float64(u), float64(v), z)
			dst[3*i], dst[3*i+1], dst[3*i+2] = float32(p.X), float32(p.Y), float32(p.Z)
			valid++
		}
	}
	return dst, valid
}

// ErrTooFewPoints is returned when a fit has too few usable points.
var ErrTooFewPoints = errors.New("geom: too few usable points")

// EstimateIntrinsics fits pinhole intrinsics to a local point map, which π³ gives without
// a camera model: per axis, a least-squares line u = Fx·(x/z) + Cx over all pixels with
// finite z > 0 (and v = Fy·(y/z) + Cy likewise), as π³'s recover_intrinsic_from_rays_d.
// With centred, the principal point is fixed at ((W−1)/2, (H−1)/2) and only the focal
// lengths are fitted. It returns [ErrTooFewPoints] when fewer than 3 pixels are usable or
// the projections do not vary.
func EstimateIntrinsics(m PointMap, centred bool) (Intrinsics, error) {
	if len(m.Pix) != 3*m.W*m.H {
		panic(fmt.Sprintf("geom: point map has %d values, want 3×%d×%d", len(m.Pix), m.W, m.H))
	}
	var n, sx, sy, su, sv float64
	for v := range m.H {
		for u := range m.W {
			p := m.At(u, v)
			if !(p.Z > 0) || math.IsInf(p.Z, 0) || math.IsNaN(p.X) || math.IsNaN(p.Y) {
				continue
			}
			n++
			sx += p.X / p.Z
			sy += p.Y / p.Z
			su += float64(u)
			sv += float64(v)
		}
	}
	if n < 3 {
		return Intrinsics{}, ErrTooFewPoints
	}
	mx, my, mu, mv := sx/n, sy/n, su/n, sv/n
	if centred {
		mx, my = 0, 0
		mu, mv = float64(m.W-1)/2, float64(m.H-1)/2
	}
	var sxx, sxu, syy, syv float64
	for v := range m.H {
		for u := range m.W {
			p := m.At(u, v)
			if !(p.Z > 0) || math.IsInf(p.Z, 0) || math.IsNaN(p.X) || math.IsNaN(p.Y) {
				continue
			}
			x, y := p.X/p.Z-mx, p.Y/p.Z-my
			sxx += x * x
			sxu += x * (float64(u) - mu)
			syy += y * y
			syv += y * (float64(v) - mv)
		}
	}
	if sxx == 0 || syy == 0 {
		return Intrinsics{}, ErrTooFewPoints
	}
	fx, fy := sxu/sxx, syv/syy
	return Intrinsics{Fx: fx, Fy: fy, Cx: mu - fx*mx, Cy: mv - fy*my}, nil
}
