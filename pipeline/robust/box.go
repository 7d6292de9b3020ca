package robust

import (
	"math"
	"slices"

	"github.com/dsr4d/dsr4d/geom"
	"gonum.org/v1/gonum/spatial/r3"
)

// Box faces (Options.Box). A box's registered track slides when ICP has little more than a
// wall to go by (a still car's registered centre moved 13–23 cm a step on a tuning scene),
// and registration fails outright for a big box turning in front of the camera with parts
// of it cut by the image border. Each frame's points alone fix a box's centre along each of
// its horizontal axes when they show one of these:
//   - a face the camera sees (the camera beyond the face's plane, and points on it): the
//     centre is half a side behind the face's plane, whatever part of the face is cut off;
//   - a side seen whole (the points span the side): its middle.
// The half sides are the largest extents any frame shows. boxTrack re-measures a
// registered box this way (axes from its pose, refined on the frame's walls); boxFrames
// measures a box whose registration failed from each frame's footprint rectangle alone.

// box is an object's footprint rectangle in its model frame, and the middle and half of its
// height.
type box struct {
	r      rect
	zc, hz float64
}

// boxView is one frame's wall points seen along a box's two horizontal axes.
type boxView struct {
	ok          bool
	ax          [2]r3.Vec
	u           [2][]float64 // the points' coordinates along the axes from the origin, sorted
	lo, hi, cam [2]float64   // their robust ends, and the camera's coordinates
}

// newBoxView projects pts and the camera cam onto the axes ax from origin.
func newBoxView(pts []r3.Vec, ax [2]r3.Vec, origin, cam r3.Vec) boxView {
	v := boxView{ok: true, ax: ax}
	for a := range 2 {
		us := make([]float64, len(pts))
		for k, p := range pts {
			us[k] = r3.Dot(r3.Sub(p, origin), ax[a])
		}
		slices.Sort(us)
		v.u[a] = us
		v.lo[a], v.hi[a] = quantile(us, 0.005), quantile(us, 0.995)
		v.cam[a] = r3.Dot(r3.Sub(cam, origin), ax[a])
	}
	return v
}

// centre is the box centre's coordinate along axis a when its half side there is h (see
// above); false when the view fixes neither a face nor the side.
func (v boxView) centre(a int, h float64) (float64, bool) {
	tol := max(0.01, 0.02*h)
	share := func(from, to float64) float64 {
		l, _ := slices.BinarySearch(v.u[a], from)
		r, _ := slices.BinarySearch(v.u[a], to)
		return float64(r-l) / float64(len(v.u[a]))
	}
	switch {
	case v.cam[a] > v.hi[a]+tol && share(v.hi[a]-tol, math.Inf(1)) >= faceShare:
		return v.hi[a] - h, true
	case v.cam[a] < v.lo[a]-tol && share(math.Inf(-1), v.lo[a]+tol) >= faceShare:
		return v.lo[a] + h, true
	case v.hi[a]-v.lo[a] >= 2*wholeSide*h:
		return (v.lo[a] + v.hi[a]) / 2, true
	}
	return 0, false
}

const (
	faceShare = 0.1 // a face is seen when this share of the points lies on its plane
	wholeSide = 0.9 // a side is seen whole when the points span this share of it
)

// wallPoints are the cloud's points within the wall band of the height zc ± hz.
func wallPoints(cloud []r3.Vec, zc, hz float64) (pts []r3.Vec, foot [][2]float64) {
	for _, p := range cloud {
		if math.Abs(p.Z-zc) <= wallBand*hz {
			pts = append(pts, p)
			foot = append(foot, [2]float64{p.X, p.Y})
		}
	}
	return pts, foot
}

// halfSides are the largest half extents along each axis that the views show, and whether
// each is observed (a side no frame shows, as for a box seen from one face only, is not).
func halfSides(views []boxView) (half [2]float64, seen [2]bool) {
	for _, v := range views {
		if v.ok {
			for a := range 2 {
				half[a] = max(half[a], (v.hi[a]-v.lo[a])/2)
			}
		}
	}
	long := max(half[0], half[1])
	for a := range 2 {
		seen[a] = half[a] >= max(0.025, flatShare*long)
	}
	return half, seen
}

