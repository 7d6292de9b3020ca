#version 450
// Lines of dsr4d view (package viewer): camera path, frustums, object trails, markers, arrows
// and axes, each vertex with its own colour, multiplied by a per-draw tint.
layout(location = 0) in vec3 inPos;
layout(location = 1) in vec4 inColor; // RGBA8 unorm

layout(push_constant) uniform Push {
    vec4 m0, m1, m2, m3; // view-projection matrix columns
    vec4 tint;           // multiplies the vertex colour
} pc;

layout(location = 0) out vec4 outColor;

void main() {
    gl_Position = mat4(pc.m0, pc.m1, pc.m2, pc.m3) * vec4(inPos, 1.0);
    outColor = inColor * pc.tint;
}
