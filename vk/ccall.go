package vk

// The Vulkan calls that pass arrays of structs, structs with nested struct arrays or string
// arrays are made here: vulkan-go would copy those into C memory that a finalizer frees, possibly
// while the call still reads it (see doc.go, "Ownership"). Each C function below builds its
// structures on its own stack from plain arguments and calls the function pointer vulkan-go
// loaded (its vgo_ globals), so the memory lives exactly as long as the call. Go slices passed in
// hold only numbers and Vulkan handles, which cgo allows for the duration of a call.

/*
#cgo CFLAGS: -DVK_NO_PROTOTYPES
#include <stdlib.h>
#include <string.h>
#include <vulkan/vulkan.h>

extern PFN_vkCreateInstance vgo_vkCreateInstance;
extern PFN_vkEnumerateInstanceLayerProperties vgo_vkEnumerateInstanceLayerProperties;
extern PFN_vkGetPhysicalDeviceQueueFamilyProperties vgo_vkGetPhysicalDeviceQueueFamilyProperties;
extern PFN_vkCreateDevice vgo_vkCreateDevice;
extern PFN_vkCreateShaderModule vgo_vkCreateShaderModule;
extern PFN_vkCreateDescriptorSetLayout vgo_vkCreateDescriptorSetLayout;
extern PFN_vkCreatePipelineLayout vgo_vkCreatePipelineLayout;
extern PFN_vkCreateComputePipelines vgo_vkCreateComputePipelines;
extern PFN_vkCreatePipelineCache vgo_vkCreatePipelineCache;
extern PFN_vkCreateDescriptorPool vgo_vkCreateDescriptorPool;
extern PFN_vkAllocateDescriptorSets vgo_vkAllocateDescriptorSets;
extern PFN_vkUpdateDescriptorSets vgo_vkUpdateDescriptorSets;
extern PFN_vkBeginCommandBuffer vgo_vkBeginCommandBuffer;
extern PFN_vkCmdPipelineBarrier vgo_vkCmdPipelineBarrier;
extern PFN_vkCmdCopyBuffer vgo_vkCmdCopyBuffer;
extern PFN_vkQueueSubmit vgo_vkQueueSubmit;
extern PFN_vkQueuePresentKHR vgo_vkQueuePresentKHR;
extern PFN_vkFlushMappedMemoryRanges vgo_vkFlushMappedMemoryRanges;
extern PFN_vkInvalidateMappedMemoryRanges vgo_vkInvalidateMappedMemoryRanges;

static VkResult dsr4dCreateInstance(const char* app, uint32_t api, uint32_t nlayers, char** layers,
		uint32_t nexts, char** exts, VkInstance* out) {
	VkApplicationInfo ai = {
		.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
		.pApplicationName = app,
		.applicationVersion = VK_MAKE_VERSION(0, 1, 0),
		.pEngineName = "dsr4d",
		.engineVersion = VK_MAKE_VERSION(0, 1, 0),
		.apiVersion = api,
	};
	VkInstanceCreateInfo ci = {
		.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
		.pApplicationInfo = &ai,
		.enabledLayerCount = nlayers,
		.ppEnabledLayerNames = (const char* const*)layers,
		.enabledExtensionCount = nexts,
		.ppEnabledExtensionNames = (const char* const*)exts,
	};
	return vgo_vkCreateInstance(&ci, NULL, out);
}

static int dsr4dHasLayer(const char* name) {
	uint32_t n = 0;
	if (vgo_vkEnumerateInstanceLayerProperties(&n, NULL) != VK_SUCCESS || n == 0) return 0;
	VkLayerProperties* p = calloc(n, sizeof *p);
	if (p == NULL) return 0;
	int found = 0;
	if (vgo_vkEnumerateInstanceLayerProperties(&n, p) >= 0) {
		for (uint32_t i = 0; i < n && !found; i++) found = strcmp(p[i].layerName, name) == 0;
	}
	free(p);
	return found;
}

// dsr4dQueueFamilies writes up to max families' flags and returns how many the device has.
static uint32_t dsr4dQueueFamilies(VkPhysicalDevice pd, uint32_t max, uint32_t* flags) {
	uint32_t n = 0;
	vgo_vkGetPhysicalDeviceQueueFamilyProperties(pd, &n, NULL);
	VkQueueFamilyProperties* p = calloc(n ? n : 1, sizeof *p);
	if (p == NULL) return 0;
	vgo_vkGetPhysicalDeviceQueueFamilyProperties(pd, &n, p);
	for (uint32_t i = 0; i < n && i < max; i++) flags[i] = p[i].queueFlags;
	free(p);
	return n;
}

static VkResult dsr4dCreateDevice(VkPhysicalDevice pd, uint32_t nfam, const uint32_t* fams,
		uint32_t nexts, char** exts, const VkPhysicalDeviceFeatures* feats, VkDevice* out) {
	float prio = 1.0f;
	VkDeviceQueueCreateInfo q[2];
	memset(q, 0, sizeof q);
	for (uint32_t i = 0; i < nfam && i < 2; i++) {
		q[i].sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO;
		q[i].queueFamilyIndex = fams[i];
		q[i].queueCount = 1;
		q[i].pQueuePriorities = &prio;
	}
	VkDeviceCreateInfo ci = {
		.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
		.queueCreateInfoCount = nfam < 2 ? nfam : 2,
		.pQueueCreateInfos = q,
		.enabledExtensionCount = nexts,
		.ppEnabledExtensionNames = (const char* const*)exts,
		.pEnabledFeatures = feats,
	};
	return vgo_vkCreateDevice(pd, &ci, NULL, out);
}

static VkResult dsr4dCreateShaderModule(VkDevice dev, size_t size, const uint32_t* code, VkShaderModule* out) {
	VkShaderModuleCreateInfo ci = {.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO, .codeSize = size, .pCode = code};
	return vgo_vkCreateShaderModule(dev, &ci, NULL, out);
}

#define DSR4D_MAX_BINDINGS 32

static VkResult dsr4dCreateDescriptorSetLayout(VkDevice dev, uint32_t n, const uint32_t* bindings,
		const uint32_t* types, VkShaderStageFlags stages, VkDescriptorSetLayout* out) {
	if (n > DSR4D_MAX_BINDINGS) return VK_ERROR_TOO_MANY_OBJECTS;
	VkDescriptorSetLayoutBinding b[DSR4D_MAX_BINDINGS];
	memset(b, 0, sizeof b);
	for (uint32_t i = 0; i < n; i++) {
		b[i].binding = bindings[i];
		b[i].descriptorType = (VkDescriptorType)types[i];
		b[i].descriptorCount = 1;
		b[i].stageFlags = stages;
	}
	VkDescriptorSetLayoutCreateInfo ci = {.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO, .bindingCount = n, .pBindings = b};
	return vgo_vkCreateDescriptorSetLayout(dev, &ci, NULL, out);
}

static VkResult dsr4dCreatePipelineLayout(VkDevice dev, VkDescriptorSetLayout set, uint32_t push,
		VkShaderStageFlags stages, VkPipelineLayout* out) {
	VkPushConstantRange pr = {.stageFlags = stages, .size = push};
	VkPipelineLayoutCreateInfo ci = {.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
	if (set != VK_NULL_HANDLE) {
		ci.setLayoutCount = 1;
		ci.pSetLayouts = &set;
	}
	if (push > 0) {
		ci.pushConstantRangeCount = 1;
		ci.pPushConstantRanges = &pr;
	}
	return vgo_vkCreatePipelineLayout(dev, &ci, NULL, out);
}

#define DSR4D_MAX_SPEC 64

static VkResult dsr4dCreateComputePipeline(VkDevice dev, VkPipelineCache cache, VkShaderModule mod,
		VkPipelineLayout layout, uint32_t n, const uint32_t* ids, const uint32_t* values, VkPipeline* out) {
	if (n > DSR4D_MAX_SPEC) return VK_ERROR_TOO_MANY_OBJECTS;
	VkSpecializationMapEntry e[DSR4D_MAX_SPEC];
	uint32_t data[DSR4D_MAX_SPEC];
	for (uint32_t i = 0; i < n; i++) {
		e[i].constantID = ids[i];
		e[i].offset = 4 * i;
		e[i].size = 4;
		data[i] = values[i];
	}
	VkSpecializationInfo si = {.mapEntryCount = n, .pMapEntries = e, .dataSize = 4 * n, .pData = data};
	VkComputePipelineCreateInfo ci = {.sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
	ci.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
	ci.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
	ci.stage.module = mod;
	ci.stage.pName = "main";
	ci.stage.pSpecializationInfo = n > 0 ? &si : NULL;
	ci.layout = layout;
	return vgo_vkCreateComputePipelines(dev, cache, 1, &ci, NULL, out);
}

static VkResult dsr4dCreatePipelineCache(VkDevice dev, size_t size, const void* data, VkPipelineCache* out) {
	VkPipelineCacheCreateInfo ci = {.sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO, .initialDataSize = size, .pInitialData = data};
	return vgo_vkCreatePipelineCache(dev, &ci, NULL, out);
}

static VkResult dsr4dCreateDescriptorPool(VkDevice dev, uint32_t sets, uint32_t storage, uint32_t texel, VkDescriptorPool* out) {
	VkDescriptorPoolSize ps[2] = {{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, storage}, {VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER, texel}};
	VkDescriptorPoolCreateInfo ci = {.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO, .maxSets = sets, .poolSizeCount = 2, .pPoolSizes = ps};
	return vgo_vkCreateDescriptorPool(dev, &ci, NULL, out);
}

static VkResult dsr4dAllocateSet(VkDevice dev, VkDescriptorPool pool, VkDescriptorSetLayout layout, VkDescriptorSet* out) {
	VkDescriptorSetAllocateInfo ai = {
		.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
		.descriptorPool = pool,
		.descriptorSetCount = 1,
		.pSetLayouts = &layout,
	};
	return vgo_vkAllocateDescriptorSets(dev, &ai, out);
}

// dsr4dWriteSet points binding bindings[i] of set at buffer range i (storage buffers) or texel
// view i (uniform texel buffers, where views[i] is not null).
static VkResult dsr4dWriteSet(VkDevice dev, VkDescriptorSet set, uint32_t n, const uint32_t* bindings,
		const VkBuffer* bufs, const uint64_t* offs, const uint64_t* sizes, const VkBufferView* views) {
	if (n > DSR4D_MAX_BINDINGS) return VK_ERROR_TOO_MANY_OBJECTS;
	VkDescriptorBufferInfo bi[DSR4D_MAX_BINDINGS];
	VkWriteDescriptorSet w[DSR4D_MAX_BINDINGS];
	memset(w, 0, sizeof w);
	for (uint32_t i = 0; i < n; i++) {
		w[i].sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
		w[i].dstSet = set;
		w[i].dstBinding = bindings[i];
		w[i].descriptorCount = 1;
		if (views[i] != VK_NULL_HANDLE) {
			w[i].descriptorType = VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER;
			w[i].pTexelBufferView = &views[i];
		} else {
			bi[i].buffer = bufs[i];
			bi[i].offset = offs[i];
			bi[i].range = sizes[i];
			w[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
			w[i].pBufferInfo = &bi[i];
		}
	}
	vgo_vkUpdateDescriptorSets(dev, n, w, 0, NULL);
	return VK_SUCCESS;
}

static VkResult dsr4dBegin(VkCommandBuffer cb, VkCommandBufferUsageFlags flags) {
	VkCommandBufferBeginInfo bi = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO, .flags = flags};
	return vgo_vkBeginCommandBuffer(cb, &bi);
}

static void dsr4dMemoryBarrier(VkCommandBuffer cb, VkPipelineStageFlags src, VkAccessFlags srcAccess,
		VkPipelineStageFlags dst, VkAccessFlags dstAccess) {
	VkMemoryBarrier mb = {.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER, .srcAccessMask = srcAccess, .dstAccessMask = dstAccess};
	vgo_vkCmdPipelineBarrier(cb, src, dst, 0, 1, &mb, 0, NULL, 0, NULL);
}

static void dsr4dCopyBuffer(VkCommandBuffer cb, VkBuffer src, VkBuffer dst, uint64_t so, uint64_t dof, uint64_t n) {
	VkBufferCopy c;
	c.srcOffset = so;
	c.dstOffset = dof;
	c.size = n;
	vgo_vkCmdCopyBuffer(cb, src, dst, 1, &c);
}

static VkResult dsr4dSubmit(VkQueue q, VkCommandBuffer cb, VkSemaphore wait, VkPipelineStageFlags stage,
		VkSemaphore signal, VkFence fence) {
	VkSubmitInfo si = {.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO, .commandBufferCount = 1, .pCommandBuffers = &cb};
	if (wait != VK_NULL_HANDLE) {
		si.waitSemaphoreCount = 1;
		si.pWaitSemaphores = &wait;
		si.pWaitDstStageMask = &stage;
	}
	if (signal != VK_NULL_HANDLE) {
		si.signalSemaphoreCount = 1;
		si.pSignalSemaphores = &signal;
	}
	return vgo_vkQueueSubmit(q, 1, &si, fence);
}

static VkResult dsr4dPresent(VkQueue q, VkSwapchainKHR sc, uint32_t index, VkSemaphore wait) {
	VkPresentInfoKHR pi = {.sType = VK_STRUCTURE_TYPE_PRESENT_INFO_KHR};
	if (wait != VK_NULL_HANDLE) {
		pi.waitSemaphoreCount = 1;
		pi.pWaitSemaphores = &wait;
	}
	pi.swapchainCount = 1;
	pi.pSwapchains = &sc;
	pi.pImageIndices = &index;
	return vgo_vkQueuePresentKHR(q, &pi);
}

static VkResult dsr4dMappedRange(VkDevice dev, VkDeviceMemory mem, uint64_t off, uint64_t size, int flush) {
	VkMappedMemoryRange r = {.sType = VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE, .memory = mem, .offset = off, .size = size};
	return flush ? vgo_vkFlushMappedMemoryRanges(dev, 1, &r) : vgo_vkInvalidateMappedMemoryRanges(dev, 1, &r);
}
*/
import "C"

