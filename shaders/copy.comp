#version 450
// copy: dst[i] = src[i] for i < n (4-byte elements).
#include "common.glsl"
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer Src { uint src[]; };
layout(std430, binding = 1) writeonly buffer Dst { uint dst[]; };
layout(push_constant) uniform Push { uint n; } pc;

void main() {
	uint i = flatIndex();
	if (i < pc.n) dst[i] = src[i];
}
