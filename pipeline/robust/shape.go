package robust

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"

	"github.com/dsr4d/dsr4d/geom"
	"gonum.org/v1/gonum/spatial/r3"
)

// Shape-aware centre: every frame sees a different part of an object's surface, and a
// centre made from one view's surface (its mean, pushed back by a guessed half-thickness)
// carries a bias that changes as the view does. Registration gives each frame's pose O_i, so
// the frames' clouds mapped by O_i⁻¹ add up to one model of the object (object frame); the
// centre of that model's shape — the objects stand upright and are centrally symmetric —
// is the volume centroid, fixed in the object, and O_i moves it. The model's frame is the
// world's at the first visible frame, so its z axis is the world's up: the vertical centre
// is the middle of the model's height, the horizontal one the centre of a circle fitted to
// the walls' footprint (round objects) or of their minimum-area bounding rectangle (boxes),
// whichever fits the footprint better. The poses are then refined by aligning each frame's
// cloud with the model made of the other frames (yaw and translation only: objects stay
// upright), which takes out the chain's drift.

const (
	modelMax   = 4000 // model points kept for the centre (evenly strided)
	shapePass  = 2    // rounds of refining the poses against the model
	zQuant     = 0.01 // robust ends of the model's height
	wallBand   = 0.6  // walls: points within this share of the half-height of the middle
	gridCell   = 0.1  // metres: nearest-neighbour grid cell of the model
	flatShare  = 0.15 // a footprint rectangle side below this share of the other (or 5 cm): not observed
	rectPoints = 1000 // footprint points scored per rectangle orientation
	minShape   = 30   // fewer model points: keep the mean centre
	maxArcSpan = 0.8  // a circle's radius at most this times the footprint's extent (an arc, not a line)
)

// shaped returns the track of the model's shape centre (see above), with its poses; ok
// false when the model is too small (then t and the chained poses).
func shaped(t track, clouds [][]r3.Vec, refine bool) (track, []geom.Rigid, bool) {
	poses := track2model(t, clouds)
	c0, ok := meanCentre(t, poses)
	if !ok {
		return t, poses, false
	}
	if refine {
		for range shapePass {
			poses = refinePoses(t, clouds, poses)
		}
	}
	model, _ := objectModel(t, clouds, poses)
	if len(model) < minShape {
		return t, poses, false
	}
	return moved(t, poses, shapeCentre(model, c0)), poses, true
}

// track2model returns the object's pose in every visible frame: a step from the previous
// visible frame (ICP of the clouds, else the translation of the measured centres), then
// corrected by aligning the frame's cloud with the model of all earlier frames, so that an
// error in one step (a partial view) is not carried on.
func track2model(t track, clouds [][]r3.Vec) []geom.Rigid {
	poses := make([]geom.Rigid, len(t.P))
	g := newGrid(nil, nil)
	prev := -1
	for i := range t.P {
		if !t.OK[i] {
			continue
		}
		if prev < 0 {
			poses[i] = geom.IdentityRigid()
		} else {
			m, ok := icp(clouds[i], clouds[prev], planarFit, shapeKeep)
			if !ok {
				m = geom.Rigid{R: geom.Identity3(), T: r3.Sub(t.P[prev], t.P[i])}
			}
			poses[i] = m.Inverse().Compose(poses[prev])
			if shapeIncr && len(clouds[i]) >= minCloud {
				near := func(q r3.Vec) (r3.Vec, float64) { return g.nearest(q, -1) }
				inv, ok := icpFrom(clouds[i], poses[i].Inverse(), near, planarFit, shapeKeep)
				if ok && geom.RotationAngle(inv.R.Mul(poses[i].R)) <= icpMaxAngle {
					poses[i] = inv.Inverse()
				}
			}
		}
		inv := poses[i].Inverse()
		for _, p := range clouds[i] {
			g.add(inv.Apply(p), i)
		}
		prev = i
	}
	return poses
}

// objectModel maps every visible frame's cloud into the object frame; frame[k] is the frame
// model[k] came from.
func objectModel(t track, clouds [][]r3.Vec, poses []geom.Rigid) (model []r3.Vec, frame []int) {
	for i, c := range clouds {
		if !t.OK[i] {
			continue
		}
		inv := poses[i].Inverse()
		for _, p := range c {
			model = append(model, inv.Apply(p))
			frame = append(frame, i)
		}
	}
	return model, frame
}

