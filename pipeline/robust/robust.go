package robust

import (
	"math"
	"math/rand/v2"

	"github.com/dsr4d/dsr4d/geom"
	"github.com/dsr4d/dsr4d/internal/par"
	"github.com/dsr4d/dsr4d/pipeline/scene"
	"gonum.org/v1/gonum/spatial/r3"
)

// MinConfidence is the orientation confidence below which the reference ignores an estimate;
// the estimator keeps the same availability (qa.MinConfidence).
const MinConfidence = 0.6

// Options select the estimator's components; Default is the tuned set, and the audit's
// ablation rows switch one off at a time.
type Options struct {
	Erode  int     // mask erosion in mask pixels before taking points (0: the reference's mask)
	Trim   float64 // drop points more than Trim MADs from the median depth (0: keep all)
	Centre string  // per-frame statistic: Mean, Median or Solid
	// Window is the half-width in frames of the robust local-polynomial trajectory fit in
	// world coordinates (0: per-frame centres, no fit); Degree its polynomial degree.
	Window, Degree int
	// Occlusion weights each frame of the fit by its visible pixels relative to the object's
	// nearby frames and down-weights masks cut by the image border.
	Occlusion bool
	// OrientWindow is the half-width in frames of the confidence-weighted facing smoothing
	// (0: each frame's own facing).
	OrientWindow int
	// Upright rebuilds each agent's viewer rotation from its facing and the world's up (the
	// camera path's z axis), discarding the estimate's roll and pitch noise.
	Upright bool
	// Register moves one object-frame centre with the object's rigid motion, chained
	// trimmed-ICP fits of consecutive frames' points (register.go), its drift removed by a
	// wide linear fit of the residual to the measured centres.
	Register bool
	// Shape takes the registered centre from the shape of the frames' clouds added up in the
	// object frame (shape.go) instead of the mean of the per-frame centres (with Register).
	Shape bool
	// Still gives a camera and objects that do not move one pose and one world position
	// for the whole clip (static.go).
	Still bool
	// Model replaces the local fit by a whole-clip constant-velocity or constant-acceleration
	// fit when it explains the track nearly as well (model.go).
	Model bool
	// Camera is the half-width in frames of the camera path's smoothing (0: as stored), done
	// only when the stored positions jitter by more than cameraJitter.
	Camera int
	// Level makes agents' facings horizontal (world z removed): they move on the ground, and
	// a pitched facing tilts the rebuilt up axis, so heights in an agent's frame swing.
	Level bool
	// Path corrects each frame's camera pose by the rigid motion, about the camera, that best
	// explains every object's residual from its fitted track in that frame (pathfix.go).
	Path bool
	// Resolve gives the cues a resolution of minMotion (qa.Resolver): direction questions
	// about objects displaced less are rejected, and shorter speed steps are rest.
	Resolve bool
	// Gravity turns the world so that the ground's normal is z (gravity.go): π³'s world is
	// its first camera's frame, and every upright assumption here needs z up.
	Gravity bool
	// Yaw replaces an agent's smoothed facings by a whole-clip constant heading or constant
	// turn when it explains them nearly as well (model.go); needs Level.
	Yaw bool
	// Box re-measures boxes from their faces in each frame (box.go) where that makes a
	// steadier track than registration (with Register and Shape).
	Box bool
	// Precise keeps a track that no whole-clip model explains as measured when it jitters
	// by less than preciseJitter, rather than smoothing it (model.go; with Model).
	Precise bool
}

// Default are the components the audit on the tuning scenes kept.
var Default = Options{Erode: 2, Trim: 3, Centre: Solid, Window: 3, Degree: 1, Occlusion: true, OrientWindow: 2, Upright: true, Register: true, Shape: true, Still: true, Model: true, Level: true, Camera: 4, Yaw: true, Path: true, Resolve: true, Gravity: true, Box: true, Precise: true}

