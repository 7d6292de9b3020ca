#version 450
// nn_gather: out[i, c] = table[ids[i], c] for i < n, c < cols (embedding lookup; ids are row
// indices the host has checked). One invocation per output element.
layout(local_size_x_id = 0) in;
#include "common.glsl"

layout(binding = 0) uniform samplerBuffer T;
layout(std430, binding = 1) readonly buffer Ids { uint ids[]; };
layout(std430, binding = 2) writeonly buffer Out { float o[]; };
// flatIndex: the element of this invocation; 1D work past maxComputeWorkGroupCount[0] groups is
// spread over y (nn's grid1D).
uint flatIndex() { return groupIndex() * WG_X + gl_LocalInvocationID.x; }

layout(push_constant) uniform Push { uint n; uint cols; } pc;

void main() {
	uint g = flatIndex();
	if (g >= pc.n * pc.cols) return;
	uint i = g / pc.cols, c = g % pc.cols;
	o[g] = texelFetch(T, int(ids[i] * pc.cols + c)).x;
}
