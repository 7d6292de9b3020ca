// Package importer converts the layouts researchers have into dsr4d-scene/1 scenes.
//
// Geometry sources (each gives N frames of local point maps, confidence logits and
// camera-to-world poses, see [Geometry]):
//   - [Pi3]: π³ outputs in one .npz or a directory of .npy files: local_points (N,H,W,3),
//     conf (N,H,W) or (N,H,W,1) logits, camera_poses (N,4,4) camera-to-world; a leading batch
//     axis of 1 is dropped. When local_points is absent, the world points "points" are moved
//     into each camera with the inverse pose.
//   - [VGGT]: extrinsic (N,3,4) world-to-camera [R|t], intrinsic (N,3,3), depth (N,H,W) or
//     (N,H,W,1), optional depth_conf (N,H,W): poses are inverted to camera-to-world and
//     depth is unprojected; VGGT's confidence 1 + exp(x) is turned back into the logit x.
//   - [Depth]: depths (N,H,W), intrinsics (N,3,3), poses (N,4,4) camera-to-world in one
//     .npz (π³'s examples/room/condition.npz layout); depth 0 marks missing data.
//
// Pixels without a usable depth (≤ 0, NaN, Inf) get the point (0,0,0) and the logit
// [InvalidLogit]; other depth pixels from VGGT without confidence and from Depth get
// [ValidLogit].
//
// Objects and masks come from [GSAM2] (Grounded-SAM-2's mask_data/ instance-id maps, uint16
// PNG or .npy, with json_data/ per-frame JSON naming each instance's class and box);
// orientations from [Orientations] (Orient Anything results). [Assemble] puts a geometry,
// masks and orientations together with timing into a [scene.Scene] and validates it.
//
// Axes and pose conventions are those of package geom (OpenCV camera axes, camera-to-world).
package importer
