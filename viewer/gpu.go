package viewer

import (
	"errors"
	"fmt"
	"unsafe"

	vulkan "github.com/vulkan-go/vulkan"

	"github.com/dsr4d/dsr4d/vk"
)

// check is vk.Check with this package's prefix.
func check(call string, r vulkan.Result) error {
	if err := vk.Check(call, r); err != nil {
		return fmt.Errorf("viewer: %w", err)
	}
	return nil
}

// gpu is a vk.Device opened for graphics with the viewer's command pool. The Device owns the
// instance, the device, the queue, the surface (for a window), the validation messenger and the
// live-object count; the viewer creates its graphics objects from d.Handles() and counts them
// with d.Track.
type gpu struct {
	d    *vk.Device
	h    vk.Handles
	dev  vulkan.Device
	pool vulkan.CommandPool
}

func (g *gpu) add(kind string, n int) { g.d.Track(kind, n) }

// newGPU opens a graphics device (presenting to the surface that surface makes, when given,
// after the instance exists with exts enabled).
func newGPU(validate bool, exts []string, surface func(vulkan.Instance) (vulkan.Surface, error)) (*gpu, error) {
	d, err := vk.Open(vk.Options{Validate: validate, AppName: "dsr4d view", Graphics: true,
		InstanceExtensions: exts, Surface: surface})
	if err != nil {
		return nil, fmt.Errorf("viewer: %w", err)
	}
	g := &gpu{d: d, h: d.Handles()}
	g.dev = g.h.Device
	pci := vulkan.CommandPoolCreateInfo{
		SType:            vulkan.StructureTypeCommandPoolCreateInfo,
		Flags:            vulkan.CommandPoolCreateFlags(vulkan.CommandPoolCreateResetCommandBufferBit),
		QueueFamilyIndex: g.h.QueueFamily,
	}
	var pool vulkan.CommandPool
	r := vulkan.CreateCommandPool(g.dev, &pci, nil, &pool)
	pci.Free()
	if err := check("vkCreateCommandPool", r); err != nil {
		d.Close()
		return nil, err
	}
	g.pool = pool
	g.add("command_pool", 1)
	return g, nil
}

// name is the device's name.
func (g *gpu) name() string { return g.d.Info().Name }

// messages returns the validation messages so far (zero when validation is off).
func (g *gpu) messages() vk.Messages { return g.d.Messages() }

// live counts the live Vulkan objects of the device, the viewer's included.
func (g *gpu) live() map[string]int { return g.d.Live() }

// destroy releases the pool and closes the device (which destroys the surface); everything else
// the viewer made must be released first.
func (g *gpu) destroy() {
	if g.dev == nil {
		return
	}
	vulkan.DeviceWaitIdle(g.dev)
	if g.pool != vulkan.NullCommandPool {
		vulkan.DestroyCommandPool(g.dev, g.pool, nil)
		g.add("command_pool", -1)
		g.pool = vulkan.NullCommandPool
	}
	g.d.Close()
	g.dev = nil // g.d stays, for Live and Messages after Close
}

// memoryType returns the first memory type allowed by bits with every property of want, or -1.
func (g *gpu) memoryType(bits uint32, want vulkan.MemoryPropertyFlagBits) int {
	for i, t := range g.d.Info().MemoryTypes {
		has := func(f vulkan.MemoryPropertyFlagBits, ok bool) bool { return want&f == 0 || ok }
		if bits&(1<<i) != 0 && has(vulkan.MemoryPropertyDeviceLocalBit, t.DeviceLocal) &&
			has(vulkan.MemoryPropertyHostVisibleBit, t.HostVisible) && has(vulkan.MemoryPropertyHostCoherentBit, t.HostCoherent) {
			return i
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
	res := vulkan.CreateBuffer(g.dev, &bci, nil, &vb)
	bci.Free() // vulkan-go's C copy; no arrays of structs, so no finalizer
	if err := check("vkCreateBuffer", res); err != nil {
		return nil, err
	}
	b.buf = vb
	g.add("buffer", 1)
	var req vulkan.MemoryRequirements
	vulkan.GetBufferMemoryRequirements(g.dev, b.buf, &req)
	req.Deref()
	req.Free()
	hv := vulkan.MemoryPropertyHostVisibleBit | vulkan.MemoryPropertyHostCoherentBit
	ti := g.memoryType(req.MemoryTypeBits, hv|vulkan.MemoryPropertyDeviceLocalBit)
	if ti < 0 {
		ti = g.memoryType(req.MemoryTypeBits, hv)
	}
	if ti < 0 {
		g.freeBuffer(b)
		return nil, fmt.Errorf("viewer: no host-visible coherent memory type on %s", g.name())
	}
	mai := vulkan.MemoryAllocateInfo{SType: vulkan.StructureTypeMemoryAllocateInfo, AllocationSize: req.Size, MemoryTypeIndex: uint32(ti)}
	var mem vulkan.DeviceMemory
	res = vulkan.AllocateMemory(g.dev, &mai, nil, &mem)
	mai.Free() // vulkan-go's C copy; no arrays of structs, so no finalizer
	if err := check("vkAllocateMemory", res); err != nil {
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
	res := vulkan.CreateImage(g.dev, &ici, nil, &vimg)
	ici.Free() // vulkan-go's C copy; no arrays of structs, so no finalizer
	if err := check("vkCreateImage", res); err != nil {
		return nil, err
	}
	im.img = vimg
	g.add("image", 1)
	var req vulkan.MemoryRequirements
	vulkan.GetImageMemoryRequirements(g.dev, im.img, &req)
	req.Deref()
	req.Free()
	ti := g.memoryType(req.MemoryTypeBits, vulkan.MemoryPropertyDeviceLocalBit)
	if ti < 0 {
		ti = g.memoryType(req.MemoryTypeBits, 0)
	}
	mai := vulkan.MemoryAllocateInfo{SType: vulkan.StructureTypeMemoryAllocateInfo, AllocationSize: req.Size, MemoryTypeIndex: uint32(ti)}
	var imem vulkan.DeviceMemory
	res = vulkan.AllocateMemory(g.dev, &mai, nil, &imem)
	mai.Free() // vulkan-go's C copy; no arrays of structs, so no finalizer
	if err := check("vkAllocateMemory", res); err != nil {
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
	res := vulkan.CreateImageView(g.dev, &vci, nil, &v)
	vci.Free() // vulkan-go's C copy; no arrays of structs, so no finalizer
	if err := check("vkCreateImageView", res); err != nil {
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

// commandBuffer allocates one primary command buffer from the pool.
func (g *gpu) commandBuffer() (vulkan.CommandBuffer, error) {
	ai := vulkan.CommandBufferAllocateInfo{
		SType:              vulkan.StructureTypeCommandBufferAllocateInfo,
		CommandPool:        g.pool,
		Level:              vulkan.CommandBufferLevelPrimary,
		CommandBufferCount: 1,
	}
	cbs := make([]vulkan.CommandBuffer, 1)
	res := vulkan.AllocateCommandBuffers(g.dev, &ai, cbs)
	ai.Free() // vulkan-go's C copy; no arrays of structs, so no finalizer
	if err := check("vkAllocateCommandBuffers", res); err != nil {
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
	res := vulkan.CreateFence(g.dev, &fci, nil, &f)
	fci.Free() // vulkan-go's C copy; no arrays of structs, so no finalizer
	if err := check("vkCreateFence", res); err != nil {
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
