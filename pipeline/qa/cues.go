package qa

import (
	"math"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/dsr4d/dsr4d/geom"
	"github.com/dsr4d/dsr4d/pipeline/scene"
)

// Cues are the per-frame geometric facts questions are computed from: object centres in each
// frame's camera coordinates, agents' viewer rotations and the camera poses. Package fuse
// estimates them from a scene (the reference's way); Truth reads them from a synthetic scene's
// gt.json.
type Cues interface {
	// Centre returns object id's centre in the camera frame of frame i; false when the object
	// is not visible there (no valid pixel under its mask).
	Centre(id, i int) (r3.Vec, bool)
	// Rotation returns agent id's viewer rotation at frame i (geom.AgentRotation of its
	// angles); false when it has no orientation of confidence ≥ 0.6 there.
	Rotation(id, i int) (geom.Mat3, bool)
	// Pose returns the camera-to-world pose of frame i.
	Pose(i int) geom.Rigid
}

// MinConfidence is the orientation confidence below which an angle set is unusable.
const MinConfidence = 0.6

// Centres give an object's centre at a frame in that frame's camera coordinates (package fuse's
// Centres: the mean of the visible surface points, scene.Mean).
type Centres interface {
	Centre(id, i int) (r3.Vec, bool)
}

// Estimated are the reference's cues: centres from package fuse, orientations from the scene's
// orient.json, poses from geometry.npz.
type Estimated struct {
	S       *scene.Scene
	Centres Centres
}

// Centre implements Cues.
func (e *Estimated) Centre(id, i int) (r3.Vec, bool) { return e.Centres.Centre(id, i) }

// Rotation implements Cues.
func (e *Estimated) Rotation(id, i int) (geom.Mat3, bool) {
	o, ok := e.S.OrientationAt(id, i)
	if !ok || o.Confidence < MinConfidence {
		return geom.Mat3{}, false
	}
	return geom.AgentRotation(o.Azimuth, o.Polar, o.Rotation), true
}

// Pose implements Cues.
func (e *Estimated) Pose(i int) geom.Rigid { return e.S.Pose(i) }

// norm is the reference's cal_dis: sqrt(x² + y² + z²) summed in that order.
func norm(v r3.Vec) float64 { return math.Sqrt(v.X*v.X + v.Y*v.Y + v.Z*v.Z) }

// Resolver is implemented by cues that know the shortest displacement they resolve (package
// robust: its fitted centres). A dir_pred question whose displacement is shorter has no
// direction the cues can tell: Generate rejects it (RejectStill), where the reference answers
// it from noise (or, for an object that does not move at all, from rounding in the pose
// arithmetic). A speed step that short is rest (ResolvedAnswer). The audit's truth has no
// direction below StillTol; its speeds are the reference's, rounding included (an object at
// rest gets a 0/0 when its speeds are exactly zero, "Keep nearly constant" when rounding
// leaves them at 1e-16, as the reference's code does).
type Resolver interface{ Resolution() float64 }

// StillTol is the true displacement (m) below which a dir_pred question has no true answer:
// rounding, not motion.
const StillTol = 1e-9
