#version 450
// matmul: C[M,N] = A[M,K] · B + bias, row-major f32. B is [K,N], or [N,K] when TRANS_B.
// bias (binding 2) is a row vector of N added to every row when HAS_BIAS; bind any buffer otherwise.
//
// Each invocation accumulates a TM x TN block of C in registers. Two schedules, chosen by the TILED
// specialisation constant so that one module serves every device:
//  - TILED = false (CPU devices such as lavapipe): no shared memory and no barriers. A workgroup
//    owns TM rows and WG_X*TN columns; its rows depend only on the workgroup id, so the A loads are
//    uniform (one scalar load broadcast to every lane) and the B loads of neighbouring lanes are
//    neighbouring columns.
//    With VEC4 (K and N multiples of 4, 16-byte aligned views), fetches are vec4: A along k, and B
//    along n (each invocation owns TN contiguous columns) or, with TRANS_B, along k. On lavapipe a
//    vec4 fetch costs about what a scalar one does, so this quarters the fetches per FMA.
//  - TILED = true (GPUs): a WG_Y*TM x WG_X*TN tile of C per workgroup; BK-wide slices of A and B are
//    staged in shared memory by all invocations, then each invocation works from shared memory.
layout(local_size_x_id = 0, local_size_y_id = 1) in;
layout(constant_id = 2) const uint TM = 4;
layout(constant_id = 3) const uint TN = 4;
layout(constant_id = 4) const uint BK = 16;
layout(constant_id = 5) const bool TILED = false;
layout(constant_id = 6) const bool TRANS_B = false;
layout(constant_id = 7) const bool HAS_BIAS = false;
layout(constant_id = 8) const bool VEC4 = false;

// A and B are texel buffers: on lavapipe a texelFetch is a vector gather, while a storage-buffer
// load runs a loop over the lanes. Bound as R32F texels normally and as RGBA32F with VEC4.
layout(binding = 0) uniform samplerBuffer A;
layout(binding = 1) uniform samplerBuffer B;
layout(std430, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, binding = 3) writeonly buffer C { float c[]; };
layout(push_constant) uniform Push { uint M; uint N; uint K; } pc;

const uint WG_X = gl_WorkGroupSize.x;
const uint WG_Y = gl_WorkGroupSize.y;
const uint BM = WG_Y * TM;
const uint BN = WG_X * TN;

shared float sa[TILED ? BK * BM : 1];
shared float sb[TILED ? BK * BN : 1];

float a(uint i) { return texelFetch(A, int(i)).x; }
float b(uint i) { return texelFetch(B, int(i)).x; }
vec4 a4(uint i) { return texelFetch(A, int(i)); }
vec4 b4(uint i) { return texelFetch(B, int(i)); }

float loadB(uint k, uint n) {
	return TRANS_B ? b(n * pc.K + k) : b(k * pc.N + n);
}

void store(uint row, uint col, float v) {
	if (row < pc.M && col < pc.N) c[row * pc.N + col] = HAS_BIAS ? v + bias[col] : v;
}

