package robust

import (
	"math"
	"slices"

	"github.com/dsr4d/dsr4d/geom"
	"gonum.org/v1/gonum/spatial/r3"
)

// Shape-aware centre (Options.Shape): every frame sees a different part of an object's
// surface, and a centre made from one view's surface (its mean pushed back by a guessed
// half-thickness) carries a bias that changes with the view. The frames' clouds mapped into
// the object frame by their poses add up to one model of the object, and the centre of the
// model's shape — the objects stand upright and are centrally symmetric — is the volume
// centroid, fixed in the object, which the poses then move.
//
// Poses: each frame's step from the previous one (trimmed ICP of the two clouds), then
// corrected by aligning the frame's cloud with the model of all earlier frames, so that a
// poor step (a partial view, an occluder passing) is not carried on as the chain's drift.
// Both fits are a rotation about the vertical and a horizontal translation: objects move
// upright on the ground, and a free fit would slide along a wall seen without its top or
// bottom. The model's frame is the world's at the first visible frame, so its z is up.
//
// Centre: vertically the middle of the model's height; horizontally the centre of the
// circle (round objects) or of the rectangle (boxes) fitted to the walls' footprint,
// whichever fits better — a circle only when its radius fits the footprint (an arc, not a
// straight wall). Along a rectangle side the model does not span (one face seen: the depth
// is not observed) the mean centre c₀'s coordinate is kept. A fit whose rms is above 15%
// of the object's size means the clouds did not register into one rigid shape (a turning
// object's views): then the mean centre with its drift correction (registered, dedrift).

const (
	modelMax  = 4000 // model points kept for the centre (evenly strided)
	zQuant    = 0.01 // robust ends of the model's height
	wallBand  = 0.6  // walls: points within this share of the half-height of the middle
	gridCell  = 0.1  // metres: nearest-neighbour grid cell of the model
	flatShare = 0.15 // a footprint rectangle half-side below this share of the other (or 2.5 cm): not observed
	flatNoise = 2    // nor one below this many times the walls' rms distance from the sides (a noisy face)
	minShape  = 30   // fewer model points: no shape
	arcRadius = 1.3  // a circle's radius at most this times the footprint's longer half-side
	misfit    = 0.15 // a fit's rms above this share of the object's size: not one rigid shape
	rectPts   = 1000 // footprint points scored per rectangle orientation
)

// shapeICP are the model tracking's ICP parameters: the clouds of consecutive frames, and a
// frame and the model, overlap nearly wholly, so nearly all pairs are kept (keeping 70%
// let a wall slide by 30% of its length).
var shapeICP = icpParams{keep: 0.9, iters: 30}

// shaped returns the track of the model's shape centre (see above); false when the model
// is too small or its shape cannot be told. With camera positions cams (Options.Box), a
// box's centres are re-measured from its faces (box.go) where that makes a steadier track.
func shaped(t track, clouds [][]r3.Vec, cams []r3.Vec) (track, bool) {
	poses := modelPoses(t, clouds)
	c0, ok := meanCentre(t, poses)
	if !ok {
		return t, false
	}
	model := objectModel(t, clouds, poses)
	if len(model) < minShape {
		return t, false
	}
	c, b, ok := shapeOf(model, c0)
	if !ok {
		return t, false
	}
	reg := moved(t, poses, c)
	if b != nil && cams != nil {
		if bt, ok := boxTrack(reg, clouds, poses, *b, cams); ok && jitter(bt) < jitter(reg) {
			return bt, true
		}
	}
	return reg, true
}

// modelPoses returns the object's pose (object frame → world) in every visible frame, the
// first visible frame's the identity: the step from the previous visible frame (ICP of the
// clouds, else the translation of the measured centres), then corrected by aligning the
// frame's cloud with the model of all earlier frames.
func modelPoses(t track, clouds [][]r3.Vec) []geom.Rigid {
	poses := make([]geom.Rigid, len(t.P))
	g := grid{cells: map[[3]int32][]r3.Vec{}}
	prev := -1
	for i := range t.P {
		if !t.OK[i] {
			continue
		}
		if prev < 0 {
			poses[i] = geom.IdentityRigid()
		} else {
			poses[i] = stepPose(t, clouds, prev, i, poses[prev], planarFit, shapeICP)
			if len(clouds[i]) >= minCloud {
				inv, ok := icpFrom(clouds[i], poses[i].Inverse(), g.nearest, planarFit, shapeICP)
				if ok && geom.RotationAngle(inv.R.Mul(poses[i].R)) <= icpMaxAngle {
					poses[i] = inv.Inverse()
				}
			}
		}
		inv := poses[i].Inverse()
		for _, p := range clouds[i] {
			g.add(inv.Apply(p))
		}
		prev = i
	}
	return poses
}

