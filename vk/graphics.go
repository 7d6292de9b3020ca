package vk

import (
	vulkan "github.com/vulkan-go/vulkan"

	"github.com/dsr4d/dsr4d/shaders"
)

// Handles are the raw Vulkan handles of a Device, for package viewer, which builds swapchains,
// render passes and graphics pipelines on them. The Device owns every one of them; the caller
// must release what it creates from them before Close, and count it with Track.
type Handles struct {
	Instance       vulkan.Instance
	PhysicalDevice vulkan.PhysicalDevice
	Device         vulkan.Device
	QueueFamily    uint32
	Surface        vulkan.Surface       // NullSurface unless Options.Surface made one
	PipelineCache  vulkan.PipelineCache // the device's (kept on disk); may be NullPipelineCache
}

// Handles returns the device's raw handles (see the type).
func (d *Device) Handles() Handles {
	return Handles{Instance: d.in.vk, PhysicalDevice: d.pd, Device: d.dev, QueueFamily: d.queueFamily, Surface: d.surface,
		PipelineCache: d.pcache.handle()}
}

// Track adds delta to the live count of kind (a Vulkan object type, "pipeline", "image"…), for
// objects created from Handles: Live then accounts for everything made on the device.
func (d *Device) Track(kind string, delta int) { d.live.add(kind, delta) }

// Check turns a VkResult of call into nil or an error: ErrOutOfDeviceMemory and ErrDeviceLost
// wrapped with the call, otherwise a *ResultError. It has no "vk: " prefix: the caller (package
// viewer) made the call and adds its own.
func Check(call string, r vulkan.Result) error { return check(call, r) }

// Submit submits cb to the device's queue, waiting on wait at waitStage and signalling signal
// (either may be NullSemaphore) and fence; the queue is shared with Recorder submissions.
func (d *Device) Submit(cb vulkan.CommandBuffer, wait vulkan.Semaphore, waitStage vulkan.PipelineStageFlagBits, signal vulkan.Semaphore, fence vulkan.Fence) error {
	d.submitMu.Lock()
	defer d.submitMu.Unlock()
	return prefixed(check("vkQueueSubmit", queueSubmit(d.queue, cb, wait, waitStage, signal, fence)))
}

// Present queues image index of swapchain sc for presentation after wait. It returns the raw
// result: VK_SUBOPTIMAL_KHR and VK_ERROR_OUT_OF_DATE_KHR ask the caller to rebuild sc.
func (d *Device) Present(sc vulkan.Swapchain, index uint32, wait vulkan.Semaphore) vulkan.Result {
	d.submitMu.Lock()
	defer d.submitMu.Unlock()
	return queuePresent(d.queue, sc, index, wait)
}

// BeginCommands begins recording cb for one submission.
func BeginCommands(cb vulkan.CommandBuffer) error {
	return prefixed(check("vkBeginCommandBuffer", beginCommandBuffer(cb, vulkan.CommandBufferUsageOneTimeSubmitBit)))
}

// ShaderModule returns the device's VkShaderModule of the embedded shader v (a graphics shader's
// handle, e.g. shaders.ViewColorFrag); the Device owns it and destroys it on Close.
func (d *Device) ShaderModule(v shaders.Variant) (vulkan.ShaderModule, error) {
	mod, err := v.Module()
	if err != nil {
		return vulkan.NullShaderModule, prefixed(err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return vulkan.NullShaderModule, prefixed(ErrClosed)
	}
	m, err := d.shaderModule(mod)
	return m, prefixed(err)
}

// NewPipelineLayout creates a pipeline layout without descriptor sets and with push bytes of
// push constants for stages; release it with DestroyPipelineLayout.
func (d *Device) NewPipelineLayout(push uint32, stages vulkan.ShaderStageFlagBits) (vulkan.PipelineLayout, error) {
	l, r := createPipelineLayout(d.dev, vulkan.NullDescriptorSetLayout, push, stages)
	if err := check("vkCreatePipelineLayout", r); err != nil {
		return vulkan.NullPipelineLayout, prefixed(err)
	}
	d.live.add("pipeline_layout", 1)
	return l, nil
}

// DestroyPipelineLayout releases a layout from NewPipelineLayout.
func (d *Device) DestroyPipelineLayout(l vulkan.PipelineLayout) {
	if l != vulkan.NullPipelineLayout {
		vulkan.DestroyPipelineLayout(d.dev, l, nil)
		d.live.add("pipeline_layout", -1)
	}
}

// CmdMemoryBarrier records a global memory barrier (no arrays: safe, see doc.go).
func CmdMemoryBarrier(cb vulkan.CommandBuffer, src vulkan.PipelineStageFlagBits, srcAccess vulkan.AccessFlagBits, dst vulkan.PipelineStageFlagBits, dstAccess vulkan.AccessFlagBits) {
	cmdMemoryBarrier(cb, src, srcAccess, dst, dstAccess)
}
