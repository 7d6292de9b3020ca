package synth

import (
	"gonum.org/v1/gonum/spatial/r3"
)

// GTFormat tags gt.json.
const GTFormat = "dsr4d-synth-gt/1"

// GT is the content of gt.json: the noise-free truth of a synthetic scene.
type GT struct {
	Format     string       `json:"format"`
	VideoID    string       `json:"video_id"`
	Seed       uint64       `json:"seed"`
	Preset     string       `json:"preset"`
	Noise      Noise        `json:"noise"`
	Renderer   string       `json:"renderer"`
	World      string       `json:"world"`
	Intrinsics GTIntrinsics `json:"intrinsics"`
	Camera     CameraPath   `json:"camera"`
	Objects    []ObjectSpec `json:"objects"`
	Frames     []GTFrame    `json:"frames"`
}

// GTIntrinsics are the pinhole intrinsics of the video (masks, RGB) and of the point maps.
type GTIntrinsics struct {
	Image  GTCamera `json:"image"`
	Points GTCamera `json:"points"`
}

// GTCamera is one pinhole camera: u = fx·x/z + cx, v = fy·y/z + cy, pixel centres at integers.
type GTCamera struct {
	W  int     `json:"w"`
	H  int     `json:"h"`
	Fx float64 `json:"fx"`
	Fy float64 `json:"fy"`
	Cx float64 `json:"cx"`
	Cy float64 `json:"cy"`
}

// GTFrame is the truth at one frame.
type GTFrame struct {
	Frame int     `json:"frame"`
	Time  float64 `json:"time"`
	// CameraPose is the true camera-to-world pose (row-major 4×4, OpenCV axes); StoredPose the
	// one written to geometry.npz (differs only with pose noise).
	CameraPose [16]float64 `json:"camera_pose"`
	StoredPose [16]float64 `json:"stored_pose"`
	Objects    []GTObject  `json:"objects"`
}

// GTObject is one object's truth at one frame.
type GTObject struct {
	ID int `json:"id"`
	// Centre is the volume centroid in the world; CentreCamera the same point in this frame's
	// true camera frame.
	Centre       [3]float64 `json:"centre"`
	CentreCamera [3]float64 `json:"centre_camera"`
	// Facing (agents only) is the unit facing direction in the world and in the true camera
	// frame; Angles are the noise-free Orient Anything angles that geom.Facing turns back into
	// FacingCamera (absent when the agent's roll against the camera leaves their range).
	Facing       []float64 `json:"facing,omitempty"`
	FacingCamera []float64 `json:"facing_camera,omitempty"`
	Angles       *GTAngles `json:"angles,omitempty"`
	// Pixels is the number of noise-free mask pixels at the video size (0: not in view or
	// hidden behind other surfaces); Occluded marks frames emptied by occlusion noise.
	Pixels   int  `json:"pixels"`
	Occluded bool `json:"occluded,omitempty"`
}

// GTAngles are Orient Anything angles in degrees.
type GTAngles struct {
	Azimuth  float64 `json:"azimuth"`
	Polar    float64 `json:"polar"`
	Rotation float64 `json:"rotation"`
}

func vec3(v r3.Vec) [3]float64 { return [3]float64{v.X, v.Y, v.Z} }

func newGT(w *World, renderer string) *GT {
	cfg := w.Config
	return &GT{
		Format: GTFormat, VideoID: cfg.ID(), Seed: cfg.Seed, Preset: cfg.Preset, Noise: cfg.Noise,
		Renderer: renderer,
		World:    "metres and seconds; world z up, ground plane z = 0; poses map OpenCV camera axes (x right, y down, z forward) to the world",
		Intrinsics: GTIntrinsics{
			Image:  GTCamera{W: cfg.Size[0], H: cfg.Size[1], Fx: w.K.Fx, Fy: w.K.Fy, Cx: w.K.Cx, Cy: w.K.Cy},
			Points: GTCamera{W: cfg.PointsSize[0], H: cfg.PointsSize[1], Fx: w.KPoints.Fx, Fy: w.KPoints.Fy, Cx: w.KPoints.Cx, Cy: w.KPoints.Cy},
		},
		Camera:  w.Camera,
		Objects: w.Objects,
	}
}

// gtObject is object k's truth in snap.
func gtObject(o ObjectSpec, snap Snapshot, k, pixels int, occluded bool) GTObject {
	st := snap.Objects[k]
	inv := snap.Pose.Inverse()
	g := GTObject{ID: o.ID, Centre: vec3(st.Centre), CentreCamera: vec3(inv.Apply(st.Centre)), Pixels: pixels, Occluded: occluded}
	if o.Agent {
		f, u := inv.ApplyVec(st.Facing), inv.ApplyVec(st.Up)
		fw, fc := vec3(st.Facing), vec3(f)
		g.Facing, g.FacingCamera = fw[:], fc[:]
		if az, po, ro, ok := Angles(f, u); ok {
			g.Angles = &GTAngles{Azimuth: az, Polar: po, Rotation: ro}
		}
	}
	return g
}
