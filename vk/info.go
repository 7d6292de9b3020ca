package vk

import (
	"fmt"
	"strings"

	vulkan "github.com/vulkan-go/vulkan"
)

// DeviceType is the kind of physical device, in the order Open prefers them.
type DeviceType int

// Device types, from VkPhysicalDeviceType.
const (
	TypeOther DeviceType = iota
	TypeIntegrated
	TypeDiscrete
	TypeVirtual
	TypeCPU
)

var typeNames = [...]string{"other", "integrated", "discrete", "virtual", "cpu"}

func (t DeviceType) String() string {
	if t < 0 || int(t) >= len(typeNames) {
		return fmt.Sprintf("DeviceType(%d)", int(t))
	}
	return typeNames[t]
}

// MarshalText makes DeviceType print as its name in JSON.
func (t DeviceType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText reads a name written by MarshalText, so `dsr4d devices -json` round-trips.
func (t *DeviceType) UnmarshalText(b []byte) error {
	for i, n := range typeNames {
		if n == string(b) {
			*t = DeviceType(i)
			return nil
		}
	}
	return fmt.Errorf("vk: unknown device type %q", b)
}

// rank orders device types for automatic selection: discrete > integrated > virtual > CPU > other.
func (t DeviceType) rank() int {
	switch t {
	case TypeDiscrete:
		return 4
	case TypeIntegrated:
		return 3
	case TypeVirtual:
		return 2
	case TypeCPU:
		return 1
	}
	return 0
}

// Heap is one memory heap.
type Heap struct {
	Size        uint64 `json:"size"`
	DeviceLocal bool   `json:"device_local"`
}

// MemoryType is one memory type and the heap it draws from.
type MemoryType struct {
	Heap         int  `json:"heap"`
	DeviceLocal  bool `json:"device_local"`
	HostVisible  bool `json:"host_visible"`
	HostCoherent bool `json:"host_coherent"`
	HostCached   bool `json:"host_cached"`
}

// Info describes a physical device: identity and the limits kernels are tuned by.
type Info struct {
	Index         int        `json:"index"`
	Name          string     `json:"name"`
	VendorID      uint32     `json:"vendor_id"`
	Vendor        string     `json:"vendor"`
	DeviceID      uint32     `json:"device_id"`
	Type          DeviceType `json:"type"`
	Driver        string     `json:"driver"`
	DriverInfo    string     `json:"driver_info,omitempty"`
	DriverVersion uint32     `json:"driver_version"`
	APIVersion    string     `json:"api_version"`
	api           uint32

	SubgroupSize                    uint32    `json:"subgroup_size"`
	MaxSharedMemory                 uint32    `json:"max_shared_memory"`
	MaxWorkgroupSize                [3]uint32 `json:"max_workgroup_size"`
	MaxWorkgroupInvocations         uint32    `json:"max_workgroup_invocations"`
	MaxWorkgroupCount               [3]uint32 `json:"max_workgroup_count"`
	MaxPushConstantsSize            uint32    `json:"max_push_constants_size"`
	MaxStorageBufferRange           uint32    `json:"max_storage_buffer_range"`
	MinStorageBufferOffsetAlignment uint64    `json:"min_storage_buffer_offset_alignment"`
	NonCoherentAtomSize             uint64    `json:"non_coherent_atom_size"`
	MaxTexelBufferElements          uint32    `json:"max_texel_buffer_elements"`
	MinTexelBufferOffsetAlignment   uint64    `json:"min_texel_buffer_offset_alignment"`
	MaxMemoryAllocationCount        uint32    `json:"max_memory_allocation_count"`
	Storage16Bit                    bool      `json:"storage_buffer_16bit"`
	Float16                         bool      `json:"shader_float16"`
	PipelineCacheUUID               [16]byte  `json:"-"`
	// Graphics features and limits (package viewer draws points and lines with them).
	LargePoints  bool    `json:"large_points"`
	WideLines    bool    `json:"wide_lines"`
	MaxPointSize float32 `json:"max_point_size"`

	Heaps       []Heap       `json:"heaps"`
	MemoryTypes []MemoryType `json:"memory_types"`

	Selected bool `json:"selected"`
}

// IsCPU reports whether the device is a CPU implementation such as lavapipe, where barrier-free
// register-blocked kernels beat shared-memory tiles.
func (i Info) IsCPU() bool { return i.Type == TypeCPU }

// PreferCPUBackend is the --device auto rule for compute-heavy work (the nn models): given the
// device Open would choose, it reports whether to run on the native CPU backend instead. Open
// already prefers a discrete or an integrated GPU whenever there is one, so this is true only
// when the best Vulkan device is itself a CPU implementation (lavapipe, SwiftShader), which runs
// on the same cores as native code but through a driver's JIT and copies. Light kernels (fuse
// centres, ray casting) and the viewer use Vulkan on any device.
func PreferCPUBackend(best Info) bool { return best.Type == TypeCPU }

func vendorName(id uint32) string {
	switch id {
	case 0x10DE:
		return "NVIDIA"
	case 0x1002:
		return "AMD"
	case 0x8086:
		return "Intel"
	case 0x13B5:
		return "ARM"
	case 0x5143:
		return "Qualcomm"
	case 0x106B:
		return "Apple"
	case 0x10005:
		return "Mesa"
	}
	return fmt.Sprintf("0x%04x", id)
}

func cString(b []byte) string {
	if i := strings.IndexByte(string(b), 0); i >= 0 {
		return string(b[:i])
	}
	return string(b)
}

// describe reads everything Info holds about pd.
func describe(inst vulkan.Instance, pd vulkan.PhysicalDevice, index int) Info {
	var props vulkan.PhysicalDeviceProperties
	vulkan.GetPhysicalDeviceProperties(pd, &props)
	defer props.Free() // vulkan-go's C copy, read by the Derefs below
	props.Deref()
	props.Limits.Deref()
	lim := props.Limits
	info := Info{
		Index:                           index,
		Name:                            cString(props.DeviceName[:]),
		VendorID:                        props.VendorID,
		Vendor:                          vendorName(props.VendorID),
		DeviceID:                        props.DeviceID,
		Type:                            DeviceType(props.DeviceType),
		DriverVersion:                   props.DriverVersion,
		APIVersion:                      vulkan.Version(props.ApiVersion).String(),
		api:                             props.ApiVersion,
		MaxSharedMemory:                 lim.MaxComputeSharedMemorySize,
		MaxWorkgroupSize:                lim.MaxComputeWorkGroupSize,
		MaxWorkgroupInvocations:         lim.MaxComputeWorkGroupInvocations,
		MaxWorkgroupCount:               lim.MaxComputeWorkGroupCount,
		MaxPushConstantsSize:            lim.MaxPushConstantsSize,
		MaxStorageBufferRange:           lim.MaxStorageBufferRange,
		MinStorageBufferOffsetAlignment: uint64(lim.MinStorageBufferOffsetAlignment),
		NonCoherentAtomSize:             uint64(lim.NonCoherentAtomSize),
		MaxTexelBufferElements:          lim.MaxTexelBufferElements,
		MinTexelBufferOffsetAlignment:   uint64(lim.MinTexelBufferOffsetAlignment),
		MaxMemoryAllocationCount:        lim.MaxMemoryAllocationCount,
		PipelineCacheUUID:               props.PipelineCacheUUID,
	}
	var feats vulkan.PhysicalDeviceFeatures
	vulkan.GetPhysicalDeviceFeatures(pd, &feats)
	feats.Deref()
	feats.Free()
	info.LargePoints, info.WideLines = feats.LargePoints == vulkan.True, feats.WideLines == vulkan.True
	info.MaxPointSize = 1
	if info.LargePoints {
		info.MaxPointSize = lim.PointSizeRange[1]
	}
	if extra, ok := queryExtra(inst, pd, props.ApiVersion); ok {
		info.SubgroupSize = extra.subgroupSize
		info.Storage16Bit = extra.storage16
		info.Float16 = extra.float16
		if extra.haveDriverProps {
			info.Driver = extra.driverName
			info.DriverInfo = extra.driverInfo
		}
	}
	if info.Driver == "" {
		info.Driver = fmt.Sprintf("%s driver 0x%x", info.Vendor, info.DriverVersion)
	}

	var mem vulkan.PhysicalDeviceMemoryProperties
	vulkan.GetPhysicalDeviceMemoryProperties(pd, &mem)
	defer mem.Free()
	mem.Deref()
	for i := uint32(0); i < mem.MemoryHeapCount; i++ {
		h := mem.MemoryHeaps[i]
		h.Deref()
		info.Heaps = append(info.Heaps, Heap{
			Size:        uint64(h.Size),
			DeviceLocal: vulkan.MemoryHeapFlagBits(h.Flags)&vulkan.MemoryHeapDeviceLocalBit != 0,
		})
	}
	for i := uint32(0); i < mem.MemoryTypeCount; i++ {
		t := mem.MemoryTypes[i]
		t.Deref()
		f := vulkan.MemoryPropertyFlagBits(t.PropertyFlags)
		info.MemoryTypes = append(info.MemoryTypes, MemoryType{
			Heap:         int(t.HeapIndex),
			DeviceLocal:  f&vulkan.MemoryPropertyDeviceLocalBit != 0,
			HostVisible:  f&vulkan.MemoryPropertyHostVisibleBit != 0,
			HostCoherent: f&vulkan.MemoryPropertyHostCoherentBit != 0,
			HostCached:   f&vulkan.MemoryPropertyHostCachedBit != 0,
		})
	}
	return info
}
