// Package geom provides the geometry dsr4d needs to turn per-frame vision outputs into
// dynamic-spatial-reasoning facts: rotations, rigid and similarity transforms, quaternions,
// camera intrinsics and unprojection, viewer frames for the camera and for agents, Umeyama
// alignment, trajectory errors (ATE, RPE), pose interpolation and the TUM and KITTI
// trajectory formats.
//
// All values are float64 and plain value types; points and vectors are gonum's [r3.Vec],
// quaternions are gonum's [quat.Number] (Real is the scalar part). Big per-pixel arrays live
// elsewhere as float32 and are converted here, one point at a time.
//
// # Conventions
//
// Camera frame (OpenCV): x points right, y points down, z points forward (out of the lens).
// A pixel (u, v) has u along x (column index) and v along y (row index); pixel centres sit at
// integer coordinates, as in π³ and the DSR reference (u = fx·x/z + cx).
//
// Poses map camera to world: a pose (R, t) sends a camera-frame point p to R·p + t in the
// world frame. Moving a point from the camera frame of frame i into that of frame r is
// p_r = R_r⁻¹·(R_i·p + t_i − t_r); see [Rigid.RelativeTo].
//
// Viewer axes: x forward, y left, z up. For the camera, [CameraViewer] is
// S(p) = (p.z, −p.x, −p.y).
//
// Agent frame: from the Orient Anything angles azimuth az, polar po and rotation ro (degrees)
// and the agent's centre c in camera coordinates,
//
//	A(p) = Rz(270)·Rx(90)·Ry(az)·Rx(po)·Rz(ro) · (p − c)
//
// with the DSR reference's own elementary matrices (angles in degrees):
//
//	Rx(a) = [[1, 0, 0], [0, cos a, sin a], [0, −sin a, cos a]]
//	Ry(a) = [[cos a, 0, −sin a], [0, 1, 0], [sin a, 0, cos a]]
//	Rz(a) = [[cos a, sin a, 0], [−sin a, cos a, 0], [0, 0, 1]]
//
// Note these are the transposes of the usual right-handed active rotations: Rx(a) rotates a
// vector by −a about x. [Rx], [Ry] and [Rz] return exactly these; [AxisAngle] is the usual
// active rotation (right-hand rule). The agent's facing direction in camera coordinates is
// the inverse rotation applied to (1, 0, 0); see [AgentFrame.Facing].
//
// Matrices are row-major: [Mat3] m[i][j] is row i, column j, and a 4×4 pose matrix in a flat
// slice stores rows one after the other, as numpy does in C order.
//
// Quaternions: [quat.Number] with Real the scalar w and Imag, Jmag, Kmag the vector part
// (x, y, z). Files differ in order: TUM and scipy write scalar-last (x, y, z, w), Eigen's
// constructor and many papers write scalar-first (w, x, y, z); [QuatFromXYZW], [QuatToXYZW],
// [QuatFromWXYZ] and [QuatToWXYZ] convert. Unit quaternions returned by this package have
// Real ≥ 0.
//
// Errors: functions whose inputs come from user data (trajectory files, alignment inputs)
// return errors; functions given impossible shapes by the programmer panic.
package geom
