// Package kern holds dsr4d's float32 CPU kernels: a packed, cache-blocked, multi-threaded GEMM
// with fused epilogues and 16-bit (BF16/F16) weights, flash-style attention, and vectorised
// norms and elementwise ops. It knows nothing of tensors or models (package nn builds on it).
//
//go:generate go run ./gen
package kern
