// Package synth generates synthetic dynamic 4D scenes whose truth is known exactly and writes
// them in the dsr4d-scene/1 format (package scene) with a gt.json beside them.
//
// A Config (seed, frames, fps, video and point-map sizes, number of dynamic objects, preset,
// noise) becomes a World (NewWorld): a ground disk, a ring of buildings, K ≥ 2 dynamic objects
// and the preset's tracked static objects, each one primitive (box, sphere, cylinder or capsule)
// of a Class, some of them agents with a facing direction, each on a Path from the motion
// library (approach, recede, pass by, circle, stop-and-go, accelerate, turn in place, follow
// another object), and a CameraPath (fixed, orbit, dolly or pan, optionally with a hand-held
// shake). Generate renders every frame with a Caster — GPU (shaders/raycast.comp on a vk
// Device) or CPU, the float64 Go reference it is tested against — and Write saves the result.
// Everything is a pure function of the Config: the same seed gives a byte-identical directory
// (on the same renderer; the GPU's float32 and the CPU's float64 differ in the last bits).
//
// # Conventions
//
//   - World: metres and seconds, z up, the ground is the plane z = 0. Cameras follow package
//     geom: OpenCV axes (x right, y down, z forward), poses map camera to world, pixel centres
//     at integer (u, v), u = fx·x/z + cx. Both cameras (video and point map) share one field of
//     view with the principal point at the image centre ((w−1)/2, (h−1)/2), so a point-map pixel
//     and the video pixels it covers look along nearly the same rays.
//   - Objects: a primitive's local x axis is the object's facing, local z its up (the world z);
//     every shape is centrally symmetric, so its centre is its exact volume centroid. Object ids
//     are 1..K for the dynamic objects, then the static ones.
//   - Rendering: one ray through each pixel centre. local_points are the unprojected depth
//     (z) of the nearest hit at the point-map size; sky pixels get depth 100. conf logits are
//     ConfSurface inside surfaces, ConfSilhouette where a 4-neighbour sees another primitive or
//     the sky, ConfSky for the sky. masks.npz holds, at the video size, exactly the pixels whose
//     centre ray hits the object first (then noise). frames/ are Lambert-shaded RGB.
//   - Orientations: for every agent visible in a frame, Orient Anything angles in the DSR
//     reference's convention, computed from the true facing and up in the true camera frame by
//     Angles so that geom.AgentRotation of them has rows (facing, left, up) and geom.Facing
//     returns the facing; confidence OrientConfidence without noise.
//   - Noise (Noise, ParseNoise) perturbs only what a vision model would get wrong: point-map
//     depth (multiplicative), stored poses (per-frame jitter and a drifting random walk),
//     masks (erosion/dilation), angles (and their confidence) and occlusions (an object's mask
//     and angles dropped for 1–3 frames). Each source draws from its own seeded stream.
//   - gt.json (scene.GT, format "dsr4d-synth-gt/1") always holds the noise-free truth: intrinsics,
//     the camera path, object specs and paths, and per frame the true and stored camera poses,
//     each object's world and camera-frame volume centroid, agents' facing vectors (world and
//     camera) with their exact angles, and mask pixel counts.
package synth
