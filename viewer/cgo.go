package viewer

// The graphics calls that pass arrays of structs are made here, for the reason package vk gives
// in its doc.go (Ownership): vulkan-go would copy those arrays into C memory that a finalizer may
// free while the call still reads it. Each C function builds its structures on its own stack
// from plain arguments and calls the function pointer vulkan-go loaded (its vgo_ globals).

/*
#cgo CFLAGS: -DVK_NO_PROTOTYPES
#include <string.h>
#include <vulkan/vulkan.h>

extern PFN_vkCreateRenderPass vgo_vkCreateRenderPass;
extern PFN_vkCreateGraphicsPipelines vgo_vkCreateGraphicsPipelines;
extern PFN_vkCmdSetViewport vgo_vkCmdSetViewport;
extern PFN_vkCmdSetScissor vgo_vkCmdSetScissor;
extern PFN_vkCmdCopyImageToBuffer vgo_vkCmdCopyImageToBuffer;
extern PFN_vkGetPhysicalDeviceSurfaceFormatsKHR vgo_vkGetPhysicalDeviceSurfaceFormatsKHR;

// GLFW's (compiled into go-gl/glfw): called directly because go-gl returns the surface as the
// address of a Go variable in a uintptr, which the collector may free before it is read.
typedef struct GLFWwindow GLFWwindow;
extern VkResult glfwCreateWindowSurface(VkInstance instance, GLFWwindow* window, const VkAllocationCallbacks* allocator, VkSurfaceKHR* surface);

// viewerRenderPass: one colour attachment (cleared, stored, left in final) and a depth
// attachment, one subpass, and the dependencies that order frames and the readback copy.
static VkResult viewerRenderPass(VkDevice dev, VkFormat color, VkImageLayout final, VkFormat depth, VkRenderPass* out) {
	VkAttachmentDescription att[2];
	memset(att, 0, sizeof att);
	att[0].format = color;
	att[0].samples = VK_SAMPLE_COUNT_1_BIT;
	att[0].loadOp = VK_ATTACHMENT_LOAD_OP_CLEAR;
	att[0].storeOp = VK_ATTACHMENT_STORE_OP_STORE;
	att[0].stencilLoadOp = VK_ATTACHMENT_LOAD_OP_DONT_CARE;
	att[0].stencilStoreOp = VK_ATTACHMENT_STORE_OP_DONT_CARE;
	att[0].initialLayout = VK_IMAGE_LAYOUT_UNDEFINED;
	att[0].finalLayout = final;
	att[1] = att[0];
	att[1].format = depth;
	att[1].storeOp = VK_ATTACHMENT_STORE_OP_DONT_CARE;
	att[1].finalLayout = VK_IMAGE_LAYOUT_DEPTH_STENCIL_ATTACHMENT_OPTIMAL;
	VkAttachmentReference cref = {0, VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL};
	VkAttachmentReference dref = {1, VK_IMAGE_LAYOUT_DEPTH_STENCIL_ATTACHMENT_OPTIMAL};
	VkSubpassDescription sub = {
		.pipelineBindPoint = VK_PIPELINE_BIND_POINT_GRAPHICS,
		.colorAttachmentCount = 1,
		.pColorAttachments = &cref,
		.pDepthStencilAttachment = &dref,
	};
	VkPipelineStageFlags fb = VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT | VK_PIPELINE_STAGE_EARLY_FRAGMENT_TESTS_BIT | VK_PIPELINE_STAGE_LATE_FRAGMENT_TESTS_BIT;
	VkSubpassDependency dep[2] = {
		{.srcSubpass = VK_SUBPASS_EXTERNAL, .dstSubpass = 0, .srcStageMask = fb, .dstStageMask = fb,
			.dstAccessMask = VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT | VK_ACCESS_DEPTH_STENCIL_ATTACHMENT_WRITE_BIT},
		// The readback copy (offscreen) reads what the pass wrote.
		{.srcSubpass = 0, .dstSubpass = VK_SUBPASS_EXTERNAL,
			.srcStageMask = VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT, .dstStageMask = VK_PIPELINE_STAGE_TRANSFER_BIT,
			.srcAccessMask = VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT, .dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT},
	};
	VkRenderPassCreateInfo ci = {
		.sType = VK_STRUCTURE_TYPE_RENDER_PASS_CREATE_INFO,
		.attachmentCount = 2,
		.pAttachments = att,
		.subpassCount = 1,
		.pSubpasses = &sub,
		.dependencyCount = 2,
		.pDependencies = dep,
	};
	return vgo_vkCreateRenderPass(dev, &ci, NULL, out);
}

#define VIEWER_MAX_ATTRS 8

// viewerPipeline: vertex + fragment shader, one vertex binding of stride bytes, dynamic
// viewport and scissor, optional depth test/write and alpha blending.
static VkResult viewerPipeline(VkDevice dev, VkShaderModule vs, VkShaderModule fs, VkPrimitiveTopology topo,
		uint32_t stride, uint32_t nattr, const uint32_t* formats, const uint32_t* offsets, int depth, int blend,
		float lineWidth, VkPipelineLayout layout, VkRenderPass rp, VkPipelineCache cache, VkPipeline* out) {
	if (nattr > VIEWER_MAX_ATTRS) return VK_ERROR_TOO_MANY_OBJECTS;
	VkPipelineShaderStageCreateInfo st[2];
	memset(st, 0, sizeof st);
	st[0].sType = st[1].sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
	st[0].stage = VK_SHADER_STAGE_VERTEX_BIT;
	st[0].module = vs;
	st[0].pName = "main";
	st[1].stage = VK_SHADER_STAGE_FRAGMENT_BIT;
	st[1].module = fs;
	st[1].pName = "main";
	VkVertexInputBindingDescription bind = {0, stride, VK_VERTEX_INPUT_RATE_VERTEX};
	VkVertexInputAttributeDescription attr[VIEWER_MAX_ATTRS];
	for (uint32_t i = 0; i < nattr; i++) {
		attr[i].location = i;
		attr[i].binding = 0;
		attr[i].format = (VkFormat)formats[i];
		attr[i].offset = offsets[i];
	}
	VkPipelineVertexInputStateCreateInfo vi = {
		.sType = VK_STRUCTURE_TYPE_PIPELINE_VERTEX_INPUT_STATE_CREATE_INFO,
		.vertexBindingDescriptionCount = 1,
		.pVertexBindingDescriptions = &bind,
		.vertexAttributeDescriptionCount = nattr,
		.pVertexAttributeDescriptions = attr,
	};
	VkPipelineInputAssemblyStateCreateInfo ia = {.sType = VK_STRUCTURE_TYPE_PIPELINE_INPUT_ASSEMBLY_STATE_CREATE_INFO, .topology = topo};
	VkPipelineViewportStateCreateInfo vp = {.sType = VK_STRUCTURE_TYPE_PIPELINE_VIEWPORT_STATE_CREATE_INFO, .viewportCount = 1, .scissorCount = 1};
	VkPipelineRasterizationStateCreateInfo rs = {
		.sType = VK_STRUCTURE_TYPE_PIPELINE_RASTERIZATION_STATE_CREATE_INFO,
		.polygonMode = VK_POLYGON_MODE_FILL,
		.cullMode = VK_CULL_MODE_NONE,
		.frontFace = VK_FRONT_FACE_COUNTER_CLOCKWISE,
		.lineWidth = lineWidth,
	};
	VkPipelineMultisampleStateCreateInfo ms = {
		.sType = VK_STRUCTURE_TYPE_PIPELINE_MULTISAMPLE_STATE_CREATE_INFO,
		.rasterizationSamples = VK_SAMPLE_COUNT_1_BIT,
	};
	VkPipelineDepthStencilStateCreateInfo ds = {
		.sType = VK_STRUCTURE_TYPE_PIPELINE_DEPTH_STENCIL_STATE_CREATE_INFO,
		.depthCompareOp = VK_COMPARE_OP_LESS_OR_EQUAL,
	};
	ds.depthTestEnable = ds.depthWriteEnable = depth ? VK_TRUE : VK_FALSE;
	VkPipelineColorBlendAttachmentState att = {
		.colorWriteMask = VK_COLOR_COMPONENT_R_BIT | VK_COLOR_COMPONENT_G_BIT | VK_COLOR_COMPONENT_B_BIT | VK_COLOR_COMPONENT_A_BIT,
	};
	if (blend) {
		att.blendEnable = VK_TRUE;
		att.srcColorBlendFactor = VK_BLEND_FACTOR_SRC_ALPHA;
		att.dstColorBlendFactor = VK_BLEND_FACTOR_ONE_MINUS_SRC_ALPHA;
		att.colorBlendOp = VK_BLEND_OP_ADD;
		att.srcAlphaBlendFactor = VK_BLEND_FACTOR_ONE;
		att.dstAlphaBlendFactor = VK_BLEND_FACTOR_ONE_MINUS_SRC_ALPHA;
		att.alphaBlendOp = VK_BLEND_OP_ADD;
	}
	VkPipelineColorBlendStateCreateInfo cb = {
		.sType = VK_STRUCTURE_TYPE_PIPELINE_COLOR_BLEND_STATE_CREATE_INFO,
		.attachmentCount = 1,
		.pAttachments = &att,
	};
	VkDynamicState dyn[2] = {VK_DYNAMIC_STATE_VIEWPORT, VK_DYNAMIC_STATE_SCISSOR};
	VkPipelineDynamicStateCreateInfo dy = {
		.sType = VK_STRUCTURE_TYPE_PIPELINE_DYNAMIC_STATE_CREATE_INFO,
		.dynamicStateCount = 2,
		.pDynamicStates = dyn,
	};
	VkGraphicsPipelineCreateInfo ci = {
		.sType = VK_STRUCTURE_TYPE_GRAPHICS_PIPELINE_CREATE_INFO,
		.stageCount = 2,
		.pStages = st,
		.pVertexInputState = &vi,
		.pInputAssemblyState = &ia,
		.pViewportState = &vp,
		.pRasterizationState = &rs,
		.pMultisampleState = &ms,
		.pDepthStencilState = &ds,
		.pColorBlendState = &cb,
		.pDynamicState = &dy,
		.layout = layout,
		.renderPass = rp,
		.basePipelineIndex = -1,
	};
	return vgo_vkCreateGraphicsPipelines(dev, cache, 1, &ci, NULL, out);
}

static void viewerViewport(VkCommandBuffer cb, uint32_t w, uint32_t h) {
	VkViewport vp = {0, 0, (float)w, (float)h, 0, 1};
	VkRect2D sc = {{0, 0}, {w, h}};
	vgo_vkCmdSetViewport(cb, 0, 1, &vp);
	vgo_vkCmdSetScissor(cb, 0, 1, &sc);
}

static void viewerCopyImage(VkCommandBuffer cb, VkImage img, VkBuffer buf, uint32_t w, uint32_t h) {
	VkBufferImageCopy r;
	memset(&r, 0, sizeof r);
	r.imageSubresource.aspectMask = VK_IMAGE_ASPECT_COLOR_BIT;
	r.imageSubresource.layerCount = 1;
	r.imageExtent.width = w;
	r.imageExtent.height = h;
	r.imageExtent.depth = 1;
	vgo_vkCmdCopyImageToBuffer(cb, img, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, buf, 1, &r);
}

// viewerSurfaceFormats writes up to max formats and returns how many it wrote (negative: a VkResult).
static int viewerSurfaceFormats(VkPhysicalDevice pd, VkSurfaceKHR s, uint32_t max, uint32_t* formats) {
	VkSurfaceFormatKHR f[64];
	uint32_t n = max < 64 ? max : 64;
	VkResult r = vgo_vkGetPhysicalDeviceSurfaceFormatsKHR(pd, s, &n, f);
	if (r < 0) return (int)r;
	for (uint32_t i = 0; i < n; i++) formats[i] = f[i].format;
	return (int)n;
}
*/
import "C"

