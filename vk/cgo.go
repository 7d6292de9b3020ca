package vk

/*
#cgo CFLAGS: -DVK_NO_PROTOTYPES
#include <stdlib.h>
#include <string.h>
#include <vulkan/vulkan.h>

// vulkan-go resolves vkGetInstanceProcAddr into this global; the Vulkan 1.1 queries that its
// generated bindings lack (properties2 chains) go through it.
extern PFN_vkGetInstanceProcAddr vgo_vkGetInstanceProcAddr;

typedef struct {
	uint32_t subgroupSize;
	uint32_t subgroupStages;
	uint32_t subgroupOps;
	uint32_t driverID;
	char driverName[VK_MAX_DRIVER_NAME_SIZE];
	char driverInfo[VK_MAX_DRIVER_INFO_SIZE];
	uint32_t storageBuffer16BitAccess;
	uint32_t shaderFloat16;
	uint32_t haveDriverProps;
} dsr4dExtra;

static int dsr4dQueryExtra(VkInstance inst, VkPhysicalDevice pd, uint32_t apiVersion, dsr4dExtra* out) {
	memset(out, 0, sizeof(*out));
	if (vgo_vkGetInstanceProcAddr == NULL) return -1;
	PFN_vkGetPhysicalDeviceProperties2 props2 =
		(PFN_vkGetPhysicalDeviceProperties2)vgo_vkGetInstanceProcAddr(inst, "vkGetPhysicalDeviceProperties2");
	PFN_vkGetPhysicalDeviceFeatures2 feats2 =
		(PFN_vkGetPhysicalDeviceFeatures2)vgo_vkGetInstanceProcAddr(inst, "vkGetPhysicalDeviceFeatures2");
	if (props2 == NULL || feats2 == NULL) return -2;

	VkPhysicalDeviceDriverProperties drv = {0};
	drv.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES;
	VkPhysicalDeviceSubgroupProperties sub = {0};
	sub.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES;
	// Driver properties are core in 1.2 only; chaining them on a 1.1 device is invalid usage.
	if (VK_API_VERSION_MINOR(apiVersion) >= 2 || VK_API_VERSION_MAJOR(apiVersion) > 1) {
		sub.pNext = &drv;
		out->haveDriverProps = 1;
	}
	VkPhysicalDeviceProperties2 p = {0};
	p.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2;
	p.pNext = &sub;
	props2(pd, &p);
	out->subgroupSize = sub.subgroupSize;
	out->subgroupStages = sub.supportedStages;
	out->subgroupOps = sub.supportedOperations;
	if (out->haveDriverProps) {
		out->driverID = drv.driverID;
		memcpy(out->driverName, drv.driverName, sizeof(out->driverName));
		memcpy(out->driverInfo, drv.driverInfo, sizeof(out->driverInfo));
	}

	VkPhysicalDevice16BitStorageFeatures s16 = {0};
	s16.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES;
	VkPhysicalDeviceShaderFloat16Int8Features f16 = {0};
	f16.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES;
	if (VK_API_VERSION_MINOR(apiVersion) >= 2 || VK_API_VERSION_MAJOR(apiVersion) > 1) {
		s16.pNext = &f16;
	}
	VkPhysicalDeviceFeatures2 f = {0};
	f.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2;
	f.pNext = &s16;
	feats2(pd, &f);
	out->storageBuffer16BitAccess = s16.storageBuffer16BitAccess;
	out->shaderFloat16 = f16.shaderFloat16;
	return 0;
}
*/
import "C"

import (
	"unsafe"

	vulkan "github.com/vulkan-go/vulkan"
)

// extraInfo holds what only the Vulkan 1.1+ property and feature chains report.
type extraInfo struct {
	subgroupSize, subgroupStages, subgroupOps uint32
	driverID                                  uint32
	driverName, driverInfo                    string
	haveDriverProps                           bool
	storage16, float16                        bool
}

func queryExtra(inst vulkan.Instance, pd vulkan.PhysicalDevice, api uint32) (extraInfo, bool) {
	var out C.dsr4dExtra
	rc := C.dsr4dQueryExtra(C.VkInstance(unsafe.Pointer(inst)), C.VkPhysicalDevice(unsafe.Pointer(pd)), C.uint32_t(api), &out)
	if rc != 0 {
		return extraInfo{}, false
	}
	return extraInfo{
		subgroupSize:    uint32(out.subgroupSize),
		subgroupStages:  uint32(out.subgroupStages),
		subgroupOps:     uint32(out.subgroupOps),
		driverID:        uint32(out.driverID),
		driverName:      C.GoString(&out.driverName[0]),
		driverInfo:      C.GoString(&out.driverInfo[0]),
		haveDriverProps: out.haveDriverProps != 0,
		storage16:       out.storageBuffer16BitAccess != 0,
		float16:         out.shaderFloat16 != 0,
	}, true
}

func freeC(p unsafe.Pointer) {
	if p != nil {
		C.free(p)
	}
}

// cAlloc returns zeroed C memory of n bytes (at least 1), used as an opaque debug-callback cookie.
func cAlloc(n int) unsafe.Pointer {
	if n < 1 {
		n = 1
	}
	return C.calloc(1, C.size_t(n))
}
