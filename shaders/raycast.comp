#version 450
// raycast: one ray per pixel of a pinhole camera against a list of primitives (pipeline/synth).
//
// Primitives are 4 RGBA32F texels each in a texel buffer (binding 0), read with texelFetch (a
// vector gather on lavapipe; every lane reads the same primitive, so the loads are uniform):
//   t0 = (centre.xyz, shape)   shape: 0 sphere, 1 box, 2 cylinder, 3 capsule, 4 disk
//   t1 = (local x axis in world, size.x)
//   t2 = (local y axis in world, size.y)
//   t3 = (local z axis in world, size.z)
// size: sphere (r); box (half extents); cylinder and capsule (r, -, half height of the straight
// part along local z); disk (r, -, -) in the local z = 0 plane.
//
// The ray of pixel (u, v) leaves the camera centre t along R·((u − cx)/fx, (v − cy)/fy, 1); its
// parameter at a hit, divided by the length of that vector, is the hit's camera z (depth).
// Output (binding 1), one uvec2 per pixel, row-major: x = float bits of the depth (0 for sky),
// y = (index of the nearest primitive in the shape-sorted list + 1, 0 for sky) | (shade as 16-bit unorm) << 16, where
// shade = 0.3 + 0.7·max(0, n·L) with the normal n facing the ray and L the light direction.
// The Go reference (pipeline/synth/cpu.go) mirrors every step in float64.
layout(local_size_x_id = 0, local_size_y_id = 1) in;
// CULL tests each primitive's bounding sphere before intersecting it.
layout(constant_id = 2) const bool CULL = false;

layout(binding = 0) uniform samplerBuffer Prims;
layout(std430, binding = 1) writeonly buffer Out { uvec2 outp[]; };
layout(push_constant) uniform Push {
	vec4 r0;   // camera-to-world rotation row 0 (xyz), fx (w)
	vec4 r1;   // row 1, fy
	vec4 r2;   // row 2, cx
	vec4 tc;   // camera centre (xyz), cy
	uint W;
	uint H;
	uint base; // first texel of this view's primitives
	uint pad;
	// Primitives are sorted by shape: n[0] spheres, then n[1] boxes, n[2] cylinders, n[3]
	// capsules and n[4] disks. Each shape has its own loop, so no lane ever runs the code of
	// another shape (on lavapipe every branch taken by any lane costs all of them).
	uint n[5];
} pc;

const float INF = 3.0e38;
const float TMIN = 1.0e-4;
const vec3 LIGHT = vec3(0.3885143, -0.2913858, 0.8741573); // normalize(0.4, -0.3, 0.9)

// sphere of radius r at the origin; returns the distance (INF on a miss) and sets the normal.
float sphere(vec3 o, vec3 d, float r, inout vec3 n) {
	float b = dot(o, d);
	vec3 q = o - b * d;
	float h = r * r - dot(q, q);
	if (h < 0.0) return INF;
	float t = -b - sqrt(h);
	if (t <= TMIN) return INF;
	n = (o + t * d) / r;
	return t;
}

// side of the infinite cylinder of radius r about local z, limited to |z| <= hh.
float side(vec3 o, vec3 d, float r, float hh, inout vec3 n) {
	float a = d.x * d.x + d.y * d.y;
	if (a < 1.0e-12) return INF;
	float tc = -(o.x * d.x + o.y * d.y) / a;
	vec2 q = o.xy + tc * d.xy;
	float h = r * r - dot(q, q);
	if (h < 0.0) return INF;
	float t = tc - sqrt(h / a);
	if (t <= TMIN) return INF;
	float z = o.z + t * d.z;
	if (abs(z) > hh) return INF;
	n = vec3((o.xy + t * d.xy) / r, 0.0);
	return t;
}

// the disk of radius r in the plane z = zc, normal ±z.
float cap(vec3 o, vec3 d, float r, float zc, inout vec3 n) {
	if (abs(d.z) < 1.0e-12) return INF;
	float t = (zc - o.z) / d.z;
	if (t <= TMIN) return INF;
	vec2 p = o.xy + t * d.xy;
	if (dot(p, p) > r * r) return INF;
	n = vec3(0.0, 0.0, 1.0);
	return t;
}

float box(vec3 o, vec3 d, vec3 h, inout vec3 n) {
	vec3 dd = vec3(abs(d.x) < 1.0e-12 ? 1.0e-12 : d.x, abs(d.y) < 1.0e-12 ? 1.0e-12 : d.y,
		abs(d.z) < 1.0e-12 ? 1.0e-12 : d.z);
	vec3 inv = 1.0 / dd;
	vec3 t1 = (-h - o) * inv, t2 = (h - o) * inv;
	vec3 tn = min(t1, t2), tf = max(t1, t2);
	float tnear = max(max(tn.x, tn.y), tn.z);
	float tfar = min(min(tf.x, tf.y), tf.z);
	if (tnear > tfar || tnear <= TMIN) return INF;
	n = tnear == tn.x ? vec3(1.0, 0.0, 0.0) : (tnear == tn.y ? vec3(0.0, 1.0, 0.0) : vec3(0.0, 0.0, 1.0));
	return tnear;
}

