// Package ops records dsr4d's basic compute kernels — fill, copy, elementwise add/mul/scale with
// row broadcast, row sum/max, transpose and f32 matmul with optional bias and transposed B — on a
// vk.Recorder, and holds their float64 Go references.
//
// Shapes are row-major float32 arrays; every function checks that its buffers are large enough
// for the shape and returns an error otherwise. Recording errors (wrong push constants, bad
// views) stick to the Recorder and come back from Submit.
//
// Variants are chosen per device with specialization constants: on CPU devices such as lavapipe,
// where workgroup barriers are slow, barrier-free register-blocked kernels; on GPUs, shared-memory
// tiles. MatMulConfig exposes the choice for benchmarks and tuning.
package ops
