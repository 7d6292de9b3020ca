#version 450
// Screen-space triangles of the HUD (package viewer): positions in pixels, origin top left.
layout(location = 0) in vec2 inPos;
layout(location = 1) in vec4 inColor; // RGBA8 unorm

layout(push_constant) uniform Push {
    vec4 size; // xy: framebuffer size in pixels
} pc;

layout(location = 0) out vec4 outColor;

void main() {
    gl_Position = vec4(2.0 * inPos / pc.size.xy - 1.0, 0.0, 1.0);
    outColor = inColor;
}
