// Package fuse turns a scene's per-frame cues into what questions are computed from: pixel
// validity (SPEC-QA §1: sigmoid(conf) > 0.1 and not a π³ depth edge), per-object per-frame
// centres (the mean of the local points over mask ∧ valid, the point map sampled at the mask
// resolution by the float32 nearest-neighbour rule, never materialised) and world-frame point
// clouds for export and the viewer.
//
// Two backends compute the same Centres: CPU, the reference (scene.ValidMask and
// scene.VisiblePixels, float64 sums), and Vulkan, two kernels — shaders/fuse_valid.comp writes
// each point-map pixel's (x, y, z, valid) once; shaders/fuse_centres.comp gives one invocation
// to each (object, frame, mask row), which walks the row's bit-packed mask, maps each set
// pixel to its point-map pixel on the fly and accumulates (Σx, Σy, Σz, count) in registers,
// storing once: a segmented reduction (Vulkan 1.1 has no float atomics) whose per-row
// partials the host sums in float64. Counts are exact on both; sums agree to float32
// rounding of a row's partial.
package fuse
