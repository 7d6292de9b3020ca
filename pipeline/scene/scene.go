package scene

import (
	"encoding/json"
	"fmt"

	"github.com/dsr4d/dsr4d/geom"
)

// Format is the format tag every scene.json carries.
const Format = "dsr4d-scene/1"

// PoseTolerance is how far a pose's rotation block may be from a rotation (max |RᵀR − I|
// entry and |det R − 1|): generous for float32 network outputs, strict enough to catch
// scaled or sheared matrices and world-to-camera/camera-to-world mix-ups that break
// orthonormality.
const PoseTolerance = 1e-3

// File names inside a scene directory.
const (
	MetaFile     = "scene.json"
	GeometryFile = "geometry.npz"
	MasksFile    = "masks.npz"
	OrientFile   = "orient.json"
	GTFile       = "gt.json"
	FramesDir    = "frames"
)

// Object is one tracked object of a scene.
type Object struct {
	ID    int    `json:"id"`
	Class string `json:"class"`
	Agent bool   `json:"agent"` // has a facing direction (person, animal, vehicle)
}

// Meta is the content of scene.json.
type Meta struct {
	Format     string          `json:"format"`
	VideoID    string          `json:"video_id"`
	FPS        float64         `json:"fps"`
	Timestamps []float64       `json:"timestamps"` // seconds, one per frame
	ImageSize  [2]int          `json:"image_size"` // video resolution (w, h), the masks' size
	Objects    []Object        `json:"objects"`
	Source     json.RawMessage `json:"source,omitempty"` // provenance: importer, inputs, models (kept compact)
}

// Orientation is one Orient Anything estimate for an agent at one frame, in degrees.
type Orientation struct {
	Frame      int     `json:"frame"`
	Azimuth    float64 `json:"azimuth"`
	Polar      float64 `json:"polar"`
	Rotation   float64 `json:"rotation"`
	Confidence float64 `json:"confidence"`
}

// Scene is one loaded dsr4d-scene/1 directory.
type Scene struct {
	Meta

	N, H, W     int       // frames and point-map resolution
	LocalPoints []float32 // (N,H,W,3) camera-frame points, C order
	Conf        []float32 // (N,H,W) confidence logits
	Poses       []float32 // (N,4,4) camera-to-world, row-major

	Masks  map[int][]bool        // object id → (N,h,w) masks, (w,h) = ImageSize
	Orient map[int][]Orientation // agent id → estimates, sorted by frame

	GT     json.RawMessage // gt.json verbatim, nil when absent
	Frames []string        // paths of the RGB frame images, nil when absent
}

// Object returns the object with the given id.
func (s *Scene) Object(id int) (Object, bool) {
	for _, o := range s.Objects {
		if o.ID == id {
			return o, true
		}
	}
	return Object{}, false
}

// Pose returns the camera-to-world pose of frame i.
func (s *Scene) Pose(i int) geom.Rigid {
	m := s.Poses[16*i : 16*i+16]
	var v [16]float64
	for k := range v {
		v[k] = float64(m[k])
	}
	g, _ := geom.RigidFromMatrix(v[:])
	return g
}

// CameraPath returns the camera-to-world poses of all frames.
func (s *Scene) CameraPath() []geom.Rigid {
	p := make([]geom.Rigid, s.N)
	for i := range p {
		p[i] = s.Pose(i)
	}
	return p
}

// SetPose stores g as the pose of frame i.
func (s *Scene) SetPose(i int, g geom.Rigid) {
	m := g.Matrix()
	for k, v := range m {
		s.Poses[16*i+k] = float32(v)
	}
}

// PointMap returns frame i's local point map (a view, not a copy).
func (s *Scene) PointMap(i int) geom.PointMap {
	n := s.H * s.W
	return geom.PointMap{Pix: s.LocalPoints[3*n*i : 3*n*(i+1)], W: s.W, H: s.H}
}

// ConfFrame returns frame i's confidence logits (a view).
func (s *Scene) ConfFrame(i int) []float32 {
	n := s.H * s.W
	return s.Conf[n*i : n*(i+1)]
}

// Mask returns object id's mask at frame i (a view of h·w values, row-major), or nil if
// the object has no mask.
func (s *Scene) Mask(id, i int) []bool {
	m, ok := s.Masks[id]
	if !ok {
		return nil
	}
	n := s.ImageSize[0] * s.ImageSize[1]
	return m[n*i : n*(i+1)]
}

// OrientationAt returns agent id's orientation estimate at frame i, if any.
func (s *Scene) OrientationAt(id, i int) (Orientation, bool) {
	for _, o := range s.Orient[id] {
		if o.Frame == i {
			return o, true
		}
	}
	return Orientation{}, false
}

// New returns an empty scene of n frames with point maps of h×w and masks of the video size
// imgW×imgH, with identity poses, ready for an importer to fill.
func New(videoID string, n, h, w, imgW, imgH int) *Scene {
	s := &Scene{
		Meta: Meta{
			Format:     Format,
			VideoID:    videoID,
			Timestamps: make([]float64, n),
			ImageSize:  [2]int{imgW, imgH},
			Objects:    []Object{},
		},
		N: n, H: h, W: w,
		LocalPoints: make([]float32, n*h*w*3),
		Conf:        make([]float32, n*h*w),
		Poses:       make([]float32, n*16),
		Masks:       map[int][]bool{},
		Orient:      map[int][]Orientation{},
	}
	for i := range n {
		s.SetPose(i, geom.IdentityRigid())
	}
	return s
}

// String summarises the scene in one line.
func (s *Scene) String() string {
	return fmt.Sprintf("scene %q: %d frames, point maps %d×%d, video %d×%d, %d objects",
		s.VideoID, s.N, s.W, s.H, s.ImageSize[0], s.ImageSize[1], len(s.Objects))
}
