package scene

import "encoding/json"

// GTFormat tags gt.json.
const GTFormat = "dsr4d-synth-gt/1"

// GT is the content of gt.json: the noise-free truth of a synthetic scene (package synth writes
// it; package qa's audit reads it). Noise, Camera and Objects are the generator's settings, kept
// as written (package synth's Noise, CameraPath and []ObjectSpec).
type GT struct {
	Format     string          `json:"format"`
	VideoID    string          `json:"video_id"`
	Seed       uint64          `json:"seed"`
	Preset     string          `json:"preset"`
	Noise      json.RawMessage `json:"noise"`
	Renderer   string          `json:"renderer"`
	World      string          `json:"world"`
	Intrinsics GTIntrinsics    `json:"intrinsics"`
	Camera     json.RawMessage `json:"camera"`
	Objects    json.RawMessage `json:"objects"`
	Frames     []GTFrame       `json:"frames"`
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
