package viewer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
	"unsafe"

	vulkan "github.com/vulkan-go/vulkan"

	"github.com/dsr4d/dsr4d/internal/cgokeep"
	"github.com/dsr4d/dsr4d/shaders"
	"github.com/dsr4d/dsr4d/vk"
)

func check(call string, r vulkan.Result) error {
	switch r {
	case vulkan.Success:
		return nil
	case vulkan.ErrorOutOfDeviceMemory, vulkan.ErrorOutOfHostMemory:
		return fmt.Errorf("viewer: %s: %w", call, vk.ErrOutOfDeviceMemory)
	case vulkan.ErrorDeviceLost:
		return fmt.Errorf("viewer: %s: %w", call, vk.ErrDeviceLost)
	}
	return fmt.Errorf("viewer: %w", &vk.ResultError{Call: call, Result: int32(r)})
}

// gpu is an instance, a device with one graphics queue and the live-object count.
type gpu struct {
	inst     vulkan.Instance
	debug    *messenger
	pd       vulkan.PhysicalDevice
	dev      vulkan.Device
	queue    vulkan.Queue
	family   uint32
	name     string
	memProps vulkan.PhysicalDeviceMemoryProperties
	large    bool // largePoints enabled
	wide     bool // wideLines enabled
	maxPoint float32
	pool     vulkan.CommandPool
	live     map[string]int
}

func (g *gpu) add(kind string, d int) {
	if g.live == nil {
		g.live = map[string]int{}
	}
	g.live[kind] += d
}

// newGPU creates the instance (with exts) and a device whose queue has graphics (and, when
// surface returns one, presents to it). surface is called after the instance exists.
func newGPU(validate bool, exts []string, surface func(vulkan.Instance) (vulkan.Surface, error)) (*gpu, vulkan.Surface, error) {
	if err := vk.InitLoader(); err != nil {
		return nil, vulkan.NullSurface, err
	}
	var layers []string
	if validate {
		if !vk.ValidationLayerInstalled() {
			return nil, vulkan.NullSurface, fmt.Errorf("viewer: validation requested but %s is not installed: apt-get install -y vulkan-validationlayers", vk.ValidationLayer)
		}
		layers = append(layers, vk.ValidationLayer+"\x00")
		exts = append(exts, "VK_EXT_debug_report")
	}
	cexts := make([]string, len(exts))
	for i, e := range exts {
		cexts[i] = strings.TrimSuffix(e, "\x00") + "\x00"
	}
	app := vulkan.ApplicationInfo{
		SType:            vulkan.StructureTypeApplicationInfo,
		PApplicationName: "dsr4d view\x00",
		PEngineName:      "dsr4d\x00",
		ApiVersion:       vulkan.MakeVersion(1, 1, 0),
	}
	ci := vulkan.InstanceCreateInfo{
		SType:                   vulkan.StructureTypeInstanceCreateInfo,
		PApplicationInfo:        &app,
		EnabledLayerCount:       uint32(len(layers)),
		PpEnabledLayerNames:     layers,
		EnabledExtensionCount:   uint32(len(cexts)),
		PpEnabledExtensionNames: cexts,
	}
	g := &gpu{}
	var inst vulkan.Instance
	r := vulkan.CreateInstance(&ci, nil, &inst)
	g.inst = inst
	ci.Free()
	app.Free()
	if r == vulkan.ErrorIncompatibleDriver {
		return nil, vulkan.NullSurface, fmt.Errorf("%w: no Vulkan 1.1 driver (apt-get install -y mesa-vulkan-drivers)", vk.ErrNoDevice)
	}
	if err := check("vkCreateInstance", r); err != nil {
		return nil, vulkan.NullSurface, err
	}
	if err := vulkan.InitInstance(g.inst); err != nil {
		vulkan.DestroyInstance(g.inst, nil)
		return nil, vulkan.NullSurface, fmt.Errorf("viewer: loading instance functions: %v", err)
	}
	if validate {
		m, err := newMessenger(g.inst)
		if err != nil {
			vulkan.DestroyInstance(g.inst, nil)
			return nil, vulkan.NullSurface, err
		}
		g.debug = m
	}
	surf := vulkan.NullSurface
	if surface != nil {
		s, err := surface(g.inst)
		if err != nil {
			g.destroy()
			return nil, vulkan.NullSurface, err
		}
		surf = s
	}
	if err := g.pickDevice(surf); err != nil {
		if surf != vulkan.NullSurface {
			vulkan.DestroySurface(g.inst, surf, nil)
		}
		g.destroy()
		return nil, vulkan.NullSurface, err
	}
	return g, surf, nil
}