// Estimate are a scene's cues by the robust estimator. It implements qa.Cues (Centre,
// Rotation, Pose) with the reference's availability — an object has a centre exactly where
// its mask has a valid pixel, an agent a rotation where its orientation's confidence is
// ≥ 0.6 — so the same questions can be asked, and Resample draws bootstrap replicates for
// label confidence.
type Estimate struct {
	opt   Options
	n     int
	poses []geom.Rigid
	index map[int]int
	meas  []track // [object] world-frame measurements
	sigT  float64 // camera path noise: position (m) and rotation (rad) per axis, per frame
	sigR  float64
	doubt [][]float64 // [object][frame] std of the bias a poor view may add (metres): (1 − weight)·half-width
	cam   [][]r3.Vec  // [object][frame] output centres, camera coordinates
	fitW  [][]r3.Vec  // [object][frame] fitted world positions
	sigma [][]float64 // [object][frame] fit residual norms

	agents map[int]int   // agent id → row of face, fconf
	face   [][]r3.Vec    // [agent][frame] measured facing, world coordinates (zero: none)
	fconf  [][]float64   // [agent][frame] its confidence
	gate   [][]bool      // [agent][frame] the reference's availability (confidence ≥ 0.6)
	rawRot [][]geom.Mat3 // [agent][frame] the estimate's own rotation
	rots   [][]geom.Mat3
	fitF   [][]r3.Vec // [agent][frame] smoothed facing, world coordinates

	samples [][]sample // [object][frame] the points under the mask (camera coordinates)
	border  [][]bool   // [object][frame] the mask touches the image border
}

// New estimates the cues of s with opt, frames spread over GOMAXPROCS goroutines.
func New(s *scene.Scene, opt Options) *Estimate {
	poses := s.CameraPath()
	if opt.Gravity {
		if up, ok := groundUp(s, poses); ok && up != (r3.Vec{Z: 1}) {
			poses = levelled(poses, up)
		}
	}
	e := estimate(s, opt, poses, nil)
	if opt.Path {
		if p, ok := e.correctedPath(); ok {
			// The points under each mask are in camera coordinates and stay as measured; only
			// their way into the world changes.
			e = estimate(s, opt, p, e)
		}
	}
	return e
}

// estimate estimates the cues of s with opt on the camera path poses, taking the per-frame
// point samples from prev when it is not nil.
func estimate(s *scene.Scene, opt Options, poses []geom.Rigid, prev *Estimate) *Estimate {
	e := &Estimate{opt: opt, n: s.N, poses: poses, index: map[int]int{}, agents: map[int]int{}}
	if !opt.Still || !stillCamera(e.poses) {
		e.sigT, e.sigR = poseNoise(e.poses)
		if e.sigT > cameraJitter {
			e.poses = smoothCamera(e.poses, opt.Camera, 2)
		}
	}
	for k, o := range s.Objects {
		e.index[o.ID] = k
	}
	if prev != nil {
		e.samples, e.border = prev.samples, prev.border
	} else {
		e.measure(s)
	}
	samples, border := e.samples, e.border
	// Objects register independently (the costliest step with Shape).
	e.meas, e.doubt = make([]track, len(s.Objects)), make([][]float64, len(s.Objects))
	cams := make([]r3.Vec, s.N)
	for i := range cams {
		cams[i] = e.poses[i].T
	}
	par.For(len(s.Objects), 0, func(k int) {
		t := track{P: make([]r3.Vec, s.N), OK: make([]bool, s.N), W: make([]float64, s.N)}
		for i, sm := range samples[k] {
			if sm.Pixels == 0 || !finite(sm.C) {
				continue
			}
			t.OK[i], t.P[i], t.W[i] = true, e.poses[i].Apply(sm.C), 1
		}
		if opt.Occlusion {
			occlusionWeights(samples[k], border[k], t.W)
		}
		if opt.Register {
			t = registerTrack(t, worldClouds(samples[k], e.poses), cams, opt)
		}
		d := make([]float64, s.N)
		for i, sm := range samples[k] {
			if t.OK[i] {
				d[i] = (1 - t.W[i]) * sm.Extent
			}
		}
		e.meas[k], e.doubt[k] = t, d
	})

	for _, o := range s.Objects {
		if !o.Agent {
			continue
		}
		a := len(e.face)
		e.agents[o.ID] = a
		f, c := make([]r3.Vec, s.N), make([]float64, s.N)
		g, raw := make([]bool, s.N), make([]geom.Mat3, s.N)
		for i := range s.N {
			or, ok := s.OrientationAt(o.ID, i)
			if !ok {
				continue
			}
			raw[i] = geom.AgentRotation(or.Azimuth, or.Polar, or.Rotation)
			f[i], c[i] = e.poses[i].R.MulVec(raw[i].Row(0)), or.Confidence
			g[i] = or.Confidence >= MinConfidence
		}
		e.face, e.fconf, e.gate, e.rawRot = append(e.face, f), append(e.fconf, c), append(e.gate, g), append(e.rawRot, raw)
	}
	e.solve(e.meas, e.face)
	return e
}

