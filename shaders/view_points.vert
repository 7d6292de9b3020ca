#version 450
// Point cloud of dsr4d view (package viewer): one vertex per point, drawn as a point list.
// Colour modes: 0 RGB, 1 object, 2 time, 3 confidence. Points below the confidence rank,
// off the stride or outside the highlight are culled or dimmed here so that the buffers
// never change after the upload.

layout(location = 0) in vec3 inPos;
layout(location = 1) in vec4 inRGB;   // frame colour, RGBA8 unorm
layout(location = 2) in uvec4 inAttr; // x object id (0 none), y confidence rank 0..255, z|w<<8 frame

layout(push_constant) uniform Push {
    vec4 m0, m1, m2, m3; // view-projection matrix columns
    vec4 p;              // x point size, y minimum confidence rank, z last frame index, w dim factor
    uvec4 q;             // x colour mode, y stride, z highlight first frame, w highlight last frame
    uvec4 hl;            // highlighted object ids (0 = unused); all zero: no highlight
} pc;

layout(location = 0) out vec4 outColor;

const vec3 palette[10] = vec3[](
    vec3(0.122, 0.467, 0.706), vec3(1.000, 0.498, 0.055), vec3(0.173, 0.627, 0.173),
    vec3(0.839, 0.153, 0.157), vec3(0.580, 0.404, 0.741), vec3(0.549, 0.337, 0.294),
    vec3(0.890, 0.467, 0.761), vec3(0.737, 0.741, 0.133), vec3(0.090, 0.745, 0.812),
    vec3(0.498, 0.498, 0.498));

vec3 ramp(float t) { // a compact blue-cyan-green-yellow-red ramp
    t = clamp(t, 0.0, 1.0);
    vec3 c = vec3(1.5 - abs(4.0 * t - 3.0), 1.5 - abs(4.0 * t - 2.0), 1.5 - abs(4.0 * t - 1.0));
    return clamp(c, 0.0, 1.0);
}

void main() {
    uint obj = inAttr.x;
    uint frame = inAttr.z | (inAttr.w << 8);
    uint stride = max(pc.q.y, 1u);
    if (float(inAttr.y) < pc.p.y || (uint(gl_VertexIndex) % stride) != 0u) {
        gl_Position = vec4(0.0, 0.0, 2.0, 1.0); // beyond the far plane: clipped
        gl_PointSize = 1.0;
        outColor = vec4(0.0);
        return;
    }
    mat4 m = mat4(pc.m0, pc.m1, pc.m2, pc.m3);
    gl_Position = m * vec4(inPos, 1.0);
    gl_PointSize = pc.p.x;

    vec3 c = inRGB.rgb;
    uint mode = pc.q.x;
    if (mode == 1u) {
        float g = dot(inRGB.rgb, vec3(0.299, 0.587, 0.114));
        c = obj == 0u ? vec3(0.35 + 0.4 * g) : palette[(obj - 1u) % 10u];
    } else if (mode == 2u) {
        c = ramp(pc.p.z > 0.0 ? float(frame) / pc.p.z : 0.0);
    } else if (mode == 3u) {
        c = ramp(float(inAttr.y) / 255.0);
    }
    bool any = (pc.hl.x | pc.hl.y | pc.hl.z | pc.hl.w) != 0u;
    if (any) {
        bool on = obj != 0u && (obj == pc.hl.x || obj == pc.hl.y || obj == pc.hl.z || obj == pc.hl.w) &&
                  frame >= pc.q.z && frame <= pc.q.w;
        c = on ? mix(palette[(obj - 1u) % 10u], vec3(1.0), 0.25) : c * pc.p.w;
    }
    outColor = vec4(c, 1.0);
}