// pickDevice chooses DSR4D_DEVICE (index or name substring) or else the best device type that
// has a graphics queue (presenting to surf when given).
func (g *gpu) pickDevice(surf vulkan.Surface) error {
	var n uint32
	if err := check("vkEnumeratePhysicalDevices", vulkan.EnumeratePhysicalDevices(g.inst, &n, nil)); err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%w: the Vulkan loader found no device (apt-get install -y mesa-vulkan-drivers)", vk.ErrNoDevice)
	}
	pds := make([]vulkan.PhysicalDevice, n)
	if err := check("vkEnumeratePhysicalDevices", vulkan.EnumeratePhysicalDevices(g.inst, &n, pds)); err != nil {
		return err
	}
	// The same choice as package vk, among the devices with a graphics queue (that presents).
	var cands []vk.Info
	var families []int
	for i, pd := range pds[:n] {
		if fam := graphicsFamily(pd, surf); fam >= 0 {
			cands = append(cands, vk.Describe(g.inst, pd, i))
			families = append(families, fam)
		}
	}
	if len(cands) == 0 {
		return fmt.Errorf("%w: no device has a graphics queue%s", vk.ErrNoDevice,
			map[bool]string{true: " that presents to the window", false: ""}[surf != vulkan.NullSurface])
	}
	c, err := vk.Choose(cands, os.Getenv("DSR4D_DEVICE"))
	if err != nil {
		return fmt.Errorf("viewer: %w", err)
	}
	g.pd, g.family, g.name = pds[cands[c].Index], uint32(families[c]), cands[c].Name
	var mp vulkan.PhysicalDeviceMemoryProperties
	vulkan.GetPhysicalDeviceMemoryProperties(g.pd, &mp)
	mp.Deref()
	g.memProps = mp
	for i := range g.memProps.MemoryTypes[:g.memProps.MemoryTypeCount] {
		g.memProps.MemoryTypes[i].Deref()
	}
	var feats vulkan.PhysicalDeviceFeatures
	vulkan.GetPhysicalDeviceFeatures(g.pd, &feats)
	feats.Deref()
	var props vulkan.PhysicalDeviceProperties
	vulkan.GetPhysicalDeviceProperties(g.pd, &props)
	props.Deref()
	props.Limits.Deref()
	g.large, g.wide = feats.LargePoints == vulkan.True, feats.WideLines == vulkan.True
	g.maxPoint = 1
	if g.large {
		g.maxPoint = props.Limits.PointSizeRange[1]
	}
	enable := vulkan.PhysicalDeviceFeatures{LargePoints: feats.LargePoints, WideLines: feats.WideLines}
	var exts []string
	if surf != vulkan.NullSurface {
		exts = append(exts, "VK_KHR_swapchain\x00")
	}
	qci := vulkan.DeviceQueueCreateInfo{
		SType:            vulkan.StructureTypeDeviceQueueCreateInfo,
		QueueFamilyIndex: g.family,
		QueueCount:       1,
		PQueuePriorities: []float32{1},
	}
	dci := vulkan.DeviceCreateInfo{
		SType:                   vulkan.StructureTypeDeviceCreateInfo,
		QueueCreateInfoCount:    1,
		PQueueCreateInfos:       []vulkan.DeviceQueueCreateInfo{qci},
		EnabledExtensionCount:   uint32(len(exts)),
		PpEnabledExtensionNames: exts,
		PEnabledFeatures:        []vulkan.PhysicalDeviceFeatures{enable},
	}
	var dev vulkan.Device
	r := vulkan.CreateDevice(g.pd, &dci, nil, &dev)
	g.dev = dev
	dci.Free()
	if err := check("vkCreateDevice", r); err != nil {
		return err
	}
	var q vulkan.Queue
	vulkan.GetDeviceQueue(g.dev, g.family, 0, &q)
	g.queue = q
	pci := vulkan.CommandPoolCreateInfo{
		SType:            vulkan.StructureTypeCommandPoolCreateInfo,
		Flags:            vulkan.CommandPoolCreateFlags(vulkan.CommandPoolCreateResetCommandBufferBit),
		QueueFamilyIndex: g.family,
	}
	var pool vulkan.CommandPool
	if err := check("vkCreateCommandPool", vulkan.CreateCommandPool(g.dev, &pci, nil, &pool)); err != nil {
		vulkan.DestroyDevice(g.dev, nil)
		g.dev = nil
		return err
	}
	g.pool = pool
	g.add("command_pool", 1)
	return nil
}