// measure takes every object's point sample and border flag in every frame (samples,
// border), frames spread over GOMAXPROCS goroutines.
func (e *Estimate) measure(s *scene.Scene) {
	e.samples, e.border = make([][]sample, len(s.Objects)), make([][]bool, len(s.Objects))
	for k := range s.Objects {
		e.samples[k], e.border[k] = make([]sample, s.N), make([]bool, s.N)
	}
	par.For(s.N, 0, func(i int) {
		valid := s.ValidMask(i, nil)
		up := e.poses[i].R.T().MulVec(r3.Vec{Z: 1})
		for k, o := range s.Objects {
			e.samples[k][i] = measure(s, o.ID, i, valid, up, e.opt)
			e.border[k][i] = touchesBorder(s.Mask(o.ID, i), s.ImageSize[0], s.ImageSize[1])
		}
	})
}

// solve fits the tracks and facings and fills the outputs.
func (e *Estimate) solve(meas []track, face [][]r3.Vec) {
	e.cam, e.fitW, e.sigma = make([][]r3.Vec, len(meas)), make([][]r3.Vec, len(meas)), make([][]float64, len(meas))
	for k, t := range meas {
		w, res := fit(t, e.opt.Window, e.opt.Degree, 2, 0.005)
		if e.opt.Model && e.opt.Window > 0 {
			w, res = modelFit(t, w, res, e.opt.Precise)
		}
		if e.opt.Still {
			if c, still := stillObjectAt(w, t.OK); still {
				for i := range w {
					w[i] = c
				}
			}
		}
		e.fitW[k], e.sigma[k] = w, res
		c := make([]r3.Vec, e.n)
		for i := range e.n {
			if t.OK[i] {
				c[i] = e.poses[i].Inverse().Apply(w[i])
			}
		}
		e.cam[k] = c
	}
	e.rots, e.fitF = make([][]geom.Mat3, len(face)), make([][]r3.Vec, len(face))
	for a, f := range face {
		e.fitF[a] = smoothFacing(f, e.fconf[a], e.opt.OrientWindow)
		if e.opt.Level {
			level(e.fitF[a])
			if e.opt.Yaw {
				e.fitF[a] = yawModel(f, e.fconf[a], e.fitF[a])
			}
		}
		r := make([]geom.Mat3, e.n)
		for i := range e.n {
			if !e.gate[a][i] {
				continue
			}
			if !e.opt.Upright && e.opt.OrientWindow == 0 {
				r[i] = e.rawRot[a][i]
				continue
			}
			fc := e.poses[i].R.T().MulVec(e.fitF[a][i])
			up := e.poses[i].R.T().MulVec(r3.Vec{Z: 1})
			if !e.opt.Upright {
				up = e.rawRot[a][i].Row(2)
			}
			r[i] = viewerRotation(fc, up)
		}
		e.rots[a] = r
	}
}

// worldClouds maps each frame's registration points into world coordinates.
func worldClouds(sm []sample, poses []geom.Rigid) [][]r3.Vec {
	out := make([][]r3.Vec, len(sm))
	for i, s := range sm {
		for _, p := range s.Cloud {
			out[i] = append(out[i], poses[i].Apply(p))
		}
	}
	return out
}