void main() {
	float acc[TM][TN];
	for (uint i = 0; i < TM; i++)
		for (uint j = 0; j < TN; j++) acc[i][j] = 0.0;
	uint tx = gl_LocalInvocationID.x, ty = gl_LocalInvocationID.y;

	if (!TILED && VEC4) {
		uint row0 = gl_WorkGroupID.y * TM;
		uint rows[TM];
		for (uint i = 0; i < TM; i++) rows[i] = min(row0 + i, pc.M - 1) * (pc.K / 4);
		uint K4 = pc.K / 4, N4 = pc.N / 4;
		if (TRANS_B) {
			// Columns strided by WG_X as in the scalar path; both operands are read along k.
			uint col0 = gl_WorkGroupID.x * BN + tx;
			uint cols[TN];
			for (uint j = 0; j < TN; j++) cols[j] = min(col0 + j * WG_X, pc.N - 1) * K4;
			for (uint k4 = 0; k4 < K4; k4++) {
				vec4 bv[TN];
				for (uint j = 0; j < TN; j++) bv[j] = b4(cols[j] + k4);
				for (uint i = 0; i < TM; i++) {
					vec4 av = a4(rows[i] + k4);
					for (uint j = 0; j < TN; j++) acc[i][j] += dot(av, bv[j]);
				}
			}
			for (uint i = 0; i < TM; i++)
				for (uint j = 0; j < TN; j++) store(row0 + i, col0 + j * WG_X, acc[i][j]);
			return;
		}
		// Each invocation owns TN contiguous columns (TN a multiple of 4): TN/4 vec4 loads of B per k.
		const uint TV = TN >= 4 ? TN / 4 : 1;
		uint col0 = (gl_WorkGroupID.x * WG_X + tx) * TN;
		uint cv[TV];
		for (uint j = 0; j < TV; j++) cv[j] = min(col0 / 4 + j, N4 - 1);
		vec4 accv[TM][TV];
		for (uint i = 0; i < TM; i++)
			for (uint j = 0; j < TV; j++) accv[i][j] = vec4(0.0);
		for (uint k4 = 0; k4 < K4; k4++) {
			vec4 av[TM];
			for (uint i = 0; i < TM; i++) av[i] = a4(rows[i] + k4);
			for (uint kk = 0; kk < 4; kk++) {
				uint brow = (k4 * 4 + kk) * N4;
				for (uint j = 0; j < TV; j++) {
					vec4 bv = b4(brow + cv[j]);
					for (uint i = 0; i < TM; i++) accv[i][j] = fma(vec4(av[i][kk]), bv, accv[i][j]);
				}
			}
		}
		for (uint i = 0; i < TM; i++)
			for (uint j = 0; j < TV; j++)
				for (uint e = 0; e < 4; e++) store(row0 + i, col0 + 4 * j + e, accv[i][j][e]);
		return;
	}

	if (!TILED) {
		uint row0 = gl_WorkGroupID.y * TM;
		uint col0 = gl_WorkGroupID.x * BN + tx;
		// Rows past M read row M-1 and columns past N read column N-1: no branches in the k loop.
		uint rows[TM];
		for (uint i = 0; i < TM; i++) rows[i] = min(row0 + i, pc.M - 1) * pc.K;
		uint cols[TN];
		for (uint j = 0; j < TN; j++) cols[j] = min(col0 + j * WG_X, pc.N - 1);
		for (uint k = 0; k < pc.K; k++) {
			float bv[TN];
			for (uint j = 0; j < TN; j++) bv[j] = loadB(k, cols[j]);
			for (uint i = 0; i < TM; i++) {
				float av = a(rows[i] + k);
				for (uint j = 0; j < TN; j++) acc[i][j] = fma(av, bv[j], acc[i][j]);
			}
		}
		for (uint i = 0; i < TM; i++)
			for (uint j = 0; j < TN; j++) store(row0 + i, col0 + j * WG_X, acc[i][j]);
		return;
	}

	uint tileRow = gl_WorkGroupID.y * BM, tileCol = gl_WorkGroupID.x * BN;
	uint tid = ty * WG_X + tx;
	const uint threads = WG_X * WG_Y;
	for (uint k0 = 0; k0 < pc.K; k0 += BK) {
		for (uint e = tid; e < BM * BK; e += threads) {
			uint r = e / BK, kk = e % BK;
			uint gr = tileRow + r, gk = k0 + kk;
			sa[kk * BM + r] = (gr < pc.M && gk < pc.K) ? a(gr * pc.K + gk) : 0.0;
		}
		for (uint e = tid; e < BN * BK; e += threads) {
			uint kk, n;
			if (TRANS_B) { n = e / BK; kk = e % BK; } else { kk = e / BN; n = e % BN; }
			uint gn = tileCol + n, gk = k0 + kk;
			sb[kk * BN + n] = (gn < pc.N && gk < pc.K) ? loadB(gk, gn) : 0.0;
		}
		barrier();
		for (uint kk = 0; kk < BK; kk++) {
			float bv[TN];
			for (uint j = 0; j < TN; j++) bv[j] = sb[kk * BN + tx + j * WG_X];
			for (uint i = 0; i < TM; i++) {
				float av = sa[kk * BM + ty * TM + i];
				for (uint j = 0; j < TN; j++) acc[i][j] = fma(av, bv[j], acc[i][j]);
			}
		}
		barrier();
	}
	for (uint i = 0; i < TM; i++)
		for (uint j = 0; j < TN; j++) store(tileRow + ty * TM + i, tileCol + tx + j * WG_X, acc[i][j]);
}
