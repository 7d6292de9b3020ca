#version 450
// nn_rope: rotary embedding of X (rows × heads·hd) with per-row tables COS, SIN (rows × hd), as
// Qwen2.5-VL applies M-RoPE once the sections are folded into the tables (nn.MRoPETable):
//   out[i]      = x[i]·cos[i]           − x[i + hd/2]·sin[i]
//   out[i+hd/2] = x[i + hd/2]·cos[i+hd/2] + x[i]·sin[i+hd/2]        for i < hd/2.
// One invocation per (row, head, i).
layout(local_size_x_id = 0) in;
#include "common.glsl"

layout(binding = 0) uniform samplerBuffer X;
layout(binding = 1) uniform samplerBuffer COS;
layout(binding = 2) uniform samplerBuffer SIN;
layout(std430, binding = 3) writeonly buffer Out { float o[]; };
// flatIndex: the element of this invocation; 1D work past maxComputeWorkGroupCount[0] groups is
// spread over y (nn's grid1D).
uint flatIndex() { return groupIndex() * WG_X + gl_LocalInvocationID.x; }

layout(push_constant) uniform Push { uint rows; uint heads; uint hd; } pc;

void main() {
	uint g = flatIndex();
	uint half_ = pc.hd / 2;
	if (g >= pc.rows * pc.heads * half_) return;
	uint i = g % half_;
	uint rh = g / half_; // row * heads + head
	uint r = rh / pc.heads;
	uint base = rh * pc.hd, tb = r * pc.hd;
	float x1 = texelFetch(X, int(base + i)).x, x2 = texelFetch(X, int(base + i + half_)).x;
	o[base + i] = x1 * texelFetch(COS, int(tb + i)).x - x2 * texelFetch(SIN, int(tb + i)).x;
	o[base + i + half_] = x2 * texelFetch(COS, int(tb + i + half_)).x + x1 * texelFetch(SIN, int(tb + i + half_)).x;
}
