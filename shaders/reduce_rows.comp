#version 450
// reduce_rows: out[r] = OP over a[r, 0..cols) for r < rows; OP (specialisation) 0 sum, 1 max.
// ROW_THREADS = 1: one invocation per row, no barriers (CPU devices such as lavapipe).
// ROW_THREADS = local_size_x > 1: a workgroup per row, a shared-memory tree (GPUs).
layout(local_size_x_id = 0) in;
#include "common.glsl"
layout(constant_id = 1) const uint OP = 0;
// enum OP: Sum = 0, Max = 1
layout(constant_id = 2) const uint ROW_THREADS = 1;

layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) writeonly buffer Out { float o[]; };
layout(push_constant) uniform Push { uint rows; uint cols; } pc;

shared float partial[WG_X];

float combine(float x, float y) { return OP == 0 ? x + y : max(x, y); }
float identity() { return OP == 0 ? 0.0 : uintBitsToFloat(0xff800000u); } // -inf for max

void main() {
	if (ROW_THREADS == 1) {
		uint r = groupIndex() * WG_X + gl_LocalInvocationID.x;
		if (r >= pc.rows) return;
		float acc = identity();
		uint base = r * pc.cols;
		for (uint c = 0; c < pc.cols; c++) acc = combine(acc, a[base + c]);
		o[r] = acc;
		return;
	}
	uint r = groupIndex();
	uint t = gl_LocalInvocationID.x;
	float acc = identity();
	if (r < pc.rows) {
		uint base = r * pc.cols;
		for (uint c = t; c < pc.cols; c += WG_X) acc = combine(acc, a[base + c]);
	}
	partial[t] = acc;
	barrier();
	for (uint s = WG_X / 2; s > 0; s >>= 1) {
		if (t < s) partial[t] = combine(partial[t], partial[t + s]);
		barrier();
	}
	if (t == 0 && r < pc.rows) o[r] = partial[0];
}
