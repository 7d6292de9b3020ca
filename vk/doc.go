// Package vk is dsr4d's Vulkan engine: it owns every instance and device (compute, and graphics
// for package viewer) and is the only package (with viewer) that sees vulkan-go types.
//
// A Device (Open) is one physical device with one compute queue; Options or the environment pick
// it: DSR4D_DEVICE (an index or a substring of the name; otherwise discrete > integrated >
// virtual > CPU) and DSR4D_VALIDATE=1 (the Khronos validation layer, whose messages the Device
// counts by severity: Messages). When the best device is a CPU driver (lavapipe),
// PreferCPUBackend tells compute-heavy callers to use the native CPU backend instead.
//
// Resources are small types with explicit release, after Gio's gpu package:
//
//   - Buffer (NewBuffer): a range of a large memory block (at least 64 MiB, one VkBuffer each)
//     of a MemoryKind — DeviceLocal, HostVisible (mapped, coherent) or Readback (mapped,
//     host-cached). Upload and Download copy []float32, []uint32, []byte… directly when the
//     memory is mapped and otherwise through the Device's staging ring: two mapped 16 MiB slots
//     per direction, made once, the device copying one while the host fills or drains the other. A View is a byte range of a Buffer;
//     a binding may not exceed maxStorageBufferRange (128 MiB on lavapipe): bind windows.
//   - Kernel (Device.KernelOf): a compute pipeline built from an embedded shader's typed handle,
//     e.g. KernelOf(shaders.Matmul(shaders.MatmulSpec{TM: 4, TransB: true})), where a misspelt
//     constant or one the shader lacks does not compile. Push-constant size and
//     bindings come from the shader's reflection and Dispatch checks them. Pipelines are cached
//     in memory and, through a VkPipelineCache, on disk under the user cache directory (ignored
//     when its header names another device); different pipelines compile concurrently, outside
//     the device lock.
//   - Recorder (NewRecorder): many dispatches, copies and fills in one command buffer. It puts a
//     barrier only where an operation touches bytes that an earlier one wrote since the last
//     barrier (or writes bytes one of them read), using each binding's readonly/writeonly
//     access; Submit adds a host-read barrier, waits on a fence and recycles descriptor sets.
//     The first error sticks and comes back from Submit.
//
// A Device opened with Options.Graphics (or a Surface) has one queue for graphics and compute;
// package viewer builds its swapchain, render pass and graphics pipelines on Handles, submits and
// presents through Submit and Present (the queue lock is the Device's) and counts what it makes
// with Track, so Live, Messages and Close cover both uses: there is one instance, one device
// choice (DSR4D_DEVICE), one validation messenger and one live-object count per process use.
//
// Ownership. vulkan-go copies a Go slice of structs (or of strings) inside a call's arguments into
// C memory and frees it from a finalizer on a Go variable that dies as soon as the copy is made:
// a collection during the call frees memory the driver is still reading (seen as SIGSEGV and
// std::bad_alloc in vkCreateComputePipelines). So a vulkan-go call is used here only when it
// needs no such copy: handles and numbers, and pointers to structs whose slice fields hold only
// handles or numbers, which vulkan-go passes as Go pointers (the struct's Free after the call
// keeps them alive and releases its own C copy). Every call that passes an array of structs, a
// nested struct array or a string array (instance and device creation, descriptor-set layouts,
// pipeline layouts, compute pipelines, descriptor writes, barriers, copies, submits, presents)
// goes through ccall.go, whose C functions build the structures on their own stack from plain
// arguments: the memory lives exactly as long as the call, whatever the collector does
// (TestOwnershipUnderGCStress runs with GOGC=1, a 16 MiB memory limit and a goroutine calling
// runtime.GC without pause). Nothing switches the collector off.
//
// Errors: ErrNoDevice (with the one line saying what to install), ErrOutOfDeviceMemory,
// ErrDeviceLost, ErrClosed; any other failed call is a *ResultError naming the Vulkan function.
// Every error out of the package has one "vk: " prefix and wraps its cause (%w): "vk:
// NewBuffer(device-local, 4096 bytes): vkAllocateMemory: out of device memory (…)".
// Close waits for the device and releases everything in reverse order; Live counts live Vulkan
// objects by kind so tests prove that nothing leaks (package vktest does this for every test).
package vk
