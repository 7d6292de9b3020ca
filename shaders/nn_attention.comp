#version 450
// nn_attention: fused GQA attention O = softmax(Q·Kᵀ·scale)·V per head, with the mask given as
// a key range per query row, never materialising the score matrix (memory O(L·d)).
//   Q (nq × heads·HD), K and V (nk × kvHeads·HD), O like Q; query head h reads KV head
//   h / (heads / kvHeads); RANGES[2i], RANGES[2i+1] = the keys [k0, k1) query row i may see.
// The ranges express every mask nn builds — block-diagonal segments (batches, vision windows,
// per-frame attention), causal with a KV-cache prefix — and are non-decreasing in both ends
// along the rows (the TILED schedule relies on it).
// One invocation per (query row, head): gl_GlobalInvocationID.x is the row, .y the head, so the
// lanes of a workgroup are neighbouring rows of one head and (within a sample) read the same
// keys. Keys are processed in tiles of TILE with an online softmax: per tile, the scores, the
// new running max m' = max(m, max_t s_t), one rescale of the accumulator and the sum by
// exp(m − m'), then p_t = exp(s_t − m') accumulated with V. HD is the head dimension (a
// specialisation constant: the accumulator lives in registers); VEC4 (HD % 4 == 0, 16-byte
// aligned views) binds Q, K, V as RGBA32F.
// Two schedules:
//  - TILED = false (CPU devices such as lavapipe): no barriers, no shared memory; each lane
//    fetches its keys as texels (uniform across lanes of a segment).
//  - TILED = true (GPUs): the workgroup stages each tile of keys and values, the union of its
//    rows' ranges, in shared memory once; every lane then reads it from there.
// A NaN score makes the row NaN (GLSL's max may drop a NaN, so it is tracked); a row with no key
// gives zeros — as the reference backend.
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint HD = 64;
layout(constant_id = 2) const uint TILE = 16;
layout(constant_id = 3) const bool VEC4 = false;
layout(constant_id = 4) const bool TILED = false;

layout(binding = 0) uniform samplerBuffer Q;
layout(binding = 1) uniform samplerBuffer K;
layout(binding = 2) uniform samplerBuffer V;
layout(std430, binding = 3) readonly buffer Ranges { uint ranges[]; };
layout(std430, binding = 4) writeonly buffer Out { float o[]; };
layout(push_constant) uniform Push { uint nq; uint heads; uint kvHeads; float scale; } pc;

const uint H4 = (HD + 3) / 4;
const uint WG_X = gl_WorkGroupSize.x;

shared vec4 sk[TILED ? TILE * H4 : 1];
shared vec4 sv[TILED ? TILE * H4 : 1];

// fetch4 reads elements [base + 4j, base + 4j + 4) of T (zero past HD).
vec4 fetch4(samplerBuffer T, uint base, uint j) {
	if (VEC4) return texelFetch(T, int(base / 4 + j));
	vec4 r;
	for (uint e = 0; e < 4; e++) {
		uint d = 4 * j + e;
		r[e] = d < HD ? texelFetch(T, int(base + d)).x : 0.0;
	}
	return r;
}

void main() {
	uint row = gl_GlobalInvocationID.x, h = gl_GlobalInvocationID.y;
	bool live = row < pc.nq;
	if (!TILED && !live) return;
	uint kh = h / (pc.heads / pc.kvHeads);
	uint k0 = 0, k1 = 0;
	if (live) {
		k0 = ranges[2 * row];
		k1 = ranges[2 * row + 1];
	}
	// The keys this invocation walks: its own range, or (TILED) the workgroup's union, read
	// from its first and last rows so that every lane sees the same bounds (barriers below).
	uint g0 = k0, g1 = k1;
	if (TILED) {
		uint first = gl_WorkGroupID.x * WG_X, last = min(first + WG_X, pc.nq) - 1;
		g0 = ranges[2 * first];
		g1 = ranges[2 * last + 1];
	}
	uint qb = (row * pc.heads + h) * HD;
	vec4 q[H4], acc[H4];
	for (uint j = 0; j < H4; j++) {
		q[j] = live ? fetch4(Q, qb, j) : vec4(0.0);
		acc[j] = vec4(0.0);
	}
	float m = -3.0e38, l = 0.0;
	bool nan = false;
	float s[TILE];
	for (uint t0 = g0; t0 < g1; t0 += TILE) {
		uint cnt = min(TILE, g1 - t0);
		if (TILED) {
			for (uint e = gl_LocalInvocationID.x; e < cnt * H4; e += WG_X) {
				uint kb = ((t0 + e / H4) * pc.kvHeads + kh) * HD;
				sk[e] = fetch4(K, kb, e % H4);
				sv[e] = fetch4(V, kb, e % H4);
			}
			barrier();
		}
		// This row's keys within the tile: [a, b) of its indices.
		uint a = max(k0, t0) - t0, b = min(k1, t0 + cnt);
		b = b > t0 ? b - t0 : 0;
		float tmax = m;
		for (uint t = a; t < b; t++) {
			uint kb = ((t0 + t) * pc.kvHeads + kh) * HD;
			vec4 d = vec4(0.0);
			for (uint j = 0; j < H4; j++) d = fma(q[j], TILED ? sk[t * H4 + j] : fetch4(K, kb, j), d);
			s[t] = (d.x + d.y + d.z + d.w) * pc.scale;
			nan = nan || isnan(s[t]);
			tmax = max(tmax, s[t]);
		}
		if (a < b) {
			float corr = exp(m - tmax);
			l *= corr;
			for (uint j = 0; j < H4; j++) acc[j] *= corr;
			for (uint t = a; t < b; t++) {
				float p = exp(s[t] - tmax);
				l += p;
				uint vb = ((t0 + t) * pc.kvHeads + kh) * HD;
				for (uint j = 0; j < H4; j++) acc[j] = fma(vec4(p), TILED ? sv[t * H4 + j] : fetch4(V, vb, j), acc[j]);
			}
			m = tmax;
		}
		if (TILED) barrier();
	}
	if (!live) return;
	float inv = k1 > k0 ? 1.0 / l : 0.0;
	if (nan) inv = uintBitsToFloat(0x7fc00000u);
	for (uint j = 0; j < H4; j++)
		for (uint e = 0; e < 4; e++) {
			uint d = 4 * j + e;
			if (d < HD) o[qb + d] = acc[j][e] * inv;
		}
}
