#version 450
// elementwise: out[i] = alpha * (a[i] OP b[j]) for i < n, where j = i, or j = i % cols when b is a
// row vector broadcast over the rows of a (bcast = 1). OP (specialisation): 0 add, 1 mul, 2 scale
// (out = alpha * a; b is not read).
layout(local_size_x_id = 0) in;
#include "common.glsl"
layout(constant_id = 1) const uint OP = 0;
// enum OP: Add = 0, Mul = 1, Scale = 2
layout(constant_id = 2) const uint PER = 1;

// Inputs are texel buffers (R32F): on lavapipe a texelFetch is a vector gather, a storage-buffer
// load a loop over the lanes.
layout(binding = 0) uniform samplerBuffer A;
layout(binding = 1) uniform samplerBuffer B;
layout(std430, binding = 2) writeonly buffer Out { float o[]; };
layout(push_constant) uniform Push { uint n; uint cols; uint bcast; float alpha; } pc;

void main() {
	for (uint j = 0; j < PER; j++) {
		uint i = elementIndex(j, PER);
		if (i >= pc.n) continue;
		float x = texelFetch(A, int(i)).x;
		if (OP == 2) {
			o[i] = pc.alpha * x;
			continue;
		}
		float y = texelFetch(B, int(pc.bcast != 0 ? i % pc.cols : i)).x;
		o[i] = pc.alpha * (OP == 0 ? x + y : x * y);
	}
}
