// Package vk is dsr4d's Vulkan compute layer: the only package (with viewer) that sees
// vulkan-go types.
//
// A Device (Open) is one physical device with one compute queue; Options or the environment pick
// it: DSR4D_DEVICE (an index or a substring of the name; otherwise discrete > integrated >
// virtual > CPU) and DSR4D_VALIDATE=1 (the Khronos validation layer, whose messages the Device
// counts by severity: Messages).
//
// Resources are small types with explicit release, after Gio's gpu package:
//
//   - Buffer (NewBuffer): a range of a large memory block (at least 64 MiB, one VkBuffer each)
//     of a MemoryKind — DeviceLocal, HostVisible (mapped, coherent) or Readback (mapped,
//     host-cached). Upload and Download copy []float32, []uint32, []byte… directly when the
//     memory is mapped and through a staging copy otherwise. A View is a byte range of a Buffer;
//     a binding may not exceed maxStorageBufferRange (128 MiB on lavapipe): bind windows.
//   - Kernel (Device.Kernel): a compute pipeline built from an embedded shader (package shaders)
//     with specialization constants given by name. Push-constant size and bindings come from the
//     shader's reflection and Dispatch checks them. Pipelines are cached in memory and, through
//     a VkPipelineCache, on disk under the user cache directory (ignored when its header names
//     another device).
//   - Recorder (NewRecorder): many dispatches, copies and fills in one command buffer. It puts a
//     barrier only where an operation touches bytes that an earlier one wrote since the last
//     barrier (or writes bytes one of them read), using each binding's readonly/writeonly
//     access; Submit adds a host-read barrier, waits on a fence and recycles descriptor sets.
//     The first error sticks and comes back from Submit.
//
// vulkan-go frees the C copies of slices inside Vulkan structs by finalizers that can run before
// the call reading them returns; every such call here runs under internal/cgokeep, which holds
// the garbage collector off meanwhile.
//
// Errors: ErrNoDevice (with the one line saying what to install), ErrOutOfDeviceMemory,
// ErrDeviceLost, ErrClosed; any other failed call is a *ResultError naming the Vulkan function.
// Close waits for the device and releases everything in reverse order; Live counts live Vulkan
// objects by kind so tests prove that nothing leaks (package vktest does this for every test).
package vk