// bounding-sphere test: false when the ray (ow, dw) misses the sphere of radius br about c or
// it lies wholly beyond the nearest hit so far.
bool near(vec3 rel, vec3 dw, float br, float best) {
	if (!CULL) return true;
	float b = dot(rel, dw);
	vec3 q = rel - b * dw;
	return dot(q, q) <= br * br * 1.0001 && -b - br <= best;
}

void main() {
	uint u = gl_GlobalInvocationID.x, v = gl_GlobalInvocationID.y;
	if (u >= pc.W || v >= pc.H) return;
	vec3 dc = vec3((float(u) - pc.r2.w) / pc.r0.w, (float(v) - pc.tc.w) / pc.r1.w, 1.0);
	float len = length(dc);
	vec3 dw = vec3(dot(pc.r0.xyz, dc), dot(pc.r1.xyz, dc), dot(pc.r2.xyz, dc)) / len;
	vec3 ow = pc.tc.xyz;

	float best = INF;
	uint hit = 0u;
	vec3 bestN = vec3(0.0);
	uint i = 0u;
	vec4 t0, ax, ay, az;
	vec3 o, d, rel;
#define LOAD() \
	int b = int(pc.base + 4u * i); \
	t0 = texelFetch(Prims, b); ax = texelFetch(Prims, b + 1); ay = texelFetch(Prims, b + 2); az = texelFetch(Prims, b + 3); \
	rel = ow - t0.xyz;
#define LOCAL() \
	o = vec3(dot(ax.xyz, rel), dot(ay.xyz, rel), dot(az.xyz, rel)); \
	d = vec3(dot(ax.xyz, dw), dot(ay.xyz, dw), dot(az.xyz, dw));
#define KEEP(t, n) \
	if (t < best) { best = t; hit = i + 1u; bestN = n.x * ax.xyz + n.y * ay.xyz + n.z * az.xyz; }

	for (uint e = i + pc.n[0]; i < e; i++) {
		LOAD()
		if (!near(rel, dw, ax.w, best)) continue;
		LOCAL()
		vec3 n = vec3(0.0);
		float t = sphere(o, d, ax.w, n);
		KEEP(t, n)
	}
	for (uint e = i + pc.n[1]; i < e; i++) {
		LOAD()
		if (!near(rel, dw, length(vec3(ax.w, ay.w, az.w)), best)) continue;
		LOCAL()
		vec3 n = vec3(0.0);
		float t = box(o, d, vec3(ax.w, ay.w, az.w), n);
		KEEP(t, n)
	}
	for (uint e = i + pc.n[2]; i < e; i++) {
		LOAD()
		if (!near(rel, dw, length(vec2(ax.w, az.w)), best)) continue;
		LOCAL()
		vec3 n = vec3(0.0), n1 = vec3(0.0);
		float t = side(o, d, ax.w, az.w, n);
		float t1 = cap(o, d, ax.w, az.w, n1);
		if (t1 < t) { t = t1; n = n1; }
		t1 = cap(o, d, ax.w, -az.w, n1);
		if (t1 < t) { t = t1; n = n1; }
		KEEP(t, n)
	}
	for (uint e = i + pc.n[3]; i < e; i++) {
		LOAD()
		if (!near(rel, dw, ax.w + az.w, best)) continue;
		LOCAL()
		vec3 n = vec3(0.0), n1 = vec3(0.0);
		float t = side(o, d, ax.w, az.w, n);
		float t1 = sphere(o - vec3(0.0, 0.0, az.w), d, ax.w, n1);
		if (t1 < t) { t = t1; n = n1; }
		t1 = sphere(o + vec3(0.0, 0.0, az.w), d, ax.w, n1);
		if (t1 < t) { t = t1; n = n1; }
		KEEP(t, n)
	}
	for (uint e = i + pc.n[4]; i < e; i++) {
		LOAD()
		LOCAL()
		vec3 n = vec3(0.0);
		float t = cap(o, d, ax.w, 0.0, n);
		KEEP(t, n)
	}
	uvec2 res = uvec2(0u);
	if (hit != 0u) {
		vec3 nw = normalize(bestN);
		if (dot(nw, dw) > 0.0) nw = -nw;
		float shade = 0.3 + 0.7 * max(0.0, dot(nw, LIGHT));
		res = uvec2(floatBitsToUint(best / len), hit | (uint(round(clamp(shade, 0.0, 1.0) * 65535.0)) << 16));
	}
	outp[v * pc.W + u] = res;
}
