#version 450
// nn_unary: elementwise activations, out[i] = f(x[i]) (or f(x[i]) · y[i]) for i < n.
//  OP 0 GELU, exact: 0.5·x·(1 + erf(x/√2)); erf by Abramowitz–Stegun 7.1.26 refined (|err| < 1.2e-7)
//  OP 1 GELU, tanh:  0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
//  OP 2 SiLU:        x·σ(x)
//  OP 3 SwiGLU:      SiLU(x)·y
// X and Y are texel buffers; Y is read only by OP 3 (bind X again otherwise).
layout(local_size_x_id = 0) in;
#include "common.glsl"
layout(constant_id = 1) const uint OP = 0;
// enum OP: GELUErf = 0, GELUTanh = 1, SiLU = 2, SwiGLU = 3

layout(binding = 0) uniform samplerBuffer X;
layout(binding = 1) uniform samplerBuffer Y;
layout(std430, binding = 2) writeonly buffer Out { float o[]; };
// flatIndex: the element of this invocation; 1D work past maxComputeWorkGroupCount[0] groups is
// spread over y (nn's grid1D).
uint flatIndex() { return groupIndex() * WG_X + gl_LocalInvocationID.x; }

layout(push_constant) uniform Push { uint n; } pc;

// erfc for z >= 0 (Numerical Recipes erfcc: fractional error < 1.2e-7 everywhere).
float erfcPos(float z) {
	float t = 1.0 / (1.0 + 0.5 * z);
	float p = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
		t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
		t * (-0.82215223 + t * 0.17087277))))))));
	return t * exp(p);
}

float erf_(float x) {
	float e = erfcPos(abs(x));
	return x >= 0.0 ? 1.0 - e : e - 1.0;
}

float tanh_(float x) {
	float t = exp(-2.0 * abs(x));
	float y = (1.0 - t) / (1.0 + t);
	return x >= 0.0 ? y : -y;
}

float silu(float x) { return x / (1.0 + exp(-x)); }

void main() {
	uint i = flatIndex();
	if (i >= pc.n) return;
	float x = texelFetch(X, int(i)).x;
	float y;
	if (OP == 0) {
		// 0.5·x·(1 + erf(x/√2)) = x − 0.5·x·erfc(x/√2) for x ≥ 0: keeps precision in the tails.
		float z = x * 0.70710678118654752;
		y = x >= 0.0 ? x * (1.0 - 0.5 * erfcPos(z)) : 0.5 * x * erfcPos(-z);
	} else if (OP == 1) {
		y = 0.5 * x * (1.0 + tanh_(0.7978845608028654 * (x + 0.044715 * x * x * x)));
	} else if (OP == 2) {
		y = silu(x);
	} else {
		y = silu(x) * texelFetch(Y, int(i)).x;
	}
	o[i] = y;
}