func graphicsFamily(pd vulkan.PhysicalDevice, surf vulkan.Surface) int {
	var n uint32
	vulkan.GetPhysicalDeviceQueueFamilyProperties(pd, &n, nil)
	fams := make([]vulkan.QueueFamilyProperties, n)
	vulkan.GetPhysicalDeviceQueueFamilyProperties(pd, &n, fams)
	for i, f := range fams[:n] {
		f.Deref()
		if vulkan.QueueFlagBits(f.QueueFlags)&vulkan.QueueGraphicsBit == 0 {
			continue
		}
		if surf != vulkan.NullSurface {
			var ok vulkan.Bool32
			if vulkan.GetPhysicalDeviceSurfaceSupport(pd, uint32(i), surf, &ok) != vulkan.Success || ok != vulkan.True {
				continue
			}
		}
		return i
	}
	return -1
}

// messages returns the validation messages so far (zero when validation is off).
func (g *gpu) messages() vk.Messages { return g.debug.messages() }

func (g *gpu) destroy() {
	if g.dev != nil {
		vulkan.DeviceWaitIdle(g.dev)
		if g.pool != vulkan.NullCommandPool {
			vulkan.DestroyCommandPool(g.dev, g.pool, nil)
			g.add("command_pool", -1)
			g.pool = vulkan.NullCommandPool
		}
		vulkan.DestroyDevice(g.dev, nil)
		g.dev = nil
	}
	if g.inst != nil {
		g.debug.destroy(g.inst)
		g.debug = nil
		vulkan.DestroyInstance(g.inst, nil)
		g.inst = nil
	}
}

// memoryType returns the best memory type allowed by bits with all of want, or -1.
func (g *gpu) memoryType(bits uint32, want vulkan.MemoryPropertyFlagBits) int {
	for i := range g.memProps.MemoryTypeCount {
		if bits&(1<<i) == 0 {
			continue
		}
		if vulkan.MemoryPropertyFlagBits(g.memProps.MemoryTypes[i].PropertyFlags)&want == want {
			return int(i)
		}
	}
	return -1
}

// buffer is a VkBuffer with its own memory, always host-visible and mapped: device-local
// where the device has such a type (lavapipe, integrated GPUs, resizable BAR), else plain
// host memory the GPU reads over the bus. Viewer geometry is written once, so no staging copy.
type buffer struct {
	buf    vulkan.Buffer
	mem    vulkan.DeviceMemory
	size   int
	mapped []byte
}

func (g *gpu) newBuffer(size int, usage vulkan.BufferUsageFlagBits) (*buffer, error) {
	if size <= 0 {
		size = 16
	}
	bci := vulkan.BufferCreateInfo{
		SType:       vulkan.StructureTypeBufferCreateInfo,
		Size:        vulkan.DeviceSize(size),
		Usage:       vulkan.BufferUsageFlags(usage),
		SharingMode: vulkan.SharingModeExclusive,
	}
	b := &buffer{size: size}
	var vb vulkan.Buffer
	if err := check("vkCreateBuffer", vulkan.CreateBuffer(g.dev, &bci, nil, &vb)); err != nil {
		return nil, err
	}
	b.buf = vb
	g.add("buffer", 1)
	var req vulkan.MemoryRequirements
	vulkan.GetBufferMemoryRequirements(g.dev, b.buf, &req)
	req.Deref()
	hv := vulkan.MemoryPropertyHostVisibleBit | vulkan.MemoryPropertyHostCoherentBit
	ti := g.memoryType(req.MemoryTypeBits, hv|vulkan.MemoryPropertyDeviceLocalBit)
	if ti < 0 {
		ti = g.memoryType(req.MemoryTypeBits, hv)
	}
	if ti < 0 {
		g.freeBuffer(b)
		return nil, fmt.Errorf("viewer: no host-visible coherent memory type on %s", g.name)
	}
	mai := vulkan.MemoryAllocateInfo{SType: vulkan.StructureTypeMemoryAllocateInfo, AllocationSize: req.Size, MemoryTypeIndex: uint32(ti)}
	var mem vulkan.DeviceMemory
	if err := check("vkAllocateMemory", vulkan.AllocateMemory(g.dev, &mai, nil, &mem)); err != nil {
		g.freeBuffer(b)
		return nil, err
	}
	b.mem = mem
	g.add("memory", 1)
	if err := check("vkBindBufferMemory", vulkan.BindBufferMemory(g.dev, b.buf, b.mem, 0)); err != nil {
		g.freeBuffer(b)
		return nil, err
	}
	var p unsafe.Pointer
	if err := check("vkMapMemory", vulkan.MapMemory(g.dev, b.mem, 0, vulkan.DeviceSize(vulkan.WholeSize), 0, &p)); err != nil {
		g.freeBuffer(b)
		return nil, err
	}
	b.mapped = unsafe.Slice((*byte)(p), size)
	return b, nil
}

