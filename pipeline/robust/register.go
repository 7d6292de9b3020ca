package robust

import (
	"math"
	"slices"

	"github.com/dsr4d/dsr4d/geom"
	"gonum.org/v1/gonum/spatial/r3"
)

// Registration: objects are rigid, so the way a visible surface moves from frame to frame is
// a rigid motion even when the surface's own mean slides over the object (a turning car
// shows a new side). Chaining trimmed-ICP fits of each frame's points onto the previous
// frame's gives the object's pose O_i (object frame → world at frame i); one centre c₀ in the
// object frame (the mean of the per-frame centres mapped there, so every view's bias is
// averaged) then moves as O_i·c₀: consistent motion without the per-frame bias jumps.

const (
	maxCloud    = 200 // points per frame kept for registration (every k-th)
	minCloud    = 30  // fewer points: the step is a translation of the means
	icpIters    = 12
	icpKeep     = 0.7 // trimmed ICP: the closest 70% of pairs, for partial overlap
	icpMaxAngle = 0.6 // rad: a larger step rotation is taken for a failed fit
)

// thin returns at most maxCloud points of p, evenly strided.
func thin(p []r3.Vec) []r3.Vec { return evenly(p, maxCloud) }

// evenly returns at most n of p, evenly strided.
func evenly[T any](p []T, n int) []T {
	if len(p) <= n {
		return p
	}
	out := make([]T, 0, n)
	for k := range n {
		out = append(out, p[k*len(p)/n])
	}
	return out
}

// icp returns the rigid motion that maps src onto dst (trimmed point-to-point ICP from the
// translation of the means) and whether it converged to a plausible step.
func icp(src, dst []r3.Vec, solve solver, par icpParams) (geom.Rigid, bool) {
	g := geom.Rigid{R: geom.Identity3(), T: r3.Sub(mean(dst), mean(src))}
	if len(src) < minCloud || len(dst) < minCloud {
		return g, false
	}
	g, ok := icpFrom(src, g, bruteNearest(dst), solve, par)
	return g, ok && geom.RotationAngle(g.R) <= icpMaxAngle
}

// nearestFunc returns the point nearest to q that may be paired with it and its squared
// distance (+Inf: none).
type nearestFunc func(q r3.Vec) (r3.Vec, float64)

func bruteNearest(dst []r3.Vec) nearestFunc {
	return func(q r3.Vec) (r3.Vec, float64) {
		best, bd := r3.Vec{}, math.Inf(1)
		for _, c := range dst {
			if d := r3.Norm2(r3.Sub(c, q)); d < bd {
				best, bd = c, d
			}
		}
		return best, bd
	}
}

// solver is the least-squares motion of paired points s onto t.
type solver func(s, t []r3.Vec) (geom.Rigid, error)

// rigidFit is the least-squares rigid motion of s onto t (Umeyama, no scale).
func rigidFit(s, t []r3.Vec) (geom.Rigid, error) {
	sim, err := geom.Umeyama(s, t, false)
	return geom.Rigid{R: sim.R, T: sim.T}, err
}

// icpParams are a trimmed ICP's share of pairs kept and its most iterations.
type icpParams struct {
	keep  float64
	iters int
}

// chainICP are the chained registration's (Options.Shape off).
var chainICP = icpParams{icpKeep, icpIters}

// icpFrom refines g, which maps src into the space nearest searches, by trimmed ICP: the
// closest par.keep of the pairs refitted by solve, up to par.iters times. It reports false
// when a fit fails or too few points find a partner.
func icpFrom(src []r3.Vec, g geom.Rigid, nearest nearestFunc, solve solver, par icpParams) (geom.Rigid, bool) {
	type pair struct {
		d    float64
		s, t r3.Vec
	}
	pairs := make([]pair, 0, len(src))
	for range par.iters {
		pairs = pairs[:0]
		for _, p := range src {
			if best, bd := nearest(g.Apply(p)); !math.IsInf(bd, 1) {
				pairs = append(pairs, pair{bd, p, best})
			}
		}
		if len(pairs) < minCloud/2 {
			return g, false
		}
		slices.SortFunc(pairs, func(a, b pair) int {
			if a.d < b.d {
				return -1
			}
			if a.d > b.d {
				return 1
			}
			return 0
		})
		m := max(int(par.keep*float64(len(pairs))), 3)
		s, t := make([]r3.Vec, m), make([]r3.Vec, m)
		for k := range m {
			s[k], t[k] = pairs[k].s, pairs[k].t
		}
		next, err := solve(s, t)
		if err != nil {
			return g, false
		}
		step := r3.Norm(r3.Sub(next.T, g.T)) + geom.RotationAngle(next.R.Mul(g.R.T()))
		g = next
		if step < 1e-5 {
			break
		}
	}
	return g, true
}