// objectModel maps every visible frame's cloud into the object frame.
func objectModel(t track, clouds [][]r3.Vec, poses []geom.Rigid) []r3.Vec {
	var model []r3.Vec
	for i, c := range clouds {
		if !t.OK[i] {
			continue
		}
		inv := poses[i].Inverse()
		for _, p := range c {
			model = append(model, inv.Apply(p))
		}
	}
	return model
}

// planarFit is the least-squares motion of s onto t by a rotation about z and a horizontal
// translation: objects stand upright on the ground, and a wall seen without its top or
// bottom (the rest hidden) would let a free fit slide along it.
func planarFit(s, t []r3.Vec) (geom.Rigid, error) {
	cs, ct := mean(s), mean(t)
	var a, b float64
	for k := range s {
		p, q := r3.Sub(s[k], cs), r3.Sub(t[k], ct)
		a += p.X*q.X + p.Y*q.Y
		b += p.X*q.Y - p.Y*q.X
	}
	R := geom.AxisAngle(r3.Vec{Z: 1}, math.Atan2(b, a))
	T := r3.Sub(ct, R.MulVec(cs))
	T.Z = 0
	return geom.Rigid{R: R, T: T}, nil
}

// grid is a uniform hash grid over model points for nearest-neighbour search within one
// cell's reach (pairs farther apart are not made: the poses are close already).
type grid struct {
	cells map[[3]int32][]r3.Vec
}

func cellOf(p r3.Vec) [3]int32 {
	return [3]int32{int32(math.Floor(p.X / gridCell)), int32(math.Floor(p.Y / gridCell)), int32(math.Floor(p.Z / gridCell))}
}

func (g grid) add(p r3.Vec) {
	c := cellOf(p)
	g.cells[c] = append(g.cells[c], p)
}

// nearest is the point nearest q within gridCell (a nearestFunc): all such points lie in the
// 27 cells around q's, and a fixed reach, unlike "whatever those cells hold", does not depend
// on where the world's axes put the cell boundaries.
func (g grid) nearest(q r3.Vec) (r3.Vec, float64) {
	c := cellOf(q)
	best, bd := r3.Vec{}, math.Inf(1)
	reach := gridCell * gridCell
	for dx := int32(-1); dx <= 1; dx++ {
		for dy := int32(-1); dy <= 1; dy++ {
			for dz := int32(-1); dz <= 1; dz++ {
				for _, p := range g.cells[[3]int32{c[0] + dx, c[1] + dy, c[2] + dz}] {
					if d := r3.Norm2(r3.Sub(p, q)); d < bd && d <= reach {
						best, bd = p, d
					}
				}
			}
		}
	}
	return best, bd
}

// shapeOf is the centre of an upright, centrally symmetric object from points of its
// surface in the object frame (z up): the middle of the robust height range, and
// horizontally the centre of the circle or the rectangle fitted to the walls' footprint (see
// above); along a rectangle side the points do not span (one face seen), fallback's
// coordinate. With a rectangle it also returns the box (nil for a circle). False when neither
// fits (the points are not one rigid shape).
func shapeOf(model []r3.Vec, fallback r3.Vec) (r3.Vec, *box, bool) {
	model = evenly(model, modelMax)
	zc, hz := heightOf(model)
	_, wall := wallPoints(model, zc, hz)
	if len(wall) < minShape {
		for _, p := range model {
			wall = append(wall, [2]float64{p.X, p.Y})
		}
	}
	rc, rr, rect := boundingRect(wall)
	cc, rad, cres, cok := fitCircle(wall)
	long := max(rect.half[0], rect.half[1])
	if cok && cres < rr && rad <= arcRadius*long {
		if cres > misfit*rad {
			return fallback, nil, false
		}
		return r3.Vec{X: cc[0], Y: cc[1], Z: zc}, nil, true
	}
	if rr > misfit*long {
		return fallback, nil, false
	}
	// Along each rectangle axis: its middle where the footprint spans it, else fallback's.
	fb := [2]float64{fallback.X - rc[0], fallback.Y - rc[1]}
	c := rc
	for a := range 2 {
		if rect.half[a] < max(0.025, flatShare*long, flatNoise*rr) {
			d := fb[0]*rect.axis[a][0] + fb[1]*rect.axis[a][1]
			c[0] += d * rect.axis[a][0]
			c[1] += d * rect.axis[a][1]
		}
	}
	return r3.Vec{X: c[0], Y: c[1], Z: zc}, &box{r: rect, zc: zc, hz: hz}, true
}

