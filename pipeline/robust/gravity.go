package robust

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/dsr4d/dsr4d/geom"
	"github.com/dsr4d/dsr4d/internal/par"
	"github.com/dsr4d/dsr4d/pipeline/scene"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/spatial/r3"
)

// Gravity (Options.Gravity): the estimator takes the world's z as up (facings made level,
// viewer rotations rebuilt, shapes fitted upright), which holds for synthetic scenes but not
// for π³'s, whose world is its first camera's frame (y down, tilted by that camera's pitch
// and roll). The ground is the one plane every outdoor or indoor clip shows under the
// cameras, so its normal is up. Each frame gets its own plane (a pose's rotation error
// tilts all of a frame's points together, so frames are not pooled): RANSAC over its
// confident, locally planar points off the objects' masks, the normal within groundTilt of
// the cameras' mean up (−y: hand-held and mounted cameras roll little), then a Tukey refit.
// The frames' normals' median is up, and the world is turned so that it is z. A scene
// without such a plane keeps its world, and so does one whose z is up already within what
// the frames' planes can tell.

const (
	groundPoints = 4096               // about the most pixels sampled per frame (a regular grid)
	groundTries  = 256                // RANSAC samples per frame
	groundTilt   = 45 * math.Pi / 180 // largest angle between the plane's normal and the cameras' up
	groundBand   = 0.01               // RANSAC's inlier distance: this share of the point's distance from its camera (depth errors scale with it)
	groundShare  = 0.1                // fewest inliers, as a share of the points
	levelTol     = 2 * math.Pi / 180  // a world whose z is this close to the ground's normal is level: grounds slope that much
)

// groundUp returns the ground's unit normal in the world of poses (see above; exactly z
// when the world is level already) and whether a ground was found.
func groundUp(s *scene.Scene, poses []geom.Rigid) (r3.Vec, bool) {
	var prior r3.Vec
	for _, p := range poses {
		prior = r3.Add(prior, p.R.MulVec(r3.Vec{Y: -1}))
	}
	if r3.Norm(prior) == 0 {
		return r3.Vec{}, false
	}
	prior = r3.Unit(prior)
	normal := make([]r3.Vec, s.N)
	height := make([]float64, s.N)
	found := make([]bool, s.N)
	par.For(s.N, 0, func(i int) {
		pts, dist := groundCandidates(s, i, poses[i])
		if n, at, ok := framePlane(pts, dist, prior, uint64(i)); ok {
			normal[i], height[i], found[i] = n, r3.Dot(n, r3.Sub(poses[i].T, at)), true
		}
	})
	var normals []r3.Vec
	var heights []float64
	for i := range s.N {
		if found[i] {
			normals, heights = append(normals, normal[i]), append(heights, height[i])
		}
	}
	// Most frames show it, and the cameras stand above it.
	if 2*len(normals) < s.N || median(heights) <= 0 {
		return r3.Vec{}, false
	}
	up := r3.Unit(medianPoint(normals))
	// A world whose z is up within what the frames can tell — three standard errors of
	// their median, near enough, and levelTol — is kept as it is (synthetic scenes,
	// gravity-aligned reconstructions): levelling it would only add the estimate's own error.
	var dev []float64
	for _, n := range normals {
		dev = append(dev, angle(n, up))
	}
	if angle(up, r3.Vec{Z: 1}) <= max(levelTol, 3*median(dev)/math.Sqrt(float64(len(normals)))) {
		return r3.Vec{Z: 1}, true
	}
	return up, true
}

// groundCandidates are frame i's confident, locally planar points (planar) on a regular
// grid of about groundPoints pixels, in the world of pose, that no object's mask covers
// (objects are not the ground, and a moving one's points are where it is, not where the
// ground is), with their distances from the camera.
func groundCandidates(s *scene.Scene, i int, pose geom.Rigid) (pts []r3.Vec, dist []float64) {
	object := make([]bool, s.W*s.H)
	w, h := s.ImageSize[0], s.ImageSize[1]
	cols := make([]int, w)
	for x := range w {
		cols[x] = scene.NearestSrc(x, s.W, w)
	}
	for _, o := range s.Objects {
		m := s.Mask(o.ID, i)
		if m == nil {
			continue
		}
		for y := range h {
			row := scene.NearestSrc(y, s.H, h) * s.W
			for x, in := range m[y*w : (y+1)*w] {
				if in {
					object[row+cols[x]] = true
				}
			}
		}
	}
	step := max(1, int(math.Ceil(math.Sqrt(float64(s.W*s.H)/groundPoints))))
	pm, conf := s.PointMap(i), s.ConfFrame(i)
	for y := step / 2; y < s.H; y += step {
		for x := step / 2; x < s.W; x += step {
			k := y*s.W + x
			if object[k] || !(1/(1+math.Exp(-float64(conf[k]))) > float64(scene.ConfThreshold)) || !planar(pm, x, y) {
				continue
			}
			p := r3.Vec{X: float64(pm.Pix[3*k]), Y: float64(pm.Pix[3*k+1]), Z: float64(pm.Pix[3*k+2])}
			if finite(p) {
				pts, dist = append(pts, pose.Apply(p)), append(dist, r3.Norm(p))
			}
		}
	}
	return pts, dist
}

