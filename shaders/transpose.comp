#version 450
// transpose: out[c, r] = a[r, c] for an a of rows x cols; x runs over columns, y over rows.
layout(local_size_x_id = 0, local_size_y_id = 1) in;

layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) writeonly buffer Out { float o[]; };
layout(push_constant) uniform Push { uint rows; uint cols; } pc;

void main() {
	uint c = gl_GlobalInvocationID.x, r = gl_GlobalInvocationID.y;
	if (r < pc.rows && c < pc.cols) o[c * pc.rows + r] = a[r * pc.cols + c];
}