// heightOf is the middle and half of the robust height range (z quantiles zQuant, 1 − zQuant)
// of the clouds' points.
func heightOf(clouds ...[]r3.Vec) (zc, hz float64) {
	var zs []float64
	for _, c := range clouds {
		for _, p := range c {
			zs = append(zs, p.Z)
		}
	}
	slices.Sort(zs)
	lo, hi := quantile(zs, zQuant), quantile(zs, 1-zQuant)
	return (lo + hi) / 2, (hi - lo) / 2
}

// quantile of sorted v at share q (nearest rank).
func quantile(v []float64, q float64) float64 {
	return v[int(math.Round(q*float64(len(v)-1)))]
}

// rect is an oriented rectangle: unit axes and half-sizes along them.
type rect struct {
	axis [2][2]float64
	half [2]float64
}

// boundingRect returns the rectangle around p whose sides the points lie on best — over
// orientations in 1° steps, then 0.05° about the best, the bounding rectangle with the least
// rms distance of the points from its nearest side — its centre and that rms. (The
// minimum-area rectangle is ambiguous for the L that a box's two seen walls make: the one
// along the hull's hypotenuse has the same area.)
func boundingRect(p [][2]float64) (c [2]float64, rms float64, best rect) {
	h := hull(p)
	q := evenly(p, rectPts)
	at := func(th float64) (c [2]float64, rms float64, r rect) {
		ux, uy := math.Cos(th), math.Sin(th)
		lo, hi := [2]float64{math.Inf(1), math.Inf(1)}, [2]float64{math.Inf(-1), math.Inf(-1)}
		for _, v := range h {
			s, t := v[0]*ux+v[1]*uy, -v[0]*uy+v[1]*ux
			lo[0], hi[0] = min(lo[0], s), max(hi[0], s)
			lo[1], hi[1] = min(lo[1], t), max(hi[1], t)
		}
		var sum float64
		for _, v := range q {
			s, t := v[0]*ux+v[1]*uy, -v[0]*uy+v[1]*ux
			e := min(s-lo[0], hi[0]-s, t-lo[1], hi[1]-t)
			sum += e * e
		}
		s, t := (lo[0]+hi[0])/2, (lo[1]+hi[1])/2
		return [2]float64{s*ux - t*uy, s*uy + t*ux}, math.Sqrt(sum / float64(len(q))),
			rect{axis: [2][2]float64{{ux, uy}, {-uy, ux}}, half: [2]float64{(hi[0] - lo[0]) / 2, (hi[1] - lo[1]) / 2}}
	}
	// Orientations are taken from the footprint's principal axis, not the world's x: the
	// world's heading is arbitrary (π³'s is its first camera's), and the fit must not
	// depend on it.
	var sxx, sxy, syy float64
	m := mean2(q)
	for _, v := range q {
		dx, dy := v[0]-m[0], v[1]-m[1]
		sxx, sxy, syy = sxx+dx*dx, sxy+dx*dy, syy+dy*dy
	}
	th0 := math.Atan2(2*sxy, sxx-syy) / 2
	bestTh := th0
	rms = math.Inf(1)
	for k := range 90 {
		th := th0 + float64(k)*math.Pi/180
		if cc, e, r := at(th); e < rms {
			c, rms, best, bestTh = cc, e, r, th
		}
	}
	for k := -20; k <= 20; k++ {
		th := bestTh + float64(k)*0.05*math.Pi/180
		if cc, e, r := at(th); e < rms {
			c, rms, best = cc, e, r
		}
	}
	return c, rms, best
}