// planar reports whether point-map pixel (x, y) lies on a locally planar surface: the
// inverse depth of its 3×3 neighbourhood is affine in the pixel coordinates (as it is on
// any plane) within scene.EdgeRTol of its own. The reference's validity rule
// (scene.ValidMask: the reference's confidence cut, used above, and a depth-edge test)
// compares the depths themselves, so it also drops the ground wherever it is seen at a
// grazing angle — beyond about 2.5 camera heights on a 192-pixel-wide point map — and
// leaves a thin strip whose tilt about its own length the points cannot tell.
func planar(pm geom.PointMap, x, y int) bool {
	if x < 1 || y < 1 || x >= pm.W-1 || y >= pm.H-1 {
		return false
	}
	inv := func(x, y int) float64 { return 1 / float64(pm.Pix[3*(y*pm.W+x)+2]) }
	c := inv(x, y)
	tol := float64(scene.EdgeRTol) * c
	return c > 0 && math.Abs(inv(x-1, y)+inv(x+1, y)-2*c) <= tol && math.Abs(inv(x, y-1)+inv(x, y+1)-2*c) <= tol
}

// framePlane is the ground plane of one frame's points pts (dist: their distances from the
// camera), as a unit normal oriented with prior and a point on it. RANSAC scores a plane by
// its points' distances in units of their bands (groundBand of dist), truncated at 1
// (MSAC): a count of the points within band let a plane through the ground and a row of a
// distant wall beat the ground itself. A Tukey biweight refit, its scale the median of
// those distances within band, then settles on the ground's own points.
func framePlane(pts []r3.Vec, dist []float64, prior r3.Vec, seed uint64) (r3.Vec, r3.Vec, bool) {
	if len(pts) < 30 {
		return r3.Vec{}, r3.Vec{}, false
	}
	inv := make([]float64, len(pts))
	for j, d := range dist {
		inv[j] = 1 / (groundBand * d)
	}
	rng := rand.New(rand.NewPCG(seed, 2))
	var n, at r3.Vec
	best, bestIn := math.Inf(1), 0
	for range groundTries {
		a, b, c := pts[rng.IntN(len(pts))], pts[rng.IntN(len(pts))], pts[rng.IntN(len(pts))]
		m := r3.Cross(r3.Sub(b, a), r3.Sub(c, a))
		if r3.Norm(m) == 0 {
			continue
		}
		m = r3.Unit(m)
		if r3.Dot(m, prior) < 0 {
			m = r3.Scale(-1, m)
		}
		if angle(m, prior) > groundTilt {
			continue
		}
		cost, in := 0.0, 0
		for j, p := range pts {
			u := r3.Dot(m, r3.Sub(p, a)) * inv[j]
			if u*u < 1 {
				cost += u * u
				in++
			} else {
				cost++
			}
		}
		if cost < best {
			n, at, best, bestIn = m, a, cost, in
		}
	}
	if bestIn < int(groundShare*float64(len(pts))) {
		return r3.Vec{}, r3.Vec{}, false
	}
	wt := make([]float64, len(pts))
	var r []float64
	for range 10 {
		r = r[:0]
		for j, p := range pts {
			if u := math.Abs(r3.Dot(n, r3.Sub(p, at)) * inv[j]); u < 1 {
				r = append(r, u)
			}
		}
		// 1.4826 × MAD is the normal's σ; 4.685σ is Tukey's 95%-efficient cut. The floor is
		// float32 rounding of the points.
		c := 4.685 * max(1.4826*median(r), 1e-6/groundBand)
		for j, p := range pts {
			if u := r3.Dot(n, r3.Sub(p, at)) * inv[j] / c; math.Abs(u) < 1 {
				wt[j] = (1 - u*u) * (1 - u*u)
			} else {
				wt[j] = 0
			}
		}
		m, o, ok := weightedPlane(pts, wt)
		if !ok {
			return r3.Vec{}, r3.Vec{}, false
		}
		if r3.Dot(m, prior) < 0 {
			m = r3.Scale(-1, m)
		}
		done := angle(m, n) < 1e-7
		n, at = m, o
		if done {
			break
		}
	}
	return n, at, true
}

// weightedPlane is the weighted least-squares plane through p (weights w): its unit normal
// (the direction of least weighted spread) and the weighted mean.
func weightedPlane(p []r3.Vec, w []float64) (r3.Vec, r3.Vec, bool) {
	var sw float64
	var m r3.Vec
	for j, v := range p {
		sw += w[j]
		m = r3.Add(m, r3.Scale(w[j], v))
	}
	if !(sw > 0) {
		return r3.Vec{}, r3.Vec{}, false
	}
	m = r3.Scale(1/sw, m)
	var c [6]float64 // xx xy xz yy yz zz
	for j, v := range p {
		if w[j] == 0 {
			continue
		}
		d := r3.Sub(v, m)
		c[0], c[1], c[2] = c[0]+w[j]*d.X*d.X, c[1]+w[j]*d.X*d.Y, c[2]+w[j]*d.X*d.Z
		c[3], c[4], c[5] = c[3]+w[j]*d.Y*d.Y, c[4]+w[j]*d.Y*d.Z, c[5]+w[j]*d.Z*d.Z
	}
	var eig mat.EigenSym
	if !eig.Factorize(mat.NewSymDense(3, []float64{c[0], c[1], c[2], c[1], c[3], c[4], c[2], c[4], c[5]}), true) {
		return r3.Vec{}, r3.Vec{}, false
	}
	var v mat.Dense
	eig.VectorsTo(&v) // columns by ascending eigenvalue
	return r3.Unit(r3.Vec{X: v.At(0, 0), Y: v.At(1, 0), Z: v.At(2, 0)}), m, true
}

// levelled returns poses with the world turned so that up becomes z (the least rotation).
func levelled(poses []geom.Rigid, up r3.Vec) []geom.Rigid {
	z := r3.Vec{Z: 1}
	axis := r3.Cross(up, z)
	if r3.Norm(axis) < 1e-12 { // up is ±z
		axis = r3.Vec{X: 1}
	}
	g := geom.Rigid{R: geom.AxisAngle(axis, angle(up, z))}
	out := slices.Clone(poses)
	for i, p := range poses {
		out[i] = g.Compose(p)
	}
	return out
}
