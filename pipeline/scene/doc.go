// Package scene owns dsr4d's on-disk scene format, dsr4d-scene/1: the per-frame geometric
// cues of one video that every later stage reads. A scene is a directory:
//
//	scene.json    {"format":"dsr4d-scene/1","video_id":..,"fps":..,"timestamps":[..],
//	               "image_size":[w,h],"objects":[{"id":1,"class":"person","agent":true},..],
//	               "source":{..}}
//	geometry.npz  local_points (N,H,W,3) f32, OpenCV camera frame; conf (N,H,W) f32 logits;
//	              camera_poses (N,4,4) f32 camera-to-world (OpenCV)
//	masks.npz     obj_<id>: (N,h,w) bool (uint8 accepted on read) per object, (w,h) = image_size
//	orient.json   {"<id>":[{"frame":i,"azimuth":..,"polar":..,"rotation":..,"confidence":..},..]}
//	frames/       optional RGB frames 000.png, 001.png, ... (viewer colours)
//	gt.json       synthetic scenes only: ground truth ([GT], written by package synth), kept verbatim
//
// [Load] reads and validates a scene; [Save] validates and writes one, building it whole in a
// temporary directory that then takes the directory's place in one step (see Save for crashes and
// concurrent Saves). Readers check sizes before they allocate: JSON files are capped and must be
// regular files, npz members are checked against the declared shapes, frames against image_size
// from their header ([Scene.Frame]). [Mean] is the one definition of an object's centre. [Validate]
// checks every rule below and returns the first violation as one line naming the file, the
// array or field, and what was expected.
//
// # Conventions
//
// Axes and poses follow package geom: OpenCV camera axes (x right, y down, z forward), poses
// map camera to world, viewer axes x forward, y left, z up. Orientation angles are Orient
// Anything's, in degrees: azimuth ∈ [0, 360), polar ∈ [−90, 90), rotation ∈ [−90, 90),
// confidence ∈ [0, 1]; an angle set with confidence < 0.6 is unusable but valid.
//
// Big arrays are float32 (bool for masks) flat slices in C order, exactly as stored: a
// stored float32 member is read straight into the slice the Scene keeps, with no
// intermediate copy. Other float widths (f16, f64) and Fortran order are accepted on read
// and converted. Frame i of an array is the i-th sub-slice, see [Scene.PointMap] and
// [Scene.Mask].
//
// # Rules
//
//   - scene.json: all fields present, no unknown fields; format "dsr4d-scene/1"; non-empty
//     video_id; fps finite and > 0; one timestamp per frame, in [0, MaxTime], strictly
//     increasing; image_size positive; object ids > 0 and unique; classes non-empty.
//   - geometry.npz: local_points (N,H,W,3), conf (N,H,W), camera_poses (N,4,4) with the
//     same N and the same H, W; N ≥ 1; points finite with |v| ≤ MaxCoord; conf not NaN; every pose finite with
//     bottom row (0,0,0,1), a rotation block orthonormal with determinant +1 within
//     [PoseTolerance] and a translation with |t| ≤ MaxCoord.
//   - masks.npz: exactly one member obj_<id> per object, shape (N, h, w).
//   - orient.json: optional; a JSON object (null is an error: leave the file out); keys are ids of agents; frames in [0, N) without repeats;
//     angles and confidence in range.
//   - frames/: optional; when present, exactly N images.
package scene