import (
	"unsafe"

	vulkan "github.com/vulkan-go/vulkan"
)

// Handles cross between vulkan-go's C types and this package's by their bits.
func cDev(d vulkan.Device) C.VkDevice                { return C.VkDevice(unsafe.Pointer(d)) }
func cCmd(c vulkan.CommandBuffer) C.VkCommandBuffer  { return C.VkCommandBuffer(unsafe.Pointer(c)) }
func cQueue(q vulkan.Queue) C.VkQueue                { return C.VkQueue(unsafe.Pointer(q)) }
func cPD(p vulkan.PhysicalDevice) C.VkPhysicalDevice { return C.VkPhysicalDevice(unsafe.Pointer(p)) }
func cBuf(b vulkan.Buffer) C.VkBuffer                { return C.VkBuffer(unsafe.Pointer(b)) }
func cSem(s vulkan.Semaphore) C.VkSemaphore          { return C.VkSemaphore(unsafe.Pointer(s)) }
func cFence(f vulkan.Fence) C.VkFence                { return C.VkFence(unsafe.Pointer(f)) }
func cView(v vulkan.BufferView) C.VkBufferView       { return C.VkBufferView(unsafe.Pointer(v)) }
func cDSL(l vulkan.DescriptorSetLayout) C.VkDescriptorSetLayout {
	return C.VkDescriptorSetLayout(unsafe.Pointer(l))
}

