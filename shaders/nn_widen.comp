#version 450
// nn_widen: BF16 → float32, exactly: a bfloat16 is the high half of a float32, so widening is
// uintBitsToFloat(bits << 16). W holds the BF16 bits two per uint (little-endian: element 2i in
// the low half); one invocation per pair. Used to feed BF16 Linear weights to the matmul without
// narrowing them to binary16 (which would lose BF16's range below 6.1e-5 and above 65504).
layout(local_size_x_id = 0) in;
#include "common.glsl"

layout(std430, binding = 0) readonly buffer W { uint w[]; };
layout(std430, binding = 1) writeonly buffer Out { float o[]; };
uint flatIndex() { return groupIndex() * WG_X + gl_LocalInvocationID.x; }

layout(push_constant) uniform Push { uint n; } pc;

void main() {
	uint i = flatIndex();
	if (2 * i >= pc.n) return;
	uint b = w[i];
	o[2 * i] = uintBitsToFloat(b << 16);
	if (2 * i + 1 < pc.n) o[2 * i + 1] = uintBitsToFloat(b & 0xffff0000u);
}