// dedrift adds to the registered track reg the measured track's offset from it, smoothed by
// a robust linear fit over ±driftWindow frames: registration supplies the frame-to-frame
// motion, the measurements where the object is on the long run.
func dedrift(meas, reg track) track {
	d := track{P: make([]r3.Vec, len(meas.P)), OK: meas.OK, W: meas.W}
	for i := range d.P {
		if meas.OK[i] {
			d.P[i] = r3.Sub(meas.P[i], reg.P[i])
		}
	}
	off, _ := fit(d, driftWindow, driftDegree, 2, 0.005)
	out := track{P: make([]r3.Vec, len(meas.P)), OK: meas.OK, W: meas.W}
	for i := range out.P {
		if meas.OK[i] {
			out.P[i] = r3.Add(reg.P[i], off[i])
		}
	}
	return out
}

const driftWindow, driftDegree = 8, 1

// viewerRotation is the rotation whose rows are the facing f, left = up × f and up, with
// up made orthogonal to f (as the audit's truth builds it).
func viewerRotation(f, up r3.Vec) geom.Mat3 {
	f = r3.Unit(f)
	u := r3.Unit(r3.Sub(up, r3.Scale(r3.Dot(up, f), f)))
	l := r3.Cross(u, f)
	return geom.Mat3{{f.X, f.Y, f.Z}, {l.X, l.Y, l.Z}, {u.X, u.Y, u.Z}}
}

// Centre implements qa.Cues.
func (e *Estimate) Centre(id, i int) (r3.Vec, bool) {
	k, ok := e.index[id]
	if !ok || !e.meas[k].OK[i] {
		return r3.Vec{}, false
	}
	return e.cam[k][i], true
}

// Rotation implements qa.Cues.
func (e *Estimate) Rotation(id, i int) (geom.Mat3, bool) {
	a, ok := e.agents[id]
	if !ok || !e.gate[a][i] {
		return geom.Mat3{}, false
	}
	return e.rots[a][i], true
}

// Pose implements qa.Cues: the scene's camera path.
func (e *Estimate) Pose(i int) geom.Rigid { return e.poses[i] }

// Sigma returns the residual of object id's trajectory fit at frame i (metres): how far its
// measured centre lies from the fitted one; false where it has no centre.
func (e *Estimate) Sigma(id, i int) (float64, bool) {
	k, ok := e.index[id]
	if !ok || !e.meas[k].OK[i] {
		return 0, false
	}
	return e.sigma[k][i], true
}

// Resample returns bootstrap replicate r of the estimate (a wild bootstrap: each frame's
// fit residual, centre and facing, is added back with a random sign, then the trajectories
// and facings are refitted), with the same availability. Residuals miss the slowly varying
// bias of a poor view (a mask cut by the image border, a partly hidden object), so a
// centre also gets Gaussian noise of std (1 − weight)·half-width per axis in frames the
// occlusion weights distrust, and the camera path noise its own second differences show
// (posenoise.go) perturbs every pose. Replicates are deterministic in r. Questions whose answers
// change across replicates have labels the data cannot pin down.
func (e *Estimate) Resample(r int) *Estimate {
	rng := rand.New(rand.NewPCG(uint64(r), 0x9e3779b97f4a7c15))
	sign := func() float64 {
		if rng.IntN(2) == 0 {
			return -1
		}
		return 1
	}
	meas := make([]track, len(e.meas))
	for k, t := range e.meas {
		p := make([]r3.Vec, e.n)
		for i := range e.n {
			if t.OK[i] {
				p[i] = r3.Add(e.fitW[k][i], r3.Scale(sign(), r3.Sub(t.P[i], e.fitW[k][i])))
				sd := e.doubt[k][i]
				p[i] = r3.Add(p[i], r3.Vec{X: sd * rng.NormFloat64(), Y: sd * rng.NormFloat64(), Z: sd * rng.NormFloat64()})
			}
		}
		meas[k] = track{P: p, OK: t.OK, W: t.W}
	}
	face := make([][]r3.Vec, len(e.face))
	for a, f := range e.face {
		g := make([]r3.Vec, e.n)
		for i, v := range f {
			if v != (r3.Vec{}) {
				g[i] = r3.Unit(r3.Add(e.fitF[a][i], r3.Scale(sign(), r3.Sub(v, e.fitF[a][i]))))
			}
		}
		face[a] = g
	}
	out := *e
	if e.sigT > 0 || e.sigR > 0 {
		out.poses = perturb(e.poses, e.sigT, e.sigR, rng)
	}
	// Model uncertainty: half the replicates keep the local fit. A whole-clip model is so
	// stable under resampling that its replicates would all agree, while its error is a bias
	// (the wrong model, the centre's slow drift) the residuals do not show; an answer the
	// local fit does not share is not one to be sure of.
	out.opt.Model = e.opt.Model && rng.IntN(2) == 0
	out.solve(meas, face)
	return &out
}