// cStrings copies ss into C strings and an array of them; free releases both.
func cStrings(ss []string) (arr **C.char, free func()) {
	if len(ss) == 0 {
		return nil, func() {}
	}
	p := (**C.char)(C.calloc(C.size_t(len(ss)), C.size_t(unsafe.Sizeof(uintptr(0)))))
	a := unsafe.Slice(p, len(ss))
	for i, s := range ss {
		a[i] = C.CString(s)
	}
	return p, func() {
		for _, s := range a {
			C.free(unsafe.Pointer(s))
		}
		C.free(unsafe.Pointer(p))
	}
}

func createInstance(app string, api uint32, layers, exts []string) (vulkan.Instance, vulkan.Result) {
	capp := C.CString(app)
	defer C.free(unsafe.Pointer(capp))
	cl, freeL := cStrings(layers)
	defer freeL()
	ce, freeE := cStrings(exts)
	defer freeE()
	var out C.VkInstance
	r := C.dsr4dCreateInstance(capp, C.uint32_t(api), C.uint32_t(len(layers)), cl, C.uint32_t(len(exts)), ce, &out)
	return vulkan.Instance(unsafe.Pointer(out)), vulkan.Result(r)
}

func hasInstanceLayer(name string) bool {
	if initLoader() != nil {
		return false
	}
	cn := C.CString(name)
	defer C.free(unsafe.Pointer(cn))
	return C.dsr4dHasLayer(cn) != 0
}