import (
	"unsafe"

	vulkan "github.com/vulkan-go/vulkan"

	"github.com/dsr4d/dsr4d/vk"
)

func cDev(d vulkan.Device) C.VkDevice               { return C.VkDevice(unsafe.Pointer(d)) }
func cCmd(c vulkan.CommandBuffer) C.VkCommandBuffer { return C.VkCommandBuffer(unsafe.Pointer(c)) }

func createRenderPass(dev vulkan.Device, color vulkan.Format, final vulkan.ImageLayout, depth vulkan.Format) (vulkan.RenderPass, error) {
	var out C.VkRenderPass
	r := C.viewerRenderPass(cDev(dev), C.VkFormat(color), C.VkImageLayout(final), C.VkFormat(depth), &out)
	return vulkan.RenderPass(unsafe.Pointer(out)), vk.Check("vkCreateRenderPass", vulkan.Result(r))
}

// pipelineDesc is what differs between the viewer's graphics pipelines.
type pipelineDesc struct {
	vs, fs           vulkan.ShaderModule
	topo             vulkan.PrimitiveTopology
	stride           uint32
	formats, offsets []uint32 // vertex attributes at locations 0, 1, …
	depth, blend     bool
	lineWidth        float32
}

func createPipeline(dev vulkan.Device, p pipelineDesc, layout vulkan.PipelineLayout, rp vulkan.RenderPass, cache vulkan.PipelineCache) (vulkan.Pipeline, error) {
	var out C.VkPipeline
	b := func(v bool) C.int {
		if v {
			return 1
		}
		return 0
	}
	r := C.viewerPipeline(cDev(dev), C.VkShaderModule(unsafe.Pointer(p.vs)), C.VkShaderModule(unsafe.Pointer(p.fs)),
		C.VkPrimitiveTopology(p.topo), C.uint32_t(p.stride), C.uint32_t(len(p.formats)),
		(*C.uint32_t)(&p.formats[0]), (*C.uint32_t)(&p.offsets[0]), b(p.depth), b(p.blend), C.float(p.lineWidth),
		C.VkPipelineLayout(unsafe.Pointer(layout)), C.VkRenderPass(unsafe.Pointer(rp)), C.VkPipelineCache(unsafe.Pointer(cache)), &out)
	return vulkan.Pipeline(unsafe.Pointer(out)), vk.Check("vkCreateGraphicsPipelines", vulkan.Result(r))
}

