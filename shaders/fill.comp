#version 450
// fill: dst[i] = value for i < n.
layout(local_size_x_id = 0) in;
#include "common.glsl"
layout(constant_id = 1) const uint PER = 1;

layout(std430, binding = 0) writeonly buffer Dst { float dst[]; };
layout(push_constant) uniform Push { uint n; float value; } pc;

void main() {
	for (uint j = 0; j < PER; j++) {
		uint i = elementIndex(j, PER);
		if (i < pc.n) dst[i] = pc.value;
	}
}
