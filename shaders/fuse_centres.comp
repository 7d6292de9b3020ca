#version 450
// fuse_centres: one invocation per (object, frame, mask row) sums the masked points of the row.
// out[g] = (Σx, Σy, Σz, count) over the row's mask pixels whose point-map pixel is valid, with
// g = (object · frames + frame) · h + row. The mask is at the video size (h, w); each set pixel
// (x, y) reads point-map pixel (min(floor(x·sx), W−1), min(floor(y·sy), H−1)) with sx = W/w,
// sy = H/h in float32 (torch's nearest rule, SPEC-QA §1) — the upsampled map is never
// materialised. Partial sums are stored once (a segmented reduction: Vulkan 1.1 has no float
// atomics); the host adds a (object, frame)'s rows in float64.
layout(local_size_x_id = 0) in;
#include "common.glsl"

layout(binding = 0) uniform samplerBuffer PV; // fuse_valid's output, (x, y, z, valid) per pixel (RGBA32F)
layout(std430, binding = 1) readonly buffer Masks { uint masks[]; }; // bit-packed rows, bit b of word j = pixel 32j+b
layout(std430, binding = 2) writeonly buffer Out { vec4 outp[]; };
layout(push_constant) uniform Push {
	uint frames;  // frames in the chunk
	uint H;
	uint W;
	uint h;
	uint w;
	uint words;   // words per mask row
	uint total;   // objects · frames · h
	float sx;     // float32(W) / float32(w)
	float sy;     // float32(H) / float32(h)
} pc;

void main() {
	uint g = groupIndex() * WG_X + gl_LocalInvocationID.x;
	if (g >= pc.total) return;
	uint row = g % pc.h;
	uint f = (g / pc.h) % pc.frames;
	uint sy = min(uint(floor(float(row) * pc.sy)), pc.H - 1u);
	int base = int(f * pc.H * pc.W + sy * pc.W);
	uint mbase = g * pc.words;
	precise vec4 acc = vec4(0.0);
	precise vec4 comp = vec4(0.0); // Kahan compensation
	for (uint j = 0u; j < pc.words; j++) {
		uint word = masks[mbase + j];
		while (word != 0u) {
			int b = findLSB(word);
			word &= word - 1u;
			uint x = j * 32u + uint(b);
			uint sxi = min(uint(floor(float(x) * pc.sx)), pc.W - 1u);
			precise vec4 t = texelFetch(PV, base + int(sxi)) - comp;
			precise vec4 s = acc + t;
			comp = (s - acc) - t;
			acc = s;
		}
	}
	outp[g] = acc;
}