func cmdViewport(cb vulkan.CommandBuffer, w, h int) {
	C.viewerViewport(cCmd(cb), C.uint32_t(w), C.uint32_t(h))
}

func cmdCopyImage(cb vulkan.CommandBuffer, img vulkan.Image, buf vulkan.Buffer, w, h int) {
	C.viewerCopyImage(cCmd(cb), C.VkImage(unsafe.Pointer(img)), C.VkBuffer(unsafe.Pointer(buf)), C.uint32_t(w), C.uint32_t(h))
}

func surfaceFormats(pd vulkan.PhysicalDevice, s vulkan.Surface) ([]vulkan.Format, error) {
	f := make([]uint32, 64)
	n := int(C.viewerSurfaceFormats(C.VkPhysicalDevice(unsafe.Pointer(pd)), C.VkSurfaceKHR(unsafe.Pointer(s)), C.uint32_t(len(f)), (*C.uint32_t)(&f[0])))
	if n < 0 {
		return nil, vk.Check("vkGetPhysicalDeviceSurfaceFormatsKHR", vulkan.Result(n))
	}
	out := make([]vulkan.Format, n)
	for i := range out {
		out[i] = vulkan.Format(f[i])
	}
	return out, nil
}

// createWindowSurface makes a surface for the GLFW window win (its Handle).
func createWindowSurface(inst vulkan.Instance, win unsafe.Pointer) (vulkan.Surface, error) {
	var s C.VkSurfaceKHR
	r := C.glfwCreateWindowSurface(C.VkInstance(unsafe.Pointer(inst)), (*C.GLFWwindow)(win), nil, &s)
	return vulkan.Surface(unsafe.Pointer(s)), vk.Check("glfwCreateWindowSurface", vulkan.Result(r))
}