// refinePoses aligns each frame's cloud with the model made of the other frames' (yaw and
// translation, from the current pose); a frame whose alignment fails keeps its pose.
func refinePoses(t track, clouds [][]r3.Vec, poses []geom.Rigid) []geom.Rigid {
	model, frame := objectModel(t, clouds, poses)
	g := newGrid(model, frame)
	out := slices.Clone(poses)
	for i, c := range clouds {
		if !t.OK[i] || len(c) < minCloud {
			continue
		}
		near := func(q r3.Vec) (r3.Vec, float64) { return g.nearest(q, i) }
		inv, ok := icpFrom(c, poses[i].Inverse(), near, planarFit, shapeKeep)
		if ok && geom.RotationAngle(inv.R.Mul(poses[i].R)) <= icpMaxAngle {
			out[i] = inv.Inverse()
		}
	}
	return out
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
	cells map[[3]int32][]int32
	pts   []r3.Vec
	frame []int
}

func cellOf(p r3.Vec) [3]int32 {
	return [3]int32{int32(math.Floor(p.X / gridCell)), int32(math.Floor(p.Y / gridCell)), int32(math.Floor(p.Z / gridCell))}
}

func newGrid(pts []r3.Vec, frame []int) *grid {
	g := &grid{cells: map[[3]int32][]int32{}}
	for k, p := range pts {
		g.add(p, frame[k])
	}
	return g
}

// add puts point p of frame i into the grid.
func (g *grid) add(p r3.Vec, i int) {
	c := cellOf(p)
	g.cells[c] = append(g.cells[c], int32(len(g.pts)))
	g.pts = append(g.pts, p)
	g.frame = append(g.frame, i)
}

// nearest is the model point nearest q among the 27 cells around it, skipping frame skip's.
func (g *grid) nearest(q r3.Vec, skip int) (r3.Vec, float64) {
	c := cellOf(q)
	best, bd := r3.Vec{}, math.Inf(1)
	for dx := int32(-1); dx <= 1; dx++ {
		for dy := int32(-1); dy <= 1; dy++ {
			for dz := int32(-1); dz <= 1; dz++ {
				for _, k := range g.cells[[3]int32{c[0] + dx, c[1] + dy, c[2] + dz}] {
					if g.frame[k] == skip {
						continue
					}
					if d := r3.Norm2(r3.Sub(g.pts[k], q)); d < bd {
						best, bd = g.pts[k], d
					}
				}
			}
		}
	}
	return best, bd
}

// shapeCentre is the centre of an upright, centrally symmetric object from points of its
// surface (z up): the middle of the robust height range, and horizontally the centre of a
// circle or of the minimum-area rectangle fitted to the walls' footprint (see above). Along
// a rectangle side that the points do not span (one face seen), fallback's coordinate.
func shapeCentre(model []r3.Vec, fallback r3.Vec) r3.Vec {
	model = evenly(model, modelMax)
	zs := make([]float64, len(model))
	for k, p := range model {
		zs[k] = p.Z
	}
	slices.Sort(zs)
	lo, hi := quantile(zs, zQuant), quantile(zs, 1-zQuant)
	zc, hz := (lo+hi)/2, (hi-lo)/2
	var wall [][2]float64
	for _, p := range model {
		if math.Abs(p.Z-zc) <= wallBand*hz {
			wall = append(wall, [2]float64{p.X, p.Y})
		}
	}
	if len(wall) < minShape {
		for _, p := range model {
			wall = append(wall, [2]float64{p.X, p.Y})
		}
	}
	rc, rr, rect := boundingRect(wall)
	cc, rad, cres, cok := fitCircle(wall)
	if shapeDebug {
		if f, err := os.Create("/tmp/shape/wall.txt"); err == nil {
			for _, p := range model {
				fmt.Fprintf(f, "%.4f %.4f %.4f\n", p.X, p.Y, p.Z)
			}
			f.Close()
		}
		fmt.Printf("shape: n=%d wall=%d z %.3f..%.3f rect c=%.3f,%.3f half=%.3f,%.3f rms=%.4f circle c=%.3f,%.3f r=%.3f rms=%.4f ok=%v fb=%.3f,%.3f,%.3f\n", len(model), len(wall), lo, hi, rc[0], rc[1], rect.half[0], rect.half[1], rr, cc[0], cc[1], rad, cres, cok, fallback.X, fallback.Y, fallback.Z)
	}
	if cok && cres < rr && rad <= maxArcSpan*rect.extent() {
		return r3.Vec{X: cc[0], Y: cc[1], Z: zc}
	}
	// Along each rectangle axis: its middle where the footprint spans it, else fallback's.
	fb := [2]float64{fallback.X - rc[0], fallback.Y - rc[1]}
	c := rc
	long := max(rect.half[0], rect.half[1])
	for a := range 2 {
		if rect.half[a] < max(0.025, flatShare*long) {
			d := fb[0]*rect.axis[a][0] + fb[1]*rect.axis[a][1]
			c[0] += d * rect.axis[a][0]
			c[1] += d * rect.axis[a][1]
		}
	}
	return r3.Vec{X: c[0], Y: c[1], Z: zc}
}

