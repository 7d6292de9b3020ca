// Package cgokeep works around a use-after-free in vulkan-go's generated bindings.
//
// vulkan-go copies a Go slice inside a Vulkan struct (create infos, descriptor writes, submit
// infos, barriers, …) into C memory and registers a finalizer that frees the copy once the Go
// variable holding its address dies — which is as soon as the copying helper returns, before the
// Vulkan call that reads the copy. If a garbage collection completes in between, the driver reads
// freed memory: seen as SIGSEGVs in vkCreateComputePipelines, whose LLVM compile on lavapipe
// leaves a window of a second.
//
// Do runs a function (Hold, the rest of one) with garbage collection held off: runtime/debug.SetGCPercent(-1) waits for
// a running mark phase to finish and starts no new cycle, so nothing allocated inside is
// finalized before Do returns. Calls nest and may run concurrently; the previous setting comes
// back when the last one returns. Wrap every vulkan-go call (with the code that builds its
// arguments) that passes a struct holding slices or strings.
package cgokeep