// queueFamilies returns the queue flags of each of pd's queue families.
func queueFamilies(pd vulkan.PhysicalDevice) []vulkan.QueueFlagBits {
	flags := make([]uint32, 64)
	n := int(C.dsr4dQueueFamilies(cPD(pd), C.uint32_t(len(flags)), (*C.uint32_t)(&flags[0])))
	out := make([]vulkan.QueueFlagBits, min(n, len(flags)))
	for i := range out {
		out[i] = vulkan.QueueFlagBits(flags[i])
	}
	return out
}

// deviceFeatures are the optional core features a Device enables (graphics only).
type deviceFeatures struct{ largePoints, wideLines bool }

func createDevice(pd vulkan.PhysicalDevice, families []uint32, exts []string, f deviceFeatures) (vulkan.Device, vulkan.Result) {
	ce, freeE := cStrings(exts)
	defer freeE()
	var feats C.VkPhysicalDeviceFeatures
	if f.largePoints {
		feats.largePoints = C.VK_TRUE
	}
	if f.wideLines {
		feats.wideLines = C.VK_TRUE
	}
	var out C.VkDevice
	r := C.dsr4dCreateDevice(cPD(pd), C.uint32_t(len(families)), (*C.uint32_t)(&families[0]), C.uint32_t(len(exts)), ce, &feats, &out)
	return vulkan.Device(unsafe.Pointer(out)), vulkan.Result(r)
}

