package qa

import (
	"encoding/json"
	"fmt"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/dsr4d/dsr4d/geom"
	"github.com/dsr4d/dsr4d/pipeline/scene"
)

// Truth are the exact cues of a synthetic scene from its gt.json: volume centroids in the true
// camera frames, agents' viewer rotations built from their true facing and the world's up,
// and the true camera poses. Every centre and rotation is available at every frame.
type Truth struct {
	poses   []geom.Rigid
	centres map[int][]r3.Vec
	rots    map[int][]geom.Mat3
}

// NewTruth reads gt.json (scene.GT) for a scene of n frames.
func NewTruth(gt json.RawMessage, n int) (*Truth, error) {
	if gt == nil {
		return nil, fmt.Errorf("qa: scene has no gt.json (only synthetic scenes have ground truth)")
	}
	var g scene.GT
	if err := json.Unmarshal(gt, &g); err != nil {
		return nil, fmt.Errorf("qa: gt.json: %w", err)
	}
	if g.Format != scene.GTFormat {
		return nil, fmt.Errorf("qa: gt.json: format %q, want %q", g.Format, scene.GTFormat)
	}
	if len(g.Frames) != n {
		return nil, fmt.Errorf("qa: gt.json: %d frames, scene has %d", len(g.Frames), n)
	}
	t := &Truth{centres: map[int][]r3.Vec{}, rots: map[int][]geom.Mat3{}}
	for i, f := range g.Frames {
		p, err := geom.RigidFromMatrix(f.CameraPose[:])
		if err != nil {
			return nil, fmt.Errorf("qa: gt.json: frame %d: camera_pose: %w", i, err)
		}
		t.poses = append(t.poses, p)
		// The world's up (z) in this camera's coordinates.
		up := p.R.T().MulVec(r3.Vec{Z: 1})
		for _, o := range f.Objects {
			if t.centres[o.ID] == nil {
				t.centres[o.ID] = make([]r3.Vec, n)
			}
			c := o.CentreCamera
			t.centres[o.ID][i] = r3.Vec{X: c[0], Y: c[1], Z: c[2]}
			if len(o.FacingCamera) == 3 {
				if t.rots[o.ID] == nil {
					t.rots[o.ID] = make([]geom.Mat3, n)
				}
				fc := r3.Unit(r3.Vec{X: o.FacingCamera[0], Y: o.FacingCamera[1], Z: o.FacingCamera[2]})
				u := r3.Unit(r3.Sub(up, r3.Scale(r3.Dot(up, fc), fc)))
				l := r3.Cross(u, fc)
				t.rots[o.ID][i] = geom.Mat3{{fc.X, fc.Y, fc.Z}, {l.X, l.Y, l.Z}, {u.X, u.Y, u.Z}}
			}
		}
	}
	return t, nil
}

// Centre implements Cues.
func (t *Truth) Centre(id, i int) (r3.Vec, bool) {
	c, ok := t.centres[id]
	if !ok {
		return r3.Vec{}, false
	}
	return c[i], true
}

// Rotation implements Cues.
func (t *Truth) Rotation(id, i int) (geom.Mat3, bool) {
	r, ok := t.rots[id]
	if !ok || r[i] == (geom.Mat3{}) {
		return geom.Mat3{}, false
	}
	return r[i], true
}

// Pose implements Cues.
func (t *Truth) Pose(i int) geom.Rigid { return t.poses[i] }

// Oracle feeds true values through the estimated pipeline's gating: a centre or rotation is
// available exactly when Gate has one (so the same questions can be asked) and its value is
// Truth's; poses are the true ones. The audit's own test: questions made from Oracle cues
// agree 100% with the truth.
type Oracle struct {
	Gate  Cues
	Truth *Truth
}

// Centre implements Cues.
func (o Oracle) Centre(id, i int) (r3.Vec, bool) {
	if _, ok := o.Gate.Centre(id, i); !ok {
		return r3.Vec{}, false
	}
	return o.Truth.Centre(id, i)
}

// Rotation implements Cues.
func (o Oracle) Rotation(id, i int) (geom.Mat3, bool) {
	if _, ok := o.Gate.Rotation(id, i); !ok {
		return geom.Mat3{}, false
	}
	return o.Truth.Rotation(id, i)
}

// Pose implements Cues.
func (o Oracle) Pose(i int) geom.Rigid { return o.Truth.Pose(i) }

// Resolution implements Resolver: the truth resolves any displacement beyond rounding.
func (o Oracle) Resolution() float64 { return StillTol }
