// Package export writes scenes to the formats other tools read: point clouds as binary
// little-endian PLY ([PLYEncoder]) and glTF 2.0 binary GLB ([GLBEncoder]), and camera paths as
// TUM and KITTI trajectories ([WriteTUM], [WriteKITTI]).
//
// [WorldCloud] turns a scene into a [Cloud]: every valid pixel (sigmoid(conf) > 0.1 and not a
// depth edge, see scene.ValidMask) of the chosen frames, moved to world coordinates with the
// frame's camera-to-world pose, coloured from the RGB frames when the scene has them (or by
// time otherwise), with an optional per-point scalar: the frame's timestamp or the object id
// under the pixel (0 for background).
//
// Coordinates are written as they are in the scene's world frame (OpenCV: y down, z forward
// of the first camera in π³ outputs), except in GLB, whose viewers assume glTF's y-up axes:
// [GLBEncoder] maps (x, y, z) to (x, −y, −z) unless KeepAxes is set. Encoders are plain
// structs whose zero value works, as image/png's; the package-level functions use it.
// File writers go through a temporary file and a rename, so a failure leaves nothing behind.
package export
