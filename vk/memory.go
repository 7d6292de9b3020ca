package vk

import (
	"fmt"
	"sort"
	"unsafe"

	vulkan "github.com/vulkan-go/vulkan"
)

// MemoryKind says where a buffer lives and how the host reaches it.
type MemoryKind int

const (
	// DeviceLocal is the fastest memory for kernels; the host reaches it through staging copies
	// unless the device also maps it (integrated GPUs, lavapipe).
	DeviceLocal MemoryKind = iota
	// HostVisible is mapped, coherent memory for uploads the device reads.
	HostVisible
	// Readback is mapped, host-cached memory for results the host reads.
	Readback
	numKinds
)

var kindNames = [...]string{"device-local", "host-visible", "readback"}

func (k MemoryKind) String() string { return kindNames[k] }

// minBlockSize is the size of the memory blocks buffers are carved from; larger buffers get a
// block of their own. Few large allocations keep us far below maxMemoryAllocationCount.
const minBlockSize = 64 << 20

const bufferUsage = vulkan.BufferUsageStorageBufferBit | vulkan.BufferUsageUniformTexelBufferBit |
	vulkan.BufferUsageTransferSrcBit | vulkan.BufferUsageTransferDstBit

// block is one VkDeviceMemory with one VkBuffer spanning it; Buffers are ranges of it.
type block struct {
	id       int
	mem      vulkan.DeviceMemory
	buf      vulkan.Buffer
	size     int64
	typeIdx  int
	coherent bool
	mapped   []byte // nil unless host-visible
	free     []span // sorted by offset, coalesced
	used     int    // live sub-allocations
}

type span struct{ off, size int64 }

type allocator struct {
	d      *Device
	blocks [numKinds][]*block
	nextID int
	align  int64
}

func newAllocator(d *Device) *allocator {
	align := int64(d.info.MinStorageBufferOffsetAlignment)
	if a := int64(d.info.NonCoherentAtomSize); a > align {
		align = a
	}
	if align < 16 {
		align = 16
	}
	return &allocator{d: d, align: align}
}

func alignUp(x, a int64) int64 { return (x + a - 1) / a * a }

// memoryType picks the type for kind among those allowed by bits, best first.
func (a *allocator) memoryType(kind MemoryKind, bits uint32) (int, error) {
	score := func(t MemoryType) int {
		switch kind {
		case DeviceLocal:
			if !t.DeviceLocal {
				return 1
			}
			if t.HostVisible {
				return 2 // fine, but a pure device-local type (VRAM) wins
			}
			return 3
		case HostVisible:
			if !t.HostVisible {
				return -1
			}
			s := 1
			if t.HostCoherent {
				s += 2
			}
			if t.DeviceLocal { // resizable BAR: host writes straight to VRAM
				s++
			}
			return s
		default: // Readback
			if !t.HostVisible {
				return -1
			}
			s := 1
			if t.HostCached {
				s += 2
			}
			if t.HostCoherent {
				s++
			}
			return s
		}
	}
	best, bestScore := -1, 0
	for i, t := range a.d.info.MemoryTypes {
		if bits&(1<<uint(i)) == 0 {
			continue
		}
		if s := score(t); s > bestScore {
			best, bestScore = i, s
		}
	}
	if best < 0 {
		return -1, fmt.Errorf("no %s memory type on %s", kind, a.d.info.Name)
	}
	return best, nil
}