func (g *gpu) freeBuffer(b *buffer) {
	if b == nil {
		return
	}
	if b.mapped != nil {
		vulkan.UnmapMemory(g.dev, b.mem)
		b.mapped = nil
	}
	if b.buf != vulkan.NullBuffer {
		vulkan.DestroyBuffer(g.dev, b.buf, nil)
		g.add("buffer", -1)
	}
	if b.mem != vulkan.NullDeviceMemory {
		vulkan.FreeMemory(g.dev, b.mem, nil)
		g.add("memory", -1)
	}
	*b = buffer{}
}

// image is a 2D image with its memory and view.
type image struct {
	img  vulkan.Image
	mem  vulkan.DeviceMemory
	view vulkan.ImageView
}

func (g *gpu) newImage(w, h int, format vulkan.Format, usage vulkan.ImageUsageFlagBits, aspect vulkan.ImageAspectFlagBits) (*image, error) {
	ici := vulkan.ImageCreateInfo{
		SType:         vulkan.StructureTypeImageCreateInfo,
		ImageType:     vulkan.ImageType2d,
		Format:        format,
		Extent:        vulkan.Extent3D{Width: uint32(w), Height: uint32(h), Depth: 1},
		MipLevels:     1,
		ArrayLayers:   1,
		Samples:       vulkan.SampleCount1Bit,
		Tiling:        vulkan.ImageTilingOptimal,
		Usage:         vulkan.ImageUsageFlags(usage),
		SharingMode:   vulkan.SharingModeExclusive,
		InitialLayout: vulkan.ImageLayoutUndefined,
	}
	im := &image{}
	var vimg vulkan.Image
	if err := check("vkCreateImage", vulkan.CreateImage(g.dev, &ici, nil, &vimg)); err != nil {
		return nil, err
	}
	im.img = vimg
	g.add("image", 1)
	var req vulkan.MemoryRequirements
	vulkan.GetImageMemoryRequirements(g.dev, im.img, &req)
	req.Deref()
	ti := g.memoryType(req.MemoryTypeBits, vulkan.MemoryPropertyDeviceLocalBit)
	if ti < 0 {
		ti = g.memoryType(req.MemoryTypeBits, 0)
	}
	mai := vulkan.MemoryAllocateInfo{SType: vulkan.StructureTypeMemoryAllocateInfo, AllocationSize: req.Size, MemoryTypeIndex: uint32(ti)}
	var imem vulkan.DeviceMemory
	if err := check("vkAllocateMemory", vulkan.AllocateMemory(g.dev, &mai, nil, &imem)); err != nil {
		g.freeImage(im)
		return nil, err
	}
	im.mem = imem
	g.add("memory", 1)
	if err := check("vkBindImageMemory", vulkan.BindImageMemory(g.dev, im.img, im.mem, 0)); err != nil {
		g.freeImage(im)
		return nil, err
	}
	v, err := g.newView(im.img, format, aspect)
	if err != nil {
		g.freeImage(im)
		return nil, err
	}
	im.view = v
	return im, nil
}

func (g *gpu) newView(img vulkan.Image, format vulkan.Format, aspect vulkan.ImageAspectFlagBits) (vulkan.ImageView, error) {
	vci := vulkan.ImageViewCreateInfo{
		SType:            vulkan.StructureTypeImageViewCreateInfo,
		Image:            img,
		ViewType:         vulkan.ImageViewType2d,
		Format:           format,
		SubresourceRange: vulkan.ImageSubresourceRange{AspectMask: vulkan.ImageAspectFlags(aspect), LevelCount: 1, LayerCount: 1},
	}
	var v vulkan.ImageView
	if err := check("vkCreateImageView", vulkan.CreateImageView(g.dev, &vci, nil, &v)); err != nil {
		return vulkan.NullImageView, err
	}
	g.add("image_view", 1)
	return v, nil
}