func mean2(p [][2]float64) [2]float64 {
	var c [2]float64
	for _, q := range p {
		c[0] += q[0]
		c[1] += q[1]
	}
	return [2]float64{c[0] / float64(len(p)), c[1] / float64(len(p))}
}

// hull is the convex hull of p (Andrew's monotone chain), counter-clockwise.
func hull(p [][2]float64) [][2]float64 {
	q := slices.Clone(p)
	slices.SortFunc(q, func(a, b [2]float64) int {
		if a[0] != b[0] {
			if a[0] < b[0] {
				return -1
			}
			return 1
		}
		if a[1] < b[1] {
			return -1
		}
		if a[1] > b[1] {
			return 1
		}
		return 0
	})
	if len(q) < 3 {
		return q
	}
	cross := func(o, a, b [2]float64) float64 {
		return (a[0]-o[0])*(b[1]-o[1]) - (a[1]-o[1])*(b[0]-o[0])
	}
	h := make([][2]float64, 0, 2*len(q))
	for _, v := range q {
		for len(h) >= 2 && cross(h[len(h)-2], h[len(h)-1], v) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, v)
	}
	for k, t := len(q)-2, len(h)+1; k >= 0; k-- {
		for len(h) >= t && cross(h[len(h)-2], h[len(h)-1], q[k]) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, q[k])
	}
	return h[:len(h)-1]
}

// fitCircle fits a circle to p: the algebraic (Kåsa) fit, then Gauss–Newton on the
// geometric distances. It returns the centre, radius and rms distance from the circle.
func fitCircle(p [][2]float64) (c [2]float64, r, rms float64, ok bool) {
	if len(p) < 3 {
		return c, 0, 0, false
	}
	m := mean2(p)
	// Kåsa: x² + y² + D x + E y + F = 0 in coordinates about the mean, by normal equations.
	var sxx, sxy, syy, sxz, syz, sz float64
	for _, q := range p {
		x, y := q[0]-m[0], q[1]-m[1]
		z := x*x + y*y
		sxx, sxy, syy = sxx+x*x, sxy+x*y, syy+y*y
		sxz, syz, sz = sxz+x*z, syz+y*z, sz+z
	}
	det := sxx*syy - sxy*sxy
	if det <= 0 {
		return c, 0, 0, false
	}
	// With centred x, y: 2a·sxx + 2b·sxy = sxz, 2a·sxy + 2b·syy = syz.
	a := (sxz*syy - syz*sxy) / (2 * det)
	b := (syz*sxx - sxz*sxy) / (2 * det)
	r = math.Sqrt(a*a + b*b + sz/float64(len(p)))
	for range 10 {
		// Gauss–Newton on d_k = |q_k − (a, b)| − r.
		var j [3][3]float64
		var g [3]float64
		for _, q := range p {
			x, y := q[0]-m[0]-a, q[1]-m[1]-b
			d := math.Hypot(x, y)
			if d == 0 {
				continue
			}
			row := [3]float64{-x / d, -y / d, -1}
			res := d - r
			for u := range 3 {
				g[u] += row[u] * res
				for v := range 3 {
					j[u][v] += row[u] * row[v]
				}
			}
		}
		inv, ok := geom.Mat3(j).Inverse()
		if !ok {
			break
		}
		step := inv.MulVec(r3.Vec{X: g[0], Y: g[1], Z: g[2]})
		a, b, r = a-step.X, b-step.Y, r-step.Z
		if math.Abs(step.X)+math.Abs(step.Y)+math.Abs(step.Z) < 1e-7 {
			break
		}
	}
	var ss float64
	for _, q := range p {
		d := math.Hypot(q[0]-m[0]-a, q[1]-m[1]-b) - r
		ss += d * d
	}
	rms = math.Sqrt(ss / float64(len(p)))
	return [2]float64{m[0] + a, m[1] + b}, r, rms, r > 0 && !math.IsNaN(rms)
}