// boxTrack re-measures the registered track reg of a box b (model-frame poses, world-frame
// clouds, camera positions cams). Along a side no frame shows, the faces give the motion
// but not the centre: their offsets are taken about their median, keeping reg's mean.
func boxTrack(reg track, clouds [][]r3.Vec, poses []geom.Rigid, b box, cams []r3.Vec) (track, bool) {
	views := make([]boxView, len(reg.P))
	for i := range reg.P {
		if !reg.OK[i] {
			continue
		}
		pts, foot := wallPoints(clouds[i], b.zc, b.hz)
		if len(pts) < minShape {
			continue
		}
		var ax [2]r3.Vec
		for a := range 2 {
			ax[a] = poses[i].R.MulVec(r3.Vec{X: b.r.axis[a][0], Y: b.r.axis[a][1]})
		}
		// The pose's yaw, refined on the frame's own walls.
		_, _, fr := boundingRect(foot)
		d := math.Remainder(math.Atan2(fr.axis[0][1], fr.axis[0][0])-math.Atan2(ax[0].Y, ax[0].X), math.Pi/2)
		if math.Abs(d) < maxYawFix {
			rot := geom.AxisAngle(r3.Vec{Z: 1}, d)
			ax = [2]r3.Vec{rot.MulVec(ax[0]), rot.MulVec(ax[1])}
		}
		views[i] = newBoxView(pts, ax, reg.P[i], cams[i])
	}
	half, seen := halfSides(views)
	offs := make([][2]float64, len(views))
	set := make([][2]bool, len(views))
	any := false
	for a := range 2 {
		var o []float64
		for i, v := range views {
			if v.ok {
				if offs[i][a], set[i][a] = v.centre(a, half[a]); set[i][a] {
					o, any = append(o, offs[i][a]), true
				}
			}
		}
		if !seen[a] && len(o) > 0 {
			m := median(o)
			for i := range offs {
				offs[i][a] -= m
			}
		}
	}
	out := track{P: slices.Clone(reg.P), OK: reg.OK, W: reg.W}
	for i, v := range views {
		for a := range 2 {
			if set[i][a] {
				out.P[i] = r3.Add(out.P[i], r3.Scale(offs[i][a], v.ax[a]))
			}
		}
	}
	return out, any
}

// maxYawFix bounds the per-frame refinement of a registered box's yaw.
const maxYawFix = 5 * math.Pi / 180

// boxFrames measures a box whose registration failed: each frame's footprint rectangle
// gives the axes (their order kept from frame to frame, as a box turns less than 45° between
// frames), the height comes from all frames' points, and along an axis where the view fixes
// nothing (or a side no frame shows) the measured centre's coordinate is kept.
func boxFrames(t track, clouds [][]r3.Vec, cams []r3.Vec) (track, bool) {
	var visible [][]r3.Vec
	n := 0
	for i, c := range clouds {
		if t.OK[i] {
			visible, n = append(visible, c), n+len(c)
		}
	}
	if n < minShape {
		return t, false
	}
	zc, hz := heightOf(visible...)
	views := make([]boxView, len(t.P))
	prev, have := 0.0, false
	for i := range t.P {
		if !t.OK[i] {
			continue
		}
		pts, foot := wallPoints(clouds[i], zc, hz)
		if len(pts) < minShape {
			continue
		}
		_, _, fr := boundingRect(foot)
		th := math.Atan2(fr.axis[0][1], fr.axis[0][0])
		if have {
			th = prev + math.Remainder(th-prev, math.Pi/2)
		}
		prev, have = th, true
		// Horizontal axes: heights drop out of the projections.
		ax := [2]r3.Vec{{X: math.Cos(th), Y: math.Sin(th)}, {X: -math.Sin(th), Y: math.Cos(th)}}
		views[i] = newBoxView(pts, ax, r3.Vec{}, cams[i])
	}
	half, seen := halfSides(views)
	out := track{P: slices.Clone(t.P), OK: t.OK, W: t.W}
	any := false
	for i, v := range views {
		if !v.ok {
			continue
		}
		c := r3.Vec{Z: zc}
		for a := range 2 {
			x := r3.Dot(t.P[i], v.ax[a])
			if seen[a] {
				if y, ok := v.centre(a, half[a]); ok {
					x, any = y, true
				}
			}
			c = r3.Add(c, r3.Scale(x, v.ax[a]))
		}
		out.P[i] = c
	}
	return out, any
}
