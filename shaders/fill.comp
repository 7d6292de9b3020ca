#version 450
// fill: dst[i] = value for i < n.
#include "common.glsl"
layout(local_size_x_id = 0) in;

layout(std430, binding = 0) writeonly buffer Dst { float dst[]; };
layout(push_constant) uniform Push { uint n; float value; } pc;

void main() {
	uint i = flatIndex();
	if (i < pc.n) dst[i] = pc.value;
}
