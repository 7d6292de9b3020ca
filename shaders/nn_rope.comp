#version 450
// nn_rope: rotary embedding of X (rows × heads·hd) with per-row tables COS, SIN (rows × hd). A
// head is split into parts of pd dims (pd = hd: RoPE and M-RoPE, nn.MRoPETable; pd = hd/2: π³'s
// RoPE2D, y then x) and each part rotated over its halves, with h = pd/2 and part base b:
//   out[b+i]   = x[b+i]·cos[b+i]       − x[b+i+h]·sin[b+i]
//   out[b+i+h] = x[b+i+h]·cos[b+i+h]   + x[b+i]·sin[b+i+h]        for i < h.
// One invocation per (row, head, pair).
layout(local_size_x_id = 0) in;
#include "common.glsl"

layout(binding = 0) uniform samplerBuffer X;
layout(binding = 1) uniform samplerBuffer COS;
layout(binding = 2) uniform samplerBuffer SIN;
layout(std430, binding = 3) writeonly buffer Out { float o[]; };
uint flatIndex() { return groupIndex() * WG_X + gl_LocalInvocationID.x; }

layout(push_constant) uniform Push { uint rows; uint heads; uint hd; uint pd; } pc;

void main() {
	uint g = flatIndex();
	uint pairs = pc.hd / 2, h = pc.pd / 2;
	if (g >= pc.rows * pc.heads * pairs) return;
	uint i = g % pairs;
	uint rh = g / pairs; // row * heads + head
	uint r = rh / pc.heads;
	uint part = i / h, j = i % h;
	uint base = rh * pc.hd + part * pc.pd + j, tb = r * pc.hd + part * pc.pd + j;
	float x1 = texelFetch(X, int(base)).x, x2 = texelFetch(X, int(base + h)).x;
	o[base] = x1 * texelFetch(COS, int(tb)).x - x2 * texelFetch(SIN, int(tb)).x;
	o[base + h] = x2 * texelFetch(COS, int(tb + h)).x + x1 * texelFetch(SIN, int(tb + h)).x;
}