func (a *allocator) newBlock(kind MemoryKind, size int64) (*block, error) {
	d := a.d
	bci := vulkan.BufferCreateInfo{
		SType:       vulkan.StructureTypeBufferCreateInfo,
		Size:        vulkan.DeviceSize(size),
		Usage:       vulkan.BufferUsageFlags(bufferUsage),
		SharingMode: vulkan.SharingModeExclusive,
	}
	var buf vulkan.Buffer
	res := vulkan.CreateBuffer(d.dev, &bci, nil, &buf)
	bci.Free()
	if err := check("vkCreateBuffer", res); err != nil {
		return nil, err
	}
	d.live.add("buffer", 1)
	var req vulkan.MemoryRequirements
	vulkan.GetBufferMemoryRequirements(d.dev, buf, &req)
	req.Deref()
	req.Free()
	ti, err := a.memoryType(kind, req.MemoryTypeBits)
	if err == nil && uint64(req.Size) > d.info.Heaps[d.info.MemoryTypes[ti].Heap].Size {
		err = fmt.Errorf("%w: %d bytes exceed the %d-byte memory heap of %s", ErrOutOfDeviceMemory,
			req.Size, d.info.Heaps[d.info.MemoryTypes[ti].Heap].Size, d.info.Name)
	}
	if err != nil {
		vulkan.DestroyBuffer(d.dev, buf, nil)
		d.live.add("buffer", -1)
		return nil, err
	}
	mai := vulkan.MemoryAllocateInfo{
		SType:           vulkan.StructureTypeMemoryAllocateInfo,
		AllocationSize:  req.Size,
		MemoryTypeIndex: uint32(ti),
	}
	var mem vulkan.DeviceMemory
	res = vulkan.AllocateMemory(d.dev, &mai, nil, &mem)
	mai.Free()
	if err := check("vkAllocateMemory", res); err != nil {
		vulkan.DestroyBuffer(d.dev, buf, nil)
		d.live.add("buffer", -1)
		return nil, err
	}
	d.live.add("memory", 1)
	b := &block{id: a.nextID, mem: mem, buf: buf, size: size, typeIdx: ti,
		coherent: d.info.MemoryTypes[ti].HostCoherent, free: []span{{0, size}}}
	a.nextID++
	if err := check("vkBindBufferMemory", vulkan.BindBufferMemory(d.dev, buf, mem, 0)); err != nil {
		a.destroyBlock(b)
		return nil, err
	}
	if d.info.MemoryTypes[ti].HostVisible {
		var p unsafe.Pointer
		if err := check("vkMapMemory", vulkan.MapMemory(d.dev, mem, 0, vulkan.DeviceSize(vulkan.WholeSize), 0, &p)); err != nil {
			a.destroyBlock(b)
			return nil, err
		}
		b.mapped = unsafe.Slice((*byte)(p), size)
	}
	return b, nil
}

func (a *allocator) destroyBlock(b *block) {
	d := a.d
	if b.mapped != nil {
		vulkan.UnmapMemory(d.dev, b.mem)
		b.mapped = nil
	}
	vulkan.DestroyBuffer(d.dev, b.buf, nil)
	d.live.add("buffer", -1)
	vulkan.FreeMemory(d.dev, b.mem, nil)
	d.live.add("memory", -1)
}

// alloc returns an aligned range of size bytes in a block of kind.
func (a *allocator) alloc(kind MemoryKind, size int64) (*block, int64, error) {
	need := alignUp(size, a.align)
	for _, b := range a.blocks[kind] {
		if off, ok := b.take(need, a.align); ok {
			return b, off, nil
		}
	}
	bs := int64(minBlockSize)
	if need > bs {
		bs = need
	}
	b, err := a.newBlock(kind, bs)
	if err != nil && bs > need { // a smaller block may still fit on small heaps
		b, err = a.newBlock(kind, need)
	}
	if err != nil {
		return nil, 0, err
	}
	a.blocks[kind] = append(a.blocks[kind], b)
	off, _ := b.take(need, a.align)
	return b, off, nil
}

// release returns a range; a block with nothing left in it is freed unless it is the kind's last.
func (a *allocator) release(kind MemoryKind, b *block, off, size int64) {
	b.give(off, alignUp(size, a.align))
	if b.used > 0 {
		return
	}
	bl := a.blocks[kind]
	if len(bl) == 1 {
		return
	}
	for i, x := range bl {
		if x == b {
			a.blocks[kind] = append(bl[:i], bl[i+1:]...)
			a.destroyBlock(b)
			return
		}
	}
}

// destroy frees every block, including the ranges of Buffers still held (Device.Close).
func (a *allocator) destroy() {
	for k := range a.blocks {
		for _, b := range a.blocks[k] {
			a.d.live.add("suballocation", -b.used)
			a.destroyBlock(b)
		}
		a.blocks[k] = nil
	}
}

