#version 450
// nn_attention: fused GQA attention O = softmax(Q·Kᵀ·scale)·V per head, with a block-diagonal
// mask given as a key range per query row, never materialising the score matrix.
//   Q (nq × heads·HD), K and V (nk × kvHeads·HD), O like Q; query head h reads KV head
//   h / (heads / kvHeads); RANGES[2i], RANGES[2i+1] = the keys [k0, k1) query row i may see.
// One invocation per (query row, head): gl_GlobalInvocationID.x is the row, .y the head, so the
// lanes of a workgroup are neighbouring rows of one head and (within a sample) read the same
// keys — uniform texel fetches. Keys are processed in tiles of TILE with an online softmax:
// per tile, the scores, the new running max m' = max(m, max_t s_t), one rescale of the
// accumulator and the sum by exp(m − m'), then p_t = exp(s_t − m') accumulated with V.
// HD is the head dimension (a specialisation constant: the accumulator lives in registers);
// VEC4 (HD % 4 == 0, 16-byte aligned views) binds Q, K, V as RGBA32F. No barriers, no shared
// memory: the schedule for CPU devices; GPUs run the same module with a larger workgroup.
// The ranges express every mask nn builds: block-diagonal segments (batches, vision windows,
// per-frame attention), causal with a KV-cache prefix. A NaN score makes the row NaN (GLSL's max
// may drop a NaN, so it is tracked); a row with no key gives zeros — as the CPU reference.
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint HD = 64;
layout(constant_id = 2) const uint TILE = 16;
layout(constant_id = 3) const bool VEC4 = false;

layout(binding = 0) uniform samplerBuffer Q;
layout(binding = 1) uniform samplerBuffer K;
layout(binding = 2) uniform samplerBuffer V;
layout(std430, binding = 3) readonly buffer Ranges { uint ranges[]; };
layout(std430, binding = 4) writeonly buffer Out { float o[]; };
layout(push_constant) uniform Push { uint nq; uint heads; uint kvHeads; float scale; } pc;

const uint H4 = (HD + 3) / 4;

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
	if (row >= pc.nq || h >= pc.heads) return;
	uint kh = h / (pc.heads / pc.kvHeads);
	uint k0 = ranges[2 * row], k1 = ranges[2 * row + 1];
	uint qb = (row * pc.heads + h) * HD;
	vec4 q[H4], acc[H4];
	for (uint j = 0; j < H4; j++) {
		q[j] = fetch4(Q, qb, j);
		acc[j] = vec4(0.0);
	}
	float m = -3.0e38, l = 0.0;
	bool nan = false;
	float s[TILE];
	for (uint t0 = k0; t0 < k1; t0 += TILE) {
		uint cnt = min(TILE, k1 - t0);
		float tmax = m;
		for (uint t = 0; t < TILE; t++) {
			if (t >= cnt) break;
			uint kb = ((t0 + t) * pc.kvHeads + kh) * HD;
			vec4 d = vec4(0.0);
			for (uint j = 0; j < H4; j++) d = fma(q[j], fetch4(K, kb, j), d);
			s[t] = (d.x + d.y + d.z + d.w) * pc.scale;
			nan = nan || isnan(s[t]);
			tmax = max(tmax, s[t]);
		}
		float corr = exp(m - tmax);
		l *= corr;
		for (uint j = 0; j < H4; j++) acc[j] *= corr;
		for (uint t = 0; t < TILE; t++) {
			if (t >= cnt) break;
			float p = exp(s[t] - tmax);
			l += p;
			uint vb = ((t0 + t) * pc.kvHeads + kh) * HD;
			for (uint j = 0; j < H4; j++) acc[j] = fma(vec4(p), fetch4(V, vb, j), acc[j]);
		}
		m = tmax;
	}
	float inv = k1 > k0 ? 1.0 / l : 0.0;
	if (nan) inv = uintBitsToFloat(0x7fc00000u);
	for (uint j = 0; j < H4; j++)
		for (uint e = 0; e < 4; e++) {
			uint d = 4 * j + e;
			if (d < HD) o[qb + d] = acc[j][e] * inv;
		}
}
