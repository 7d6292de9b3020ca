package vk

import (
	"errors"
	"fmt"

	vulkan "github.com/vulkan-go/vulkan"
)

// Sentinel errors; test them with errors.Is.
var (
	// ErrNoDevice means no Vulkan loader, no driver or no usable device was found.
	ErrNoDevice = errors.New("no Vulkan device")
	// ErrOutOfDeviceMemory means an allocation failed for lack of device (or host) memory.
	ErrOutOfDeviceMemory = errors.New("out of device memory")
	// ErrDeviceLost means the driver lost the device; the Device must be closed.
	ErrDeviceLost = errors.New("device lost")
	// ErrClosed is returned when a released resource or a closed device is used.
	ErrClosed = errors.New("use of a closed device or released resource")
)

// installHint is appended to loader and driver failures: the one line a user needs.
const installHint = "install a Vulkan loader and driver: apt-get install -y libvulkan1 libvulkan-dev mesa-vulkan-drivers (or run 'make deps')"

// ResultError is a failed Vulkan call other than the sentinel cases.
type ResultError struct {
	Call   string // the Vulkan function, e.g. "vkCreateBuffer"
	Result int32  // the VkResult
}

func (e *ResultError) Error() string {
	return fmt.Sprintf("%s: %s (VkResult %d)", e.Call, resultName(e.Result), e.Result)
}

// check turns a VkResult into an error that names the call; success is nil.
func check(call string, r vulkan.Result) error {
	switch r {
	case vulkan.Success:
		return nil
	case vulkan.ErrorOutOfDeviceMemory, vulkan.ErrorOutOfHostMemory:
		return fmt.Errorf("%s: %w (%s)", call, ErrOutOfDeviceMemory, resultName(int32(r)))
	case vulkan.ErrorDeviceLost:
		return fmt.Errorf("%s: %w", call, ErrDeviceLost)
	}
	return &ResultError{Call: call, Result: int32(r)}
}

func resultName(r int32) string {
	switch vulkan.Result(r) {
	case vulkan.NotReady:
		return "VK_NOT_READY"
	case vulkan.Timeout:
		return "VK_TIMEOUT"
	case vulkan.Incomplete:
		return "VK_INCOMPLETE"
	case vulkan.ErrorOutOfHostMemory:
		return "VK_ERROR_OUT_OF_HOST_MEMORY"
	case vulkan.ErrorOutOfDeviceMemory:
		return "VK_ERROR_OUT_OF_DEVICE_MEMORY"
	case vulkan.ErrorInitializationFailed:
		return "VK_ERROR_INITIALIZATION_FAILED"
	case vulkan.ErrorDeviceLost:
		return "VK_ERROR_DEVICE_LOST"
	case vulkan.ErrorMemoryMapFailed:
		return "VK_ERROR_MEMORY_MAP_FAILED"
	case vulkan.ErrorLayerNotPresent:
		return "VK_ERROR_LAYER_NOT_PRESENT"
	case vulkan.ErrorExtensionNotPresent:
		return "VK_ERROR_EXTENSION_NOT_PRESENT"
	case vulkan.ErrorFeatureNotPresent:
		return "VK_ERROR_FEATURE_NOT_PRESENT"
	case vulkan.ErrorIncompatibleDriver:
		return "VK_ERROR_INCOMPATIBLE_DRIVER"
	case vulkan.ErrorTooManyObjects:
		return "VK_ERROR_TOO_MANY_OBJECTS"
	case vulkan.ErrorFormatNotSupported:
		return "VK_ERROR_FORMAT_NOT_SUPPORTED"
	case vulkan.ErrorFragmentedPool:
		return "VK_ERROR_FRAGMENTED_POOL"
	case vulkan.ErrorOutOfPoolMemory:
		return "VK_ERROR_OUT_OF_POOL_MEMORY"
	}
	return "VkResult"
}

// prefixed gives an error leaving the package its one "vk: " prefix. Errors made inside the
// package (and the sentinels) carry none, so that each layer adds exactly one, as in Gio:
// "vk: NewBuffer(device-local, 4096 bytes): vkAllocateMemory: out of device memory (…)".
func prefixed(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("vk: %w", err)
}
