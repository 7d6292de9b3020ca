// Package nn holds dsr4d's neural-network tensors and ops on two backends: CPU, a Go reference
// that computes in float32 with float64 accumulation in every reduction, and Vulkan, which
// records each op as a compute kernel (package shaders) on a vk.Recorder.
//
// Only what the models need is here: 2-D row-major float32 tensors (a Tensor's rows are every
// dimension but the last), and the ops of a Qwen2.5-VL style transformer — Linear (y = x·Wᵀ + b
// with PyTorch's (out, in) weights, on vk/ops.MatMul), RMSNorm, LayerNorm, GELU (erf and tanh
// forms), SiLU, SwiGLU, row softmax, rotary embedding with M-RoPE sections (MRoPETable), a fused
// GQA attention with online softmax over key tiles and a block-diagonal sample mask, residual
// add, embedding gather and row repetition.
//
// Ops never return errors. A shape mismatch is a programmer error and panics with a *ShapeError;
// a failure of the device (out of memory, a lost device) sticks to the Backend, later ops become
// no-ops and the error comes back from Read, Sync or Err — the vk.Recorder pattern. On Vulkan the
// ops of a forward pass go into one batch that Read or Sync submits; Release of an intermediate
// tensor defers the release of its memory to the end of that batch.
//
// Weights stored as F16 or BF16 (package nn/safetensors) are converted to float32 on load:
// vk does not enable the 16-bit storage feature yet, so the GPU keeps float32 weights.
package nn