func (g *gpu) freeView(v vulkan.ImageView) {
	if v != vulkan.NullImageView {
		vulkan.DestroyImageView(g.dev, v, nil)
		g.add("image_view", -1)
	}
}

func (g *gpu) freeImage(im *image) {
	if im == nil {
		return
	}
	g.freeView(im.view)
	if im.img != vulkan.NullImage {
		vulkan.DestroyImage(g.dev, im.img, nil)
		g.add("image", -1)
	}
	if im.mem != vulkan.NullDeviceMemory {
		vulkan.FreeMemory(g.dev, im.mem, nil)
		g.add("memory", -1)
	}
	*im = image{}
}

func (g *gpu) shaderModule(name string) (vulkan.ShaderModule, error) {
	mod, err := shaders.Lookup(name)
	if err != nil {
		return vulkan.NullShaderModule, err
	}
	code := make([]uint32, len(mod.SPIRV)/4)
	for i := range code {
		code[i] = binary.LittleEndian.Uint32(mod.SPIRV[4*i:])
	}
	ci := vulkan.ShaderModuleCreateInfo{SType: vulkan.StructureTypeShaderModuleCreateInfo, CodeSize: uint(len(mod.SPIRV)), PCode: code}
	var m vulkan.ShaderModule
	r := vulkan.CreateShaderModule(g.dev, &ci, nil, &m)
	ci.Free()
	if err := check("vkCreateShaderModule", r); err != nil {
		return vulkan.NullShaderModule, err
	}
	return m, nil
}

// commandBuffer allocates one primary command buffer from the pool.
func (g *gpu) commandBuffer() (vulkan.CommandBuffer, error) {
	ai := vulkan.CommandBufferAllocateInfo{
		SType:              vulkan.StructureTypeCommandBufferAllocateInfo,
		CommandPool:        g.pool,
		Level:              vulkan.CommandBufferLevelPrimary,
		CommandBufferCount: 1,
	}
	cbs := make([]vulkan.CommandBuffer, 1)
	if err := check("vkAllocateCommandBuffers", vulkan.AllocateCommandBuffers(g.dev, &ai, cbs)); err != nil {
		return nil, err
	}
	g.add("command_buffer", 1)
	return cbs[0], nil
}

func (g *gpu) freeCommandBuffer(cb vulkan.CommandBuffer) {
	if cb != nil {
		vulkan.FreeCommandBuffers(g.dev, g.pool, 1, []vulkan.CommandBuffer{cb})
		g.add("command_buffer", -1)
	}
}

func (g *gpu) newFence(signaled bool) (vulkan.Fence, error) {
	fci := vulkan.FenceCreateInfo{SType: vulkan.StructureTypeFenceCreateInfo}
	if signaled {
		fci.Flags = vulkan.FenceCreateFlags(vulkan.FenceCreateSignaledBit)
	}
	var f vulkan.Fence
	if err := check("vkCreateFence", vulkan.CreateFence(g.dev, &fci, nil, &f)); err != nil {
		return vulkan.NullFence, err
	}
	g.add("fence", 1)
	return f, nil
}

func (g *gpu) freeFence(f vulkan.Fence) {
	if f != vulkan.NullFence {
		vulkan.DestroyFence(g.dev, f, nil)
		g.add("fence", -1)
	}
}

func (g *gpu) waitFence(f vulkan.Fence) error {
	return check("vkWaitForFences", vulkan.WaitForFences(g.dev, 1, []vulkan.Fence{f}, vulkan.True, ^uint64(0)))
}

// errNoWindow reports that no window could be opened (no display, no GLFW Vulkan support).
var errNoWindow = errors.New("viewer: cannot open a window")

// noGC holds the garbage collector off until the returned function runs (internal/cgokeep,
// shared with package vk so that nested and concurrent holds compose). vulkan-go frees the C
// copies of the structs it marshals from finalizers, so a collection between the marshalling
// and the end of the Vulkan call frees memory the driver is still reading. Every call that
// passes structs runs under it.
func noGC() func() { return cgokeep.Hold() }
