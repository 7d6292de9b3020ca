#version 450
// Passes the interpolated vertex colour through (points, lines and the HUD of package viewer).
layout(location = 0) in vec4 inColor;
layout(location = 0) out vec4 outColor;
void main() { outColor = inColor; }