// take carves size bytes (first fit) and reports the offset.
func (b *block) take(size, align int64) (int64, bool) {
	for i, s := range b.free {
		off := alignUp(s.off, align)
		if off+size > s.off+s.size {
			continue
		}
		rest := []span{}
		if off > s.off {
			rest = append(rest, span{s.off, off - s.off})
		}
		if end := off + size; end < s.off+s.size {
			rest = append(rest, span{end, s.off + s.size - end})
		}
		b.free = append(b.free[:i], append(rest, b.free[i+1:]...)...)
		b.used++
		return off, true
	}
	return 0, false
}

// give returns a range to the free list and merges it with its neighbours.
func (b *block) give(off, size int64) {
	b.used--
	b.free = append(b.free, span{off, size})
	sort.Slice(b.free, func(i, j int) bool { return b.free[i].off < b.free[j].off })
	merged := b.free[:1]
	for _, s := range b.free[1:] {
		last := &merged[len(merged)-1]
		if last.off+last.size == s.off {
			last.size += s.size
		} else {
			merged = append(merged, s)
		}
	}
	b.free = merged
}

// Buffer is a range of device memory usable as a storage buffer and as a copy source or target.
type Buffer struct {
	d    *Device
	blk  *block
	off  int64
	size int64
	kind MemoryKind
}

// NewBuffer allocates size bytes of the given kind. Contents are undefined until written.
func (d *Device) NewBuffer(kind MemoryKind, size int64) (*Buffer, error) {
	b, err := d.newBuffer(kind, size)
	return b, prefixed(err)
}

func (d *Device) newBuffer(kind MemoryKind, size int64) (*Buffer, error) {
	if size <= 0 {
		return nil, fmt.Errorf("NewBuffer: size %d, want > 0", size)
	}
	if kind < 0 || kind >= numKinds {
		return nil, fmt.Errorf("NewBuffer: unknown memory kind %d", int(kind))
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil, ErrClosed
	}
	blk, off, err := d.mem.alloc(kind, size)
	if err != nil {
		return nil, fmt.Errorf("NewBuffer(%s, %d bytes): %w", kind, size, err)
	}
	d.live.add("suballocation", 1)
	return &Buffer{d: d, blk: blk, off: off, size: size, kind: kind}, nil
}

// Size is the buffer's size in bytes.
func (b *Buffer) Size() int64 { return b.size }

// Kind is the memory kind the buffer was allocated with.
func (b *Buffer) Kind() MemoryKind { return b.kind }

// Mapped reports whether the host reaches the buffer's memory directly.
func (b *Buffer) Mapped() bool { return b.blk != nil && b.blk.mapped != nil }

// Release returns the buffer's memory. The buffer must not be in use by a pending submission.
// Releasing twice is a no-op.
func (b *Buffer) Release() {
	if b == nil || b.blk == nil {
		return
	}
	d := b.d
	d.mu.Lock()
	if !d.closed {
		d.mem.release(b.kind, b.blk, b.off, b.size)
		d.live.add("suballocation", -1)
	}
	d.mu.Unlock()
	*b = Buffer{}
}

// View is a byte range of a Buffer; kernels bind views.
type View struct {
	buf       *Buffer
	off, size int64
}

// View returns bytes [off, off+size) of b. Kernel bindings need off to be a multiple of the
// device's minStorageBufferOffsetAlignment; the range is checked when it is used.
func (b *Buffer) View(off, size int64) View { return View{buf: b, off: off, size: size} }

// Bindable is anything a kernel can bind or a copy can use: a *Buffer (all of it) or a View.
type Bindable interface {
	Size() int64 // bytes
	bufferView() View
}

func (b *Buffer) bufferView() View { return View{buf: b, off: 0, size: b.size} }
func (v View) bufferView() View    { return v }

// Size is the view's size in bytes.
func (v View) Size() int64 { return v.size }

// TexelFormat is the format a `uniform samplerBuffer` binding reads its buffer in.
type TexelFormat int

