package robust

import (
	"math"
	"slices"

	"github.com/dsr4d/dsr4d/pipeline/scene"
	"gonum.org/v1/gonum/spatial/r3"
)

// erode shrinks a w×h mask by r pixels (a (2r+1)² square structuring element, separable: a
// row pass then a column pass); pixels outside the image count as outside the mask, so a
// mask cut by the image border loses its border row too. r ≤ 0 returns m.
func erode(m []bool, w, h, r int) []bool {
	if r <= 0 {
		return m
	}
	tmp := make([]bool, len(m))
	for y := range h {
		run := 0 // consecutive mask pixels ending at x
		row := m[y*w : (y+1)*w]
		for x := range w {
			if row[x] {
				run++
			} else {
				run = 0
			}
			// tmp at x−r is inside when the run covers x−2r..x.
			if c := x - r; c >= 0 {
				tmp[y*w+c] = run >= 2*r+1
			}
		}
		for c := max(w-r, 0); c < w; c++ {
			tmp[y*w+c] = false
		}
	}
	out := make([]bool, len(m))
	for x := range w {
		run := 0
		for y := range h {
			if tmp[y*w+x] {
				run++
			} else {
				run = 0
			}
			if c := y - r; c >= 0 {
				out[c*w+x] = run >= 2*r+1
			}
		}
	}
	return out
}

// sample is one object's measurement at one frame.
type sample struct {
	C      r3.Vec   // centre estimate, camera coordinates
	Pixels int      // mask pixels with a valid point (the reference's count; 0: not visible)
	Used   int      // points the estimate used
	Cloud  []r3.Vec // at most maxCloud of them, camera coordinates (for registration)
	Extent float64  // apparent half-width: median distance of the points from their mean across the ray
}

// measure estimates object id's centre at frame i from its valid points under its mask
// (eroded by opt.Erode mask pixels when that leaves points; the reference's mask otherwise),
// with valid from scene.ValidMask. See Options for the statistics.
func measure(s *scene.Scene, id, i int, valid []bool, up r3.Vec, opt Options) sample {
	m := s.Mask(id, i)
	if m == nil {
		return sample{}
	}
	w, h := s.ImageSize[0], s.ImageSize[1]
	var sm sample
	sm.Pixels, _ = s.VisiblePixels(id, i, valid)
	if sm.Pixels == 0 {
		return sm
	}
	pts := collect(s, m, i, valid)
	if opt.Erode > 0 {
		if e := collect(s, erode(m, w, h, opt.Erode), i, valid); len(e) >= minPoints {
			pts = e
		}
	}
	if opt.Trim > 0 {
		pts = trimDepth(pts, opt.Trim)
	}
	sm.Used = len(pts)
	if opt.Register {
		sm.Cloud = thin(pts)
	}
	sm.C = centre(pts, opt.Centre, up)
	sm.Extent = halfWidth(pts, mean(pts), up)
	return sm
}

// minPoints is the fewest eroded points an estimate is made from; fewer fall back to the
// whole mask (a thin or far object that erosion would wipe out).
const minPoints = 8

// collect returns the valid local points under mask m at frame i, the point map sampled as
// scene.VisiblePixels does but each point-map pixel taken once (from the first mask row and
// column that sample it) rather than once per mask pixel: the same points at a fraction of
// the cost when the masks are finer than the point map.
func collect(s *scene.Scene, m []bool, i int, valid []bool) []r3.Vec {
	w, h := s.ImageSize[0], s.ImageSize[1]
	pix := s.PointMap(i).Pix
	cols := make([]int, w)
	for x := range w {
		cols[x] = scene.NearestSrc(x, s.W, w)
	}
	var out []r3.Vec
	prevY := -1
	for y := range h {
		sy := scene.NearestSrc(y, s.H, h)
		if sy == prevY {
			continue
		}
		prevY = sy
		for x, in := range m[y*w : (y+1)*w] {
			if !in || (x > 0 && cols[x] == cols[x-1]) {
				continue
			}
			k := sy*s.W + cols[x]
			if !valid[k] {
				continue
			}
			p := r3.Vec{X: float64(pix[3*k]), Y: float64(pix[3*k+1]), Z: float64(pix[3*k+2])}
			if finite(p) {
				out = append(out, p)
			}
		}
	}
	return out
}