// evenly returns at most n of p, evenly strided.
func evenly(p []r3.Vec, n int) []r3.Vec {
	if len(p) <= n {
		return p
	}
	out := make([]r3.Vec, 0, n)
	for k := range n {
		out = append(out, p[k*len(p)/n])
	}
	return out
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

func (r rect) extent() float64 { return 2 * math.Hypot(r.half[0], r.half[1]) }

// boundingRect returns the rectangle around p whose sides the points lie on best: over
// orientations in 1° steps (then 0.05° about the best), the bounding rectangle with the
// least rms distance of the points from its nearest side, its centre and that rms. (The
// minimum-area rectangle is ambiguous for the L a box's two seen walls make: the one along
// the hull's hypotenuse has the same area.)
func boundingRect(p [][2]float64) (c [2]float64, rms float64, best rect) {
	h := hull(p)
	q := p
	if len(q) > rectPoints {
		q = make([][2]float64, 0, rectPoints)
		for k := range rectPoints {
			q = append(q, p[k*len(p)/rectPoints])
		}
	}
	at := func(th float64) (c [2]float64, rms float64, r rect) {
		ux, uy := math.Cos(th), math.Sin(th)
		lo, hi := [2]float64{math.Inf(1), math.Inf(1)}, [2]float64{math.Inf(-1), math.Inf(-1)}
		for _, v := range h {
			s, t := v[0]*ux+v[1]*uy, -v[0]*uy+v[1]*ux
			lo[0], hi[0] = min(lo[0], s), max(hi[0], s)
			lo[1], hi[1] = min(lo[1], t), max(hi[1], t)
		}
		var ss float64
		for _, v := range q {
			s, t := v[0]*ux+v[1]*uy, -v[0]*uy+v[1]*ux
			e := min(s-lo[0], hi[0]-s, t-lo[1], hi[1]-t)
			ss += e * e
		}
		s, t := (lo[0]+hi[0])/2, (lo[1]+hi[1])/2
		return [2]float64{s*ux - t*uy, s*uy + t*ux}, math.Sqrt(ss / float64(len(q))),
			rect{axis: [2][2]float64{{ux, uy}, {-uy, ux}}, half: [2]float64{(hi[0] - lo[0]) / 2, (hi[1] - lo[1]) / 2}}
	}
	bestTh := 0.0
	rms = math.Inf(1)
	for k := range 90 {
		th := float64(k) * math.Pi / 180
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

var shapeDebug = os.Getenv("SHAPE_DEBUG") != ""
var shapeKeep, _ = strconv.ParseFloat(os.Getenv("SHAPE_KEEP"), 64)
var shapeIters, _ = strconv.Atoi(os.Getenv("SHAPE_ITERS"))
var shapeIncr = os.Getenv("SHAPE_INCR") != "0"
var shapeRefine = os.Getenv("SHAPE_REFINE") != "0"
var shapeDrift, _ = strconv.Atoi(os.Getenv("SHAPE_DRIFT"))