const (
	// R32F reads one float per texel (texelFetch(...).x); the default.
	R32F TexelFormat = iota
	// RGBA32F reads four floats per texel.
	RGBA32F
	// R16F reads one IEEE half per texel, converted to float by the fetch: 16-bit weights cost
	// half the memory and need no 16-bit storage feature (both formats are mandatory for
	// uniform texel buffers).
	R16F
	// RGBA16F reads four halves per texel.
	RGBA16F
)

// Bytes is the size of one texel.
func (f TexelFormat) Bytes() int64 { return [...]int64{4, 16, 2, 8}[f] }

func (f TexelFormat) vulkan() vulkan.Format {
	return [...]vulkan.Format{vulkan.FormatR32Sfloat, vulkan.FormatR32g32b32a32Sfloat,
		vulkan.FormatR16Sfloat, vulkan.FormatR16g16b16a16Sfloat}[f]
}

// Texels binds b to a texel-buffer binding read in format f. A plain Bindable given to a texel
// binding reads as R32F.
func Texels(b Bindable, f TexelFormat) Bindable { return texels{b.bufferView(), f} }

type texels struct {
	View
	format TexelFormat
}

func (t texels) bufferView() View { return t.View }

// validate checks v against its buffer; what names the operation for the error.
func (v View) validate(what string) error {
	switch {
	case v.buf == nil || v.buf.blk == nil:
		return fmt.Errorf("%s: %w", what, ErrClosed)
	case v.off < 0 || v.size <= 0 || v.off+v.size > v.buf.size:
		return fmt.Errorf("%s: range [%d,%d) outside a %d-byte buffer", what, v.off, v.off+v.size, v.buf.size)
	}
	return nil
}

// abs returns the view's block and absolute byte range in it.
func (v View) abs() (*block, int64, int64) { return v.buf.blk, v.buf.off + v.off, v.size }

// Elem is an element type that crosses the host/device boundary.
type Elem interface {
	~float32 | ~uint32 | ~int32 | ~uint16 | ~byte
}

func asBytes[T Elem](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	var z T
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(z)))
}

// Upload copies data into the start of dst; data must fit.
func Upload[T Elem](dst Bindable, data []T) error {
	return prefixed(dst.bufferView().write(asBytes(data)))
}

// Download copies the start of src into out; out must not be longer than src.
func Download[T Elem](src Bindable, out []T) error {
	return prefixed(src.bufferView().read(asBytes(out)))
}

func (v View) write(p []byte) error {
	if len(p) == 0 {
		return nil
	}
	if err := v.validate("Upload"); err != nil {
		return err
	}
	if int64(len(p)) > v.size {
		return fmt.Errorf("Upload: %d bytes into a %d-byte range", len(p), v.size)
	}
	blk, off, _ := v.abs()
	d := v.buf.d
	if blk.mapped != nil {
		copy(blk.mapped[off:], p)
		if !blk.coherent {
			return d.flush(blk, off, int64(len(p)), true)
		}
		return nil
	}
	return d.upload(v, p)
}

func (v View) read(p []byte) error {
	if len(p) == 0 {
		return nil
	}
	if err := v.validate("Download"); err != nil {
		return err
	}
	if int64(len(p)) > v.size {
		return fmt.Errorf("Download: %d bytes from a %d-byte range", len(p), v.size)
	}
	blk, off, _ := v.abs()
	d := v.buf.d
	if blk.mapped != nil {
		if !blk.coherent {
			if err := d.flush(blk, off, int64(len(p)), false); err != nil {
				return err
			}
		}
		copy(p, blk.mapped[off:])
		return nil
	}
	return d.download(v, p)
}

// flush makes host writes visible to the device (write) or device writes visible to the host
// (!write) for non-coherent memory, rounding the range to nonCoherentAtomSize.
func (d *Device) flush(b *block, off, size int64, write bool) error {
	atom := int64(d.info.NonCoherentAtomSize)
	if atom < 1 {
		atom = 1
	}
	start := off / atom * atom
	end := alignUp(off+size, atom)
	if end > b.size {
		end = b.size
	}
	if write {
		return check("vkFlushMappedMemoryRanges", mappedRange(d.dev, b.mem, start, end-start, true))
	}
	return check("vkInvalidateMappedMemoryRanges", mappedRange(d.dev, b.mem, start, end-start, false))
}
