// Package nn holds dsr4d's neural-network tensors, ops and layers on three backends: CPU (the
// product host backend, float32 kernels of nn/internal/kern), Vulkan (each op a compute kernel of
// package shaders recorded on a vk.Recorder) and Ref (plain Go with float64 accumulation in
// every reduction: the reference the tests hold both product backends to).
//
// Tensors are row-major; ops read them as matrices of Rows() × Cols() (the last dimension).
// Ops are the methods of a Backend: Linear (y = x·Wᵀ + b, PyTorch's (out, in) weights), RMSNorm,
// LayerNorm, GELU (erf and tanh), SiLU, SwiGLU, Softmax, Add, ScaleCols, RoPE (Rotary tables:
// 1-D, M-RoPE sections, Qwen2.5-VL vision 2-D, π³'s RoPE2D as two parts), Attention, Embedding,
// RepeatRows, CopyRows. Each op checks shapes once (opset, ops.go) and then calls the backend's
// kernels (the unexported kernels interface).
//
// Attention is one fused online-softmax kernel per backend: it never holds an L × L score
// matrix (memory O(L·d)). AttnOpts covers every model here: GQA, a softmax scale, block-diagonal
// segments (batches, Qwen's vision windows, π³'s frame vs global attention), causal with a KV
// cache prefix. A NaN reaching a score or a value gives NaN in the rows it reaches, the same on
// every backend; a query that sees no key gives zeros.
//
// Layers (layers.go) are shaped like the PyTorch modules they load — Linear, LayerNorm, RMSNorm,
// LayerScale, MLP, SwiGLU, Attention (fused qkv or q/k/v projections, per-head q/k LayerNorm,
// rotary, GQA, KVCache), Block (DINOv2/π³ pre-norm block) — each with its weights, a Forward and
// a Params walk that yields the released tensor names and shapes: the one place names live.
// Load fills a Module from a Source (a safetensors.Set) by that walk. Forward methods make their
// temporaries inside a Scope (Backend.Scope), which releases them; only results are kept.
// MLP's activation runs fused into its first Linear where the backend can (the CPU's GEMM
// epilogue; elsewhere Linear then the activation).
//
// Ops never return errors. A shape mismatch is a programmer error and panics with a *ShapeError;
// a failure of the device (out of memory, a lost device) sticks to the Backend, later ops become
// no-ops and the error comes back from Read, Sync or Err — the vk.Recorder pattern. On Vulkan the
// ops of a forward pass go into one batch that Read or Sync submits; Release of an intermediate
// tensor defers the release of its memory to the end of that batch.
//
// 16-bit weights stay 16-bit (Backend.New16; Load keeps F16 and BF16 Linear weights so): the
// CPU packs them for kern.Gemm, which widens them in its micro-kernel; Vulkan keeps F16 as R16F
// texels the matmul's fetch converts, and BF16 as its bits, widened exactly (bits << 16) by
// nn_widen into one reused float32 scratch buffer right before each matmul — no BF16 value is
// narrowed to binary16 (which would lose BF16's range below 6.1e-5 and above 65504).
package nn