// occlusionWeights scales w by how complete each frame's view of the object looks: its
// visible pixels relative to the median over the frames within 3 (squared, at most 1), and
// ×0.25 when its mask touches the image border (a truncated object's visible part is not
// centred on the object).
func occlusionWeights(sm []sample, border []bool, w []float64) {
	for i := range sm {
		if sm[i].Pixels == 0 {
			continue
		}
		var near []float64
		for j := max(i-3, 0); j <= min(i+3, len(sm)-1); j++ {
			if sm[j].Pixels > 0 {
				near = append(near, float64(sm[j].Pixels))
			}
		}
		f := min(1, float64(sm[i].Pixels)/median(near))
		w[i] *= math.Max(f*f, 0.05)
		if border[i] {
			w[i] *= 0.25
		}
	}
}

// touchesBorder reports whether mask m (w×h) has a pixel on the image's edge.
func touchesBorder(m []bool, w, h int) bool {
	if m == nil {
		return false
	}
	for x := range w {
		if m[x] || m[(h-1)*w+x] {
			return true
		}
	}
	for y := range h {
		if m[y*w] || m[y*w+w-1] {
			return true
		}
	}
	return false
}

// smoothFacing is the confidence-weighted local mean of unit facings f (zero where none)
// over a tricube window of half-width hw, renormalised; a frame whose facing is more than 3×
// the median angular residual (at least 5°) off the first pass gets no weight in the second.
func smoothFacing(f []r3.Vec, conf []float64, hw int) []r3.Vec {
	n := len(f)
	out := make([]r3.Vec, n)
	if hw <= 0 {
		copy(out, f)
		return out
	}
	keep := make([]bool, n)
	for i := range f {
		keep[i] = f[i] != (r3.Vec{})
	}
	for pass := 0; pass < 2; pass++ {
		for i := range n {
			var s r3.Vec
			for j := max(i-hw, 0); j <= min(i+hw, n-1); j++ {
				if !keep[j] {
					continue
				}
				u := math.Abs(float64(j-i)) / float64(hw+1)
				k := 1 - u*u*u
				s = r3.Add(s, r3.Scale(k*k*k*conf[j], f[j]))
			}
			if r3.Norm(s) > 0 {
				out[i] = r3.Unit(s)
			} else {
				out[i] = f[i]
			}
		}
		if pass == 1 {
			break
		}
		var ang []float64
		for i := range n {
			if keep[i] {
				ang = append(ang, angle(f[i], out[i]))
			}
		}
		lim := max(3*median(ang), 5*math.Pi/180)
		for i := range n {
			if keep[i] && angle(f[i], out[i]) > lim {
				keep[i] = false
			}
		}
	}
	return out
}

func angle(a, b r3.Vec) float64 {
	return math.Acos(math.Max(-1, math.Min(1, r3.Dot(r3.Unit(a), r3.Unit(b)))))
}

// Resolution implements qa.Resolver: a displacement between two fitted centres shorter than
// minMotion is within their noise (a still object's fit wanders by about a centimetre when a
// border or an occluder cuts it), so it has no direction.
func (e *Estimate) Resolution() float64 {
	if !e.opt.Resolve {
		return 0
	}
	return minMotion
}

const minMotion = 0.02
