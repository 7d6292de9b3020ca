// Shared helpers for dsr4d compute shaders (included after the local_size layout, never
// compiled alone).

// WG_X is the workgroup width as a specialisation-constant expression. Use it, never
// gl_WorkGroupSize inside a function: there glslang folds gl_WorkGroupSize to the default (1)
// of local_size_x_id instead of the specialised value.
const uint WG_X = gl_WorkGroupSize.x;

// 1D kernels give each invocation PER elements (a specialisation constant) in a loop with a
// constant trip count: element j of an invocation is (group·PER + j)·local_size_x + local id, so
// neighbouring lanes touch neighbouring elements (coalesced on GPUs, contiguous on lavapipe).
// Groups spread over y past maxComputeWorkGroupCount[0] (vk/ops.grid1D). A grid-stride loop would
// be shorter, but on lavapipe a storage-buffer store inside one costs microseconds (doc.go).
uint groupIndex() {
	return gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
}

uint elementIndex(uint j, uint per) {
	return (groupIndex() * per + j) * WG_X + gl_LocalInvocationID.x;
}