// trimDepth drops points whose depth (distance from the camera) is more than k median
// absolute deviations from the median depth: background seen through a dilated mask and
// occluders in front of the object. The MAD is floored at 1% of the median depth so a flat
// face keeps its points.
func trimDepth(p []r3.Vec, k float64) []r3.Vec {
	if len(p) < minPoints {
		return p
	}
	d := make([]float64, len(p))
	for i, v := range p {
		d[i] = r3.Norm(v)
	}
	med := median(append([]float64(nil), d...))
	dev := make([]float64, len(d))
	for i, v := range d {
		dev[i] = math.Abs(v - med)
	}
	mad := max(median(dev), 0.01*med)
	var out []r3.Vec
	for i, v := range p {
		if math.Abs(d[i]-med) <= k*mad {
			out = append(out, v)
		}
	}
	if len(out) < minPoints {
		return p
	}
	return out
}

// Centre statistics (Options.Centre).
const (
	// Mean is the reference's statistic: the mean of the visible surface points.
	Mean = "mean"
	// Median is the coordinate-wise median of the visible surface points.
	Median = "median"
	// Solid is the mean of the visible surface points moved away from the camera along the
	// viewing ray by solidDepth times the object's apparent horizontal half-width
	// (halfWidth): the visible surface is the object's near half, so its mean sits in front
	// of the volume centroid.
	Solid = "solid"
)

func centre(p []r3.Vec, stat string, up r3.Vec) r3.Vec {
	var c r3.Vec
	for _, v := range p {
		c = r3.Add(c, v)
	}
	c = r3.Scale(1/float64(len(p)), c)
	switch stat {
	case Median:
		return medianPoint(p)
	case Solid:
		u := r3.Unit(c)
		if !finite(u) {
			return c
		}
		return r3.Add(c, r3.Scale(solidDepth*halfWidth(p, c, up), u))
	}
	return c
}

// halfWidth is the object's apparent horizontal half-width: how far its points p reach from
// c across the viewing ray through c and across up (the world's up in camera coordinates;
// zero: any direction across the ray), as the 90th percentile of those distances over 0.9
// (points spread evenly over a width reach that far). Objects stand upright and turn about
// the vertical, so their depth goes with their horizontal size, not their height: a tall tree
// or a standing person is as deep as it is wide.
func halfWidth(p []r3.Vec, c, up r3.Vec) float64 {
	u := r3.Unit(c)
	if !finite(u) || len(p) == 0 {
		return 0
	}
	h := r3.Cross(u, up)
	horizontal := r3.Norm(h) > 0.1
	h = r3.Unit(h)
	d := make([]float64, len(p))
	for i, v := range p {
		q := r3.Sub(v, c)
		if horizontal {
			d[i] = math.Abs(r3.Dot(q, h))
		} else {
			d[i] = r3.Norm(r3.Sub(q, r3.Scale(r3.Dot(q, u), u)))
		}
	}
	slices.Sort(d)
	return d[int(0.9*float64(len(d)-1))] / 0.9
}

// solidDepth is how far behind its visible surface's mean an object's centre lies, in
// half-widths: 2/3 for a sphere and π/4 for an upright cylinder seen evenly over their
// silhouettes, ½–1 for a box depending on the side seen.
const solidDepth = 0.75

// medianPoint is the coordinate-wise median of p.
func medianPoint(p []r3.Vec) r3.Vec {
	xs, ys, zs := make([]float64, len(p)), make([]float64, len(p)), make([]float64, len(p))
	for i, v := range p {
		xs[i], ys[i], zs[i] = v.X, v.Y, v.Z
	}
	return r3.Vec{X: median(xs), Y: median(ys), Z: median(zs)}
}

// median returns the median of v (reordering v); NaN when empty.
func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

func finite(v r3.Vec) bool {
	s := v.X + v.Y + v.Z
	return !math.IsNaN(s) && !math.IsInf(s, 0)
}
