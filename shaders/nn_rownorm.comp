#version 450
// nn_rownorm: per-row normalisation of X (rows × cols), one invocation per row, no barriers.
//  MODE 0 RMSNorm:   out = x · rsqrt(mean(x²) + eps) · w         (Qwen2RMSNorm, f32)
//  MODE 1 LayerNorm: out = (x − mean) · rsqrt(var + eps) · w + b  (biased variance; B unused by MODE 0)
// Inputs are texel buffers (vector gathers on lavapipe); VEC4 (cols % 4 == 0, 16-byte aligned)
// binds them as RGBA32F and reads four columns per fetch.
layout(local_size_x_id = 0) in;
#include "common.glsl"
layout(constant_id = 1) const uint MODE = 0;
// enum MODE: RMSNorm = 0, LayerNorm = 1
layout(constant_id = 2) const bool VEC4 = false;

layout(binding = 0) uniform samplerBuffer X;
layout(binding = 1) uniform samplerBuffer W;
layout(binding = 2) uniform samplerBuffer B;
layout(std430, binding = 3) writeonly buffer Out { float o[]; };
// flatIndex: the element of this invocation; 1D work past maxComputeWorkGroupCount[0] groups is
// spread over y (nn's grid1D).
uint flatIndex() { return groupIndex() * WG_X + gl_LocalInvocationID.x; }

layout(push_constant) uniform Push { uint rows; uint cols; float eps; } pc;

void main() {
	uint r = flatIndex();
	if (r >= pc.rows) return;
	float n = float(pc.cols);
	if (VEC4) {
		uint c4 = pc.cols / 4, base = r * c4;
		vec4 s = vec4(0.0);
		for (uint c = 0; c < c4; c++) s += texelFetch(X, int(base + c));
		float mean = MODE == 1 ? (s.x + s.y + s.z + s.w) / n : 0.0;
		vec4 ss = vec4(0.0);
		for (uint c = 0; c < c4; c++) {
			vec4 d = texelFetch(X, int(base + c)) - mean;
			ss += d * d;
		}
		float inv = inversesqrt((ss.x + ss.y + ss.z + ss.w) / n + pc.eps);
		for (uint c = 0; c < c4; c++) {
			vec4 y = (texelFetch(X, int(base + c)) - mean) * inv * texelFetch(W, int(c));
			if (MODE == 1) y += texelFetch(B, int(c));
			uint i = (base + c) * 4;
			o[i] = y.x;
			o[i + 1] = y.y;
			o[i + 2] = y.z;
			o[i + 3] = y.w;
		}
		return;
	}
	uint base = r * pc.cols;
	float mean = 0.0;
	if (MODE == 1) {
		float s = 0.0;
		for (uint c = 0; c < pc.cols; c++) s += texelFetch(X, int(base + c)).x;
		mean = s / n;
	}
	float ss = 0.0;
	for (uint c = 0; c < pc.cols; c++) {
		float d = texelFetch(X, int(base + c)).x - mean;
		ss += d * d;
	}
	float inv = inversesqrt(ss / n + pc.eps);
	for (uint c = 0; c < pc.cols; c++) {
		float y = (texelFetch(X, int(base + c)).x - mean) * inv * texelFetch(W, int(c)).x;
		if (MODE == 1) y += texelFetch(B, int(c)).x;
		o[base + c] = y;
	}
}
