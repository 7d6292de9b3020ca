#version 450
// fuse_valid: per point-map pixel, SPEC-QA §1 validity and the masked point.
// out[p] = (x, y, z, 1) where the pixel is valid, (0, 0, 0, 0) where not; p runs over the
// pixels of a chunk of frames, (frame, row, column) in C order.
//
// valid = sigmoid(conf) > 0.1 (as conf >= CONF_MIN, the smallest float32 whose float32 sigmoid
// exceeds 0.1, found by the host) and not a π³ depth edge: over the 3×3 window clipped at the
// border, fl((max z − min z) / z) > 0.03f. The division is not done: GLSL division may be off
// by ulps; the comparison of the correctly rounded quotient with 0.03f is decided exactly in
// integers (see edge), so the result equals the float32 CPU reference bit for bit.
layout(local_size_x_id = 0) in;
#include "common.glsl"

layout(binding = 0) uniform samplerBuffer P;    // local points, 3 floats per pixel (R32F)
layout(binding = 1) uniform samplerBuffer Conf; // confidence logits (R32F)
layout(std430, binding = 2) writeonly buffer Out { vec4 outp[]; };
layout(push_constant) uniform Push {
	uint H;
	uint W;
	uint total;    // pixels in the chunk
	float confMin; // smallest valid logit
	uint midM;     // midpoint between 0.03f and the next float32 = midM · 2^midE
	int midE;
	uint tieUp;    // 1 when a quotient exactly at the midpoint rounds up (next float32 even)
} pc;

float z(uint p) { return texelFetch(P, int(3u * p + 2u)).x; }

// decode splits a positive finite float into m · 2^e.
void decode(float v, out uint m, out int e) {
	uint b = floatBitsToUint(v);
	uint ex = (b >> 23) & 0xFFu;
	uint fr = b & 0x7FFFFFu;
	if (ex == 0u) {
		m = fr;
		e = -149;
	} else {
		m = fr | 0x800000u;
		e = int(ex) - 150;
	}
}

int bitlen64(uint hi, uint lo) { return hi != 0u ? 33 + findMSB(hi) : findMSB(lo) + 1; }

// cmpMid returns the sign of d − mid·z for positive finite d and z, exactly.
int cmpMid(float d, float zz) {
	uint md, mz;
	int ed, ez;
	decode(d, md, ed);
	decode(zz, mz, ez);
	uint ph, pl;
	umulExtended(pc.midM, mz, ph, pl); // P = midM · mz, up to 49 bits
	int k = ed - (pc.midE + ez);        // compare md · 2^k with P
	int lp = bitlen64(ph, pl);
	int ld = findMSB(md) + 1 + k;
	if (ld != lp) return ld > lp ? 1 : -1;
	if (k >= 0) { // md << k, k ≤ 48
		uint h = 0u, l = md;
		if (k >= 32) {
			h = md << uint(k - 32);
			l = 0u;
		} else if (k > 0) {
			h = md >> uint(32 - k);
			l = md << uint(k);
		}
		if (h != ph) return h > ph ? 1 : -1;
		if (l != pl) return l > pl ? 1 : -1;
		return 0;
	}
	uint s = uint(-k); // ≤ 23 here (same bit length, md < 2^24)
	uint ql = (pl >> s) | (ph << (32u - s));
	uint rem = pl & ((1u << s) - 1u);
	if (md != ql) return md > ql ? 1 : -1;
	return rem != 0u ? -1 : 0;
}

// edge: fl(d / zz) > 0.03f, with d = max − min ≥ 0 (0/0 counts as 0, x/+0 as +Inf).
bool edge(float d, float zz) {
	if (!(d > 0.0)) return false;
	uint zb = floatBitsToUint(zz);
	if ((zb & 0x7FFFFFFFu) == 0u) return (zb >> 31) == 0u; // ±0: ±Inf
	if (zz < 0.0) return false;
	int c = cmpMid(d, zz);
	return c > 0 || (c == 0 && pc.tieUp != 0u);
}

void main() {
	uint p = groupIndex() * WG_X + gl_LocalInvocationID.x;
	if (p >= pc.total) return;
	uint hw = pc.H * pc.W;
	uint f = p / hw, r = p % hw;
	int y = int(r / pc.W), x = int(r % pc.W);
	bool ok = texelFetch(Conf, int(p)).x >= pc.confMin;
	if (ok) {
		float lo = 1.0 / 0.0, hi = -1.0 / 0.0;
		for (int dy = -1; dy <= 1; dy++) {
			for (int dx = -1; dx <= 1; dx++) {
				int yy = y + dy, xx = x + dx;
				if (yy < 0 || xx < 0 || yy >= int(pc.H) || xx >= int(pc.W)) continue;
				float v = z(f * hw + uint(yy) * pc.W + uint(xx));
				lo = min(lo, v);
				hi = max(hi, v);
			}
		}
		precise float d = hi - lo;
		ok = !edge(d, z(p));
	}
	vec3 pt = vec3(texelFetch(P, int(3u * p)).x, texelFetch(P, int(3u * p + 1u)).x, texelFetch(P, int(3u * p + 2u)).x);
	outp[p] = ok ? vec4(pt, 1.0) : vec4(0.0);
}
