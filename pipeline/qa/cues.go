package qa

import (
	"math"

	"github.com/dsr4d/dsr4d/geom"
	"github.com/dsr4d/dsr4d/pipeline/scene"
	"gonum.org/v1/gonum/spatial/r3"
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

// Estimated are the reference's cues: centres from per-object pixel counts and sums (package
// fuse), orientations from the scene's orient.json, poses from geometry.npz.
type Estimated struct {
	S *scene.Scene
	// Index maps an object id to its row in Count and Sum.
	Index map[int]int
	Count [][]int        // [object][frame] valid pixels under the mask
	Sum   [][][3]float64 // [object][frame] sum of their local points
}

// Centre implements Cues. A centre with a non-finite coordinate counts as not visible.
func (e *Estimated) Centre(id, i int) (r3.Vec, bool) {
	k, ok := e.Index[id]
	if !ok || e.Count[k][i] == 0 {
		return r3.Vec{}, false
	}
	n := float64(e.Count[k][i])
	s := e.Sum[k][i]
	c := r3.Vec{X: s[0] / n, Y: s[1] / n, Z: s[2] / n}
	if !finite(c) {
		return r3.Vec{}, false
	}
	return c, true
}

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

func finite(v r3.Vec) bool {
	return !math.IsNaN(v.X+v.Y+v.Z) && !math.IsInf(v.X+v.Y+v.Z, 0)
}

// norm is the reference's cal_dis: sqrt(x² + y² + z²) summed in that order.
func norm(v r3.Vec) float64 { return math.Sqrt(v.X*v.X + v.Y*v.Y + v.Z*v.Z) }
