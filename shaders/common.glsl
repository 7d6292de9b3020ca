// Shared helpers for dsr4d compute shaders (included, never compiled alone).

// flatIndex turns a 2D dispatch into a linear element index: 1D work larger than
// maxComputeWorkGroupCount[0] groups is spread over y (see vk/ops.grid1D).
uint flatIndex() {
	return gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * gl_WorkGroupSize.x;
}
