#version 450
// nn_softmax: row softmax of X (rows × cols), one invocation per row, no barriers:
// m = max(x), out = exp(x − m) / Σ exp(x − m).
layout(local_size_x_id = 0) in;
#include "common.glsl"

layout(binding = 0) uniform samplerBuffer X;
layout(std430, binding = 1) writeonly buffer Out { float o[]; };
// flatIndex: the element of this invocation; 1D work past maxComputeWorkGroupCount[0] groups is
// spread over y (nn's grid1D).
uint flatIndex() { return groupIndex() * WG_X + gl_LocalInvocationID.x; }

layout(push_constant) uniform Push { uint rows; uint cols; } pc;

void main() {
	uint r = flatIndex();
	if (r >= pc.rows) return;
	uint base = r * pc.cols;
	float m = texelFetch(X, int(base)).x;
	for (uint c = 1; c < pc.cols; c++) m = max(m, texelFetch(X, int(base + c)).x);
	float s = 0.0;
	for (uint c = 0; c < pc.cols; c++) s += exp(texelFetch(X, int(base + c)).x - m);
	float inv = 1.0 / s;
	for (uint c = 0; c < pc.cols; c++) o[base + c] = exp(texelFetch(X, int(base + c)).x - m) * inv;
}
