#version 450
// copy: dst[i] = src[i] for i < n (4-byte elements).
layout(local_size_x_id = 0) in;
#include "common.glsl"
layout(constant_id = 1) const uint PER = 1;

layout(std430, binding = 0) readonly buffer Src { uint src[]; };
layout(std430, binding = 1) writeonly buffer Dst { uint dst[]; };
layout(push_constant) uniform Push { uint n; } pc;

void main() {
	for (uint j = 0; j < PER; j++) {
		uint i = elementIndex(j, PER);
		if (i < pc.n) dst[i] = src[i];
	}
}