func createShaderModule(dev vulkan.Device, code []uint32) (vulkan.ShaderModule, vulkan.Result) {
	var out C.VkShaderModule
	r := C.dsr4dCreateShaderModule(cDev(dev), C.size_t(4*len(code)), (*C.uint32_t)(&code[0]), &out)
	return vulkan.ShaderModule(unsafe.Pointer(out)), vulkan.Result(r)
}

func createDescriptorSetLayout(dev vulkan.Device, bindings, types []uint32, stages vulkan.ShaderStageFlagBits) (vulkan.DescriptorSetLayout, vulkan.Result) {
	var out C.VkDescriptorSetLayout
	var pb, pt *C.uint32_t
	if len(bindings) > 0 {
		pb, pt = (*C.uint32_t)(&bindings[0]), (*C.uint32_t)(&types[0])
	}
	r := C.dsr4dCreateDescriptorSetLayout(cDev(dev), C.uint32_t(len(bindings)), pb, pt, C.VkShaderStageFlags(stages), &out)
	return vulkan.DescriptorSetLayout(unsafe.Pointer(out)), vulkan.Result(r)
}

func createPipelineLayout(dev vulkan.Device, set vulkan.DescriptorSetLayout, push uint32, stages vulkan.ShaderStageFlagBits) (vulkan.PipelineLayout, vulkan.Result) {
	var out C.VkPipelineLayout
	r := C.dsr4dCreatePipelineLayout(cDev(dev), cDSL(set), C.uint32_t(push), C.VkShaderStageFlags(stages), &out)
	return vulkan.PipelineLayout(unsafe.Pointer(out)), vulkan.Result(r)
}

func createComputePipeline(dev vulkan.Device, cache vulkan.PipelineCache, mod vulkan.ShaderModule, layout vulkan.PipelineLayout, ids, values []uint32) (vulkan.Pipeline, vulkan.Result) {
	var out C.VkPipeline
	var pi, pv *C.uint32_t
	if len(ids) > 0 {
		pi, pv = (*C.uint32_t)(&ids[0]), (*C.uint32_t)(&values[0])
	}
	r := C.dsr4dCreateComputePipeline(cDev(dev), C.VkPipelineCache(unsafe.Pointer(cache)), C.VkShaderModule(unsafe.Pointer(mod)),
		C.VkPipelineLayout(unsafe.Pointer(layout)), C.uint32_t(len(ids)), pi, pv, &out)
	return vulkan.Pipeline(unsafe.Pointer(out)), vulkan.Result(r)
}

func createPipelineCache(dev vulkan.Device, initial []byte) (vulkan.PipelineCache, vulkan.Result) {
	var out C.VkPipelineCache
	var p unsafe.Pointer
	if len(initial) > 0 {
		p = unsafe.Pointer(&initial[0])
	}
	r := C.dsr4dCreatePipelineCache(cDev(dev), C.size_t(len(initial)), p, &out)
	return vulkan.PipelineCache(unsafe.Pointer(out)), vulkan.Result(r)
}