func mean(p []r3.Vec) r3.Vec {
	var c r3.Vec
	for _, v := range p {
		c = r3.Add(c, v)
	}
	return r3.Scale(1/float64(len(p)), c)
}

// chain returns the object's pose O_i (object frame → world at frame i) in every frame of
// t, chained from trimmed-ICP fits of each frame's cloud (world coordinates) onto the
// previous visible frame's, with O = identity at the first; a step whose ICP fails is the
// translation of the measured centres. Frames without a measurement keep the zero value.
func chain(t track, clouds [][]r3.Vec) []geom.Rigid {
	poses := make([]geom.Rigid, len(t.P))
	prev := -1
	for i := range t.P {
		if !t.OK[i] {
			continue
		}
		if prev < 0 {
			poses[i] = geom.IdentityRigid()
			prev = i
			continue
		}
		poses[i] = stepPose(t, clouds, prev, i, poses[prev], rigidFit, chainICP)
		prev = i
	}
	return poses
}

// stepPose is O_i chained from frame prev's pose O_prev: with m the ICP fit (solve, par) of
// frame i's cloud onto frame prev's, else the translation of the measured centres,
// O_i = m⁻¹ ∘ O_prev.
func stepPose(t track, clouds [][]r3.Vec, prev, i int, pose geom.Rigid, solve solver, par icpParams) geom.Rigid {
	m, ok := icp(clouds[i], clouds[prev], solve, par)
	if !ok {
		m = geom.Rigid{R: geom.Identity3(), T: r3.Sub(t.P[prev], t.P[i])}
	}
	return m.Inverse().Compose(pose)
}

// registered replaces a track's per-frame centres by O_i·c₀ (see above): clouds are each
// frame's points in world coordinates (nil where not visible).
func registered(t track, clouds [][]r3.Vec) track {
	poses := chain(t, clouds)
	c0, ok := meanCentre(t, poses)
	if !ok {
		return t
	}
	return moved(t, poses, c0)
}

// meanCentre is c₀: the weighted mean of the measured centres mapped into the object frame.
func meanCentre(t track, poses []geom.Rigid) (r3.Vec, bool) {
	var c0 r3.Vec
	var wsum float64
	for i := range t.P {
		if t.OK[i] {
			c0 = r3.Add(c0, r3.Scale(t.W[i], poses[i].Inverse().Apply(t.P[i])))
			wsum += t.W[i]
		}
	}
	if wsum == 0 {
		return c0, false
	}
	return r3.Scale(1/wsum, c0), true
}

// moved is the track of the object-frame point c under the poses.
func moved(t track, poses []geom.Rigid, c r3.Vec) track {
	out := track{P: make([]r3.Vec, len(t.P)), OK: t.OK, W: t.W}
	for i := range t.P {
		if t.OK[i] {
			out.P[i] = poses[i].Apply(c)
		}
	}
	return out
}

// registerTrack is the registered track (Options.Register, Options.Shape) of measured
// track t with clouds in world coordinates: with Shape, the shape centre moved by the
// model-tracked poses (no drift correction: the poses come from the model, and pulling
// them towards the measured centres would bring back the view bias); else, or when the
// shape cannot be told, O_i·c₀ with its drift taken out (dedrift). With Box, camera
// positions cams let a box's faces re-measure it (box.go): the registered box when that
// track is steadier, and a box whose shape could not be told (its registration failed)
// frame by frame when that is steadier than the chained registration.
func registerTrack(t track, clouds [][]r3.Vec, cams []r3.Vec, opt Options) track {
	if !opt.Box {
		cams = nil
	}
	if opt.Shape {
		if reg, ok := shaped(t, clouds, cams); ok {
			return reg
		}
	}
	reg := dedrift(t, registered(t, clouds))
	if opt.Shape && cams != nil {
		if bf, ok := boxFrames(t, clouds, cams); ok && jitter(bf) < jitter(reg) {
			return bf
		}
	}
	return reg
}