func createDescriptorPool(dev vulkan.Device, sets, storage, texel uint32) (vulkan.DescriptorPool, vulkan.Result) {
	var out C.VkDescriptorPool
	r := C.dsr4dCreateDescriptorPool(cDev(dev), C.uint32_t(sets), C.uint32_t(storage), C.uint32_t(texel), &out)
	return vulkan.DescriptorPool(unsafe.Pointer(out)), vulkan.Result(r)
}

func allocateSet(dev vulkan.Device, pool vulkan.DescriptorPool, layout vulkan.DescriptorSetLayout) (vulkan.DescriptorSet, vulkan.Result) {
	var out C.VkDescriptorSet
	r := C.dsr4dAllocateSet(cDev(dev), C.VkDescriptorPool(unsafe.Pointer(pool)), cDSL(layout), &out)
	return vulkan.DescriptorSet(unsafe.Pointer(out)), vulkan.Result(r)
}

// setWrites is one descriptor set's bindings, as parallel arrays that C reads directly.
type setWrites struct {
	bindings   []uint32
	bufs       []C.VkBuffer
	offs, size []uint64
	views      []C.VkBufferView
}

func (w *setWrites) reset() {
	w.bindings, w.bufs, w.offs, w.size, w.views = w.bindings[:0], w.bufs[:0], w.offs[:0], w.size[:0], w.views[:0]
}

func (w *setWrites) add(binding uint32, buf vulkan.Buffer, off, size int64, view vulkan.BufferView) {
	w.bindings = append(w.bindings, binding)
	w.bufs = append(w.bufs, cBuf(buf))
	w.offs = append(w.offs, uint64(off))
	w.size = append(w.size, uint64(size))
	w.views = append(w.views, cView(view))
}

func (w *setWrites) update(dev vulkan.Device, set vulkan.DescriptorSet) vulkan.Result {
	if len(w.bindings) == 0 {
		return vulkan.Success
	}
	return vulkan.Result(C.dsr4dWriteSet(cDev(dev), C.VkDescriptorSet(unsafe.Pointer(set)), C.uint32_t(len(w.bindings)),
		(*C.uint32_t)(&w.bindings[0]), &w.bufs[0], (*C.uint64_t)(&w.offs[0]), (*C.uint64_t)(&w.size[0]), &w.views[0]))
}

func beginCommandBuffer(cb vulkan.CommandBuffer, flags vulkan.CommandBufferUsageFlagBits) vulkan.Result {
	return vulkan.Result(C.dsr4dBegin(cCmd(cb), C.VkCommandBufferUsageFlags(flags)))
}

func cmdMemoryBarrier(cb vulkan.CommandBuffer, src vulkan.PipelineStageFlagBits, srcAccess vulkan.AccessFlagBits, dst vulkan.PipelineStageFlagBits, dstAccess vulkan.AccessFlagBits) {
	C.dsr4dMemoryBarrier(cCmd(cb), C.VkPipelineStageFlags(src), C.VkAccessFlags(srcAccess), C.VkPipelineStageFlags(dst), C.VkAccessFlags(dstAccess))
}

func cmdCopyBuffer(cb vulkan.CommandBuffer, src, dst vulkan.Buffer, srcOff, dstOff, n int64) {
	C.dsr4dCopyBuffer(cCmd(cb), cBuf(src), cBuf(dst), C.uint64_t(srcOff), C.uint64_t(dstOff), C.uint64_t(n))
}

func queueSubmit(q vulkan.Queue, cb vulkan.CommandBuffer, wait vulkan.Semaphore, stage vulkan.PipelineStageFlagBits, signal vulkan.Semaphore, fence vulkan.Fence) vulkan.Result {
	return vulkan.Result(C.dsr4dSubmit(cQueue(q), cCmd(cb), cSem(wait), C.VkPipelineStageFlags(stage), cSem(signal), cFence(fence)))
}

func queuePresent(q vulkan.Queue, sc vulkan.Swapchain, index uint32, wait vulkan.Semaphore) vulkan.Result {
	return vulkan.Result(C.dsr4dPresent(cQueue(q), C.VkSwapchainKHR(unsafe.Pointer(sc)), C.uint32_t(index), cSem(wait)))
}

func mappedRange(dev vulkan.Device, mem vulkan.DeviceMemory, off, size int64, flush bool) vulkan.Result {
	f := C.int(0)
	if flush {
		f = 1
	}
	return vulkan.Result(C.dsr4dMappedRange(cDev(dev), C.VkDeviceMemory(unsafe.Pointer(mem)), C.uint64_t(off), C.uint64_t(size), f))
}
