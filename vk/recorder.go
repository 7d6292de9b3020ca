package vk

import (
	"errors"
	"fmt"
	"math"
	"unsafe"

	vulkan "github.com/vulkan-go/vulkan"

	"github.com/dsr4d/dsr4d/shaders"
)

// Recorder batches dispatches and copies into one command buffer and submits them together.
// It inserts a barrier only where an operation touches a byte range that an earlier operation in
// the same batch wrote since the last barrier (or writes a range one of them read). The first
// error sticks: later calls are no-ops and Submit returns it. A Recorder is reusable after Submit
// and is not safe for concurrent use.
type Recorder struct {
	d      *Device
	pool   vulkan.CommandPool
	cmd    vulkan.CommandBuffer
	fence  vulkan.Fence
	dpools []vulkan.DescriptorPool
	dcur   int                 // index of the descriptor pool being allocated from
	views  []vulkan.BufferView // texel views of the pending batch, destroyed after its fence

	recording bool
	err       error
	written   []byteRange // since the last barrier
	read      []byteRange // since the last barrier
	writes    setWrites   // the descriptor writes of the dispatch being recorded
	dirty     bool        // something wrote memory: the host needs a barrier before reading
	inflight  bool        // launched, not yet waited for
	stats     Stats
}

// Stats counts what a Recorder has recorded since it was created.
type Stats struct {
	Dispatches, Copies, Barriers, Submits int
}

type byteRange struct {
	blk    int
	lo, hi int64
}

func (a byteRange) overlaps(b byteRange) bool { return a.blk == b.blk && a.lo < b.hi && b.lo < a.hi }

// Descriptor pools grow by this many sets; each set has up to maxBindings storage buffers.
const (
	setsPerPool = 256
	maxBindings = 8
)

// NewRecorder creates a Recorder with its own command pool, fence and descriptor pools.
func (d *Device) NewRecorder() (*Recorder, error) {
	r, err := d.newRecorder()
	return r, prefixed(err)
}

func (d *Device) newRecorder() (*Recorder, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil, ErrClosed
	}
	r := &Recorder{d: d}
	pci := vulkan.CommandPoolCreateInfo{
		SType:            vulkan.StructureTypeCommandPoolCreateInfo,
		Flags:            vulkan.CommandPoolCreateFlags(vulkan.CommandPoolCreateTransientBit),
		QueueFamilyIndex: d.queueFamily,
	}
	var pool vulkan.CommandPool
	res := vulkan.CreateCommandPool(d.dev, &pci, nil, &pool)
	pci.Free()
	if err := check("vkCreateCommandPool", res); err != nil {
		return nil, err
	}
	d.live.add("command_pool", 1)
	r.pool = pool
	cbs := make([]vulkan.CommandBuffer, 1)
	ai := vulkan.CommandBufferAllocateInfo{
		SType:              vulkan.StructureTypeCommandBufferAllocateInfo,
		CommandPool:        pool,
		Level:              vulkan.CommandBufferLevelPrimary,
		CommandBufferCount: 1,
	}
	res = vulkan.AllocateCommandBuffers(d.dev, &ai, cbs)
	ai.Free()
	if err := check("vkAllocateCommandBuffers", res); err != nil {
		r.destroy()
		return nil, err
	}
	r.cmd = cbs[0]
	fci := vulkan.FenceCreateInfo{SType: vulkan.StructureTypeFenceCreateInfo}
	var fence vulkan.Fence
	res = vulkan.CreateFence(d.dev, &fci, nil, &fence)
	fci.Free()
	if err := check("vkCreateFence", res); err != nil {
		r.destroy()
		return nil, err
	}
	d.live.add("fence", 1)
	r.fence = fence
	d.recorders[r] = struct{}{}
	return r, nil
}

// Err returns the sticky error, if any.
func (r *Recorder) Err() error { return prefixed(r.err) }

// Stats returns the counters of what was recorded.
func (r *Recorder) Stats() Stats { return r.stats }

func (r *Recorder) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

func (r *Recorder) begin() bool {
	if r.err != nil {
		return false
	}
	if r.d.closed || r.pool == vulkan.NullCommandPool {
		r.fail(ErrClosed)
		return false
	}
	if r.recording {
		return true
	}
	if err := check("vkBeginCommandBuffer", beginCommandBuffer(r.cmd, vulkan.CommandBufferUsageOneTimeSubmitBit)); err != nil {
		r.fail(err)
		return false
	}
	r.recording = true
	return true
}

const (
	stagesAll  = vulkan.PipelineStageComputeShaderBit | vulkan.PipelineStageTransferBit
	accessRead = vulkan.AccessShaderReadBit | vulkan.AccessTransferReadBit
	accessAll  = vulkan.AccessShaderReadBit | vulkan.AccessShaderWriteBit | vulkan.AccessTransferReadBit | vulkan.AccessTransferWriteBit
	accessW    = vulkan.AccessShaderWriteBit | vulkan.AccessTransferWriteBit
)

// hazard inserts a barrier if reads or writes conflict with what was recorded since the last one,
// then records them as pending.
func (r *Recorder) hazard(reads, writes []byteRange) {
	// Read after write, write after write, write after read.
	if anyOverlap(r.written, reads) || anyOverlap(r.written, writes) || anyOverlap(r.read, writes) {
		r.barrier(stagesAll, accessW, stagesAll, accessAll)
		r.written, r.read = r.written[:0], r.read[:0]
	}
	r.read = append(r.read, reads...)
	r.written = append(r.written, writes...)
	if len(writes) > 0 {
		r.dirty = true
	}
}

func anyOverlap(a, b []byteRange) bool {
	for _, x := range a {
		for _, y := range b {
			if x.overlaps(y) {
				return true
			}
		}
	}
	return false
}

func (r *Recorder) barrier(src vulkan.PipelineStageFlagBits, srcAccess vulkan.AccessFlagBits, dst vulkan.PipelineStageFlagBits, dstAccess vulkan.AccessFlagBits) {
	cmdMemoryBarrier(r.cmd, src, srcAccess, dst, dstAccess)
	r.stats.Barriers++
}

func rangeOf(v View) byteRange {
	blk, off, size := v.abs()
	return byteRange{blk: blk.id, lo: off, hi: off + size}
}

// Dispatch records k over groups workgroups with the given push constants (32-bit words; see
// F32) and storage buffers, one per binding in order.
func (r *Recorder) Dispatch(k *Kernel, groups [3]int, push []uint32, args ...Bindable) {
	if !r.begin() {
		return
	}
	if k == nil || k.pipeline == vulkan.NullPipeline {
		r.fail(fmt.Errorf("Dispatch: %w (kernel)", ErrClosed))
		return
	}
	if got, want := 4*len(push), int(k.mod.PushSize); got != want {
		r.fail(fmt.Errorf("Dispatch %s: %d bytes of push constants, kernel declares %d", k.name, got, want))
		return
	}
	if len(args) != len(k.mod.Bindings) {
		r.fail(fmt.Errorf("Dispatch %s: %d buffers, kernel has %d bindings", k.name, len(args), len(k.mod.Bindings)))
		return
	}
	for i, g := range groups {
		if g < 0 || uint64(g) > uint64(r.d.info.MaxWorkgroupCount[i]) {
			r.fail(fmt.Errorf("Dispatch %s: %v workgroups, device allows %v", k.name, groups, r.d.info.MaxWorkgroupCount))
			return
		}
	}
	if groups[0] == 0 || groups[1] == 0 || groups[2] == 0 {
		return
	}
	r.writes.reset()
	var reads, writes []byteRange
	for i, a := range args {
		v := a.bufferView()
		what := fmt.Sprintf("Dispatch %s binding %d", k.name, i)
		if err := v.validate(what); err != nil {
			r.fail(err)
			return
		}
		if v.buf.d != r.d {
			r.fail(fmt.Errorf("%s: buffer belongs to another device", what))
			return
		}
		if err := r.descriptor(k.mod.Bindings[i], a, what); err != nil {
			r.fail(err)
			return
		}
		switch k.mod.Bindings[i].Access {
		case shaders.ReadOnly:
			reads = append(reads, rangeOf(v))
		case shaders.WriteOnly:
			writes = append(writes, rangeOf(v))
		default:
			reads = append(reads, rangeOf(v))
			writes = append(writes, rangeOf(v))
		}
	}
	set, err := r.allocSet(k.dsl)
	if err != nil {
		r.fail(err)
		return
	}
	if err := check("vkUpdateDescriptorSets", r.writes.update(r.d.dev, set)); err != nil {
		r.fail(err)
		return
	}
	r.hazard(reads, writes)
	vulkan.CmdBindPipeline(r.cmd, vulkan.PipelineBindPointCompute, k.pipeline)
	vulkan.CmdBindDescriptorSets(r.cmd, vulkan.PipelineBindPointCompute, k.layout, 0, 1, []vulkan.DescriptorSet{set}, 0, nil)
	if len(push) > 0 {
		vulkan.CmdPushConstants(r.cmd, k.layout, vulkan.ShaderStageFlags(vulkan.ShaderStageComputeBit), 0, uint32(4*len(push)), unsafe.Pointer(&push[0]))
	}
	vulkan.CmdDispatch(r.cmd, uint32(groups[0]), uint32(groups[1]), uint32(groups[2]))
	r.stats.Dispatches++
}

// descriptor checks one argument against its binding and describes it; a texel binding gets a
// buffer view that lives until the batch's fence.
func (r *Recorder) descriptor(b shaders.Binding, a Bindable, what string) error {
	v := a.bufferView()
	blk, off, size := v.abs()
	info := r.d.info
	if b.Kind == shaders.StorageBuffer {
		if align := int64(info.MinStorageBufferOffsetAlignment); off%align != 0 {
			return fmt.Errorf("%s: offset %d is not a multiple of minStorageBufferOffsetAlignment %d", what, v.off, align)
		}
		if size > int64(info.MaxStorageBufferRange) {
			return fmt.Errorf("%s: a %d-byte view exceeds maxStorageBufferRange %d; bind it in windows", what, size, info.MaxStorageBufferRange)
		}
		r.writes.add(b.Binding, blk.buf, off, size, vulkan.NullBufferView)
		return nil
	}
	format := R32F
	if t, ok := a.(texels); ok {
		format = t.format
	}
	if align := int64(info.MinTexelBufferOffsetAlignment); off%align != 0 {
		return fmt.Errorf("%s: offset %d is not a multiple of minTexelBufferOffsetAlignment %d", what, v.off, align)
	}
	texel := format.Bytes()
	size -= size % texel // a partial last texel is not addressable
	if size == 0 || size/texel > int64(info.MaxTexelBufferElements) {
		return fmt.Errorf("%s: a %d-byte texel view holds %d texels; the device allows 1..%d", what, v.size, size/texel, info.MaxTexelBufferElements)
	}
	ci := vulkan.BufferViewCreateInfo{
		SType:  vulkan.StructureTypeBufferViewCreateInfo,
		Buffer: blk.buf,
		Format: format.vulkan(),
		Offset: vulkan.DeviceSize(off),
		Range:  vulkan.DeviceSize(size),
	}
	var view vulkan.BufferView
	res := vulkan.CreateBufferView(r.d.dev, &ci, nil, &view)
	ci.Free()
	if err := check("vkCreateBufferView", res); err != nil {
		return err
	}
	r.d.live.add("buffer_view", 1)
	r.views = append(r.views, view)
	r.writes.add(b.Binding, vulkan.NullBuffer, 0, 0, view)
	return nil
}

func (r *Recorder) destroyViews() {
	for _, v := range r.views {
		vulkan.DestroyBufferView(r.d.dev, v, nil)
		r.d.live.add("buffer_view", -1)
	}
	r.views = r.views[:0]
}

// F32 returns the bits of a float32 push constant.
func F32(x float32) uint32 { return math.Float32bits(x) }

// Copy records a copy of all of src into the start of dst.
func (r *Recorder) Copy(dst, src Bindable) {
	if !r.begin() {
		return
	}
	sv, dv := src.bufferView(), dst.bufferView()
	if err := sv.validate("Copy source"); err != nil {
		r.fail(err)
		return
	}
	if err := dv.validate("Copy destination"); err != nil {
		r.fail(err)
		return
	}
	if sv.size > dv.size {
		r.fail(fmt.Errorf("Copy: %d bytes into a %d-byte range", sv.size, dv.size))
		return
	}
	dv.size = sv.size
	sb, so, n := sv.abs()
	db, do, _ := dv.abs()
	r.hazard([]byteRange{rangeOf(sv)}, []byteRange{rangeOf(dv)})
	cmdCopyBuffer(r.cmd, sb.buf, db.buf, so, do, n)
	r.stats.Copies++
}

// Fill records setting every 32-bit word of dst to word; dst's offset and size must be
// multiples of 4.
func (r *Recorder) Fill(dst Bindable, word uint32) {
	if !r.begin() {
		return
	}
	v := dst.bufferView()
	if err := v.validate("Fill"); err != nil {
		r.fail(err)
		return
	}
	blk, off, size := v.abs()
	if off%4 != 0 || size%4 != 0 {
		r.fail(fmt.Errorf("Fill: range [%d,%d) is not 4-byte aligned", v.off, v.off+v.size))
		return
	}
	r.hazard(nil, []byteRange{rangeOf(v)})
	vulkan.CmdFillBuffer(r.cmd, blk.buf, vulkan.DeviceSize(off), vulkan.DeviceSize(size), word)
	r.stats.Copies++
}

func (r *Recorder) allocSet(layout vulkan.DescriptorSetLayout) (vulkan.DescriptorSet, error) {
	for {
		if r.dcur == len(r.dpools) {
			p, res := createDescriptorPool(r.d.dev, setsPerPool, setsPerPool*maxBindings, setsPerPool*maxBindings)
			if err := check("vkCreateDescriptorPool", res); err != nil {
				return nil, err
			}
			r.d.live.add("descriptor_pool", 1)
			r.dpools = append(r.dpools, p)
		}
		set, res := allocateSet(r.d.dev, r.dpools[r.dcur], layout)
		if res == vulkan.ErrorOutOfPoolMemory || res == vulkan.ErrorFragmentedPool {
			r.dcur++
			continue
		}
		if err := check("vkAllocateDescriptorSets", res); err != nil {
			return nil, err
		}
		return set, nil
	}
}

// Submit ends the batch, submits it, waits for the fence and makes results visible to the host.
// It returns the sticky error (if any) and readies the Recorder for a new batch either way.
func (r *Recorder) Submit() error {
	err := r.submit()
	r.reset()
	return prefixed(err)
}

func (r *Recorder) submit() error {
	if err := r.launch(); err != nil {
		return err
	}
	return r.wait()
}

// launch ends the batch and submits it without waiting (wait does); the staging ring keeps one
// batch in flight while the host fills the next.
func (r *Recorder) launch() error {
	if r.err != nil {
		if r.recording {
			vulkan.EndCommandBuffer(r.cmd)
			r.recording = false
		}
		return r.err
	}
	if !r.recording {
		return nil
	}
	if r.dirty {
		r.barrier(stagesAll, accessW, vulkan.PipelineStageHostBit, vulkan.AccessHostReadBit)
	}
	r.recording = false
	if err := check("vkEndCommandBuffer", vulkan.EndCommandBuffer(r.cmd)); err != nil {
		return err
	}
	r.d.submitMu.Lock()
	res := queueSubmit(r.d.queue, r.cmd, vulkan.NullSemaphore, 0, vulkan.NullSemaphore, r.fence)
	r.d.submitMu.Unlock()
	if err := check("vkQueueSubmit", res); err != nil {
		return err
	}
	r.stats.Submits++
	r.inflight = true
	return nil
}

// wait waits for the batch launch submitted, if any.
func (r *Recorder) wait() error {
	if !r.inflight {
		return nil
	}
	r.inflight = false
	fences := []vulkan.Fence{r.fence}
	if err := check("vkWaitForFences", vulkan.WaitForFences(r.d.dev, 1, fences, vulkan.True, math.MaxUint64)); err != nil {
		return err
	}
	return check("vkResetFences", vulkan.ResetFences(r.d.dev, 1, fences))
}

// reset recycles the command buffer and descriptor sets; the fence has been waited for.
func (r *Recorder) reset() {
	r.err = nil
	r.recording = false
	r.dirty = false
	r.written, r.read = r.written[:0], r.read[:0]
	if r.pool == vulkan.NullCommandPool || r.d.closed {
		return
	}
	var errs []error
	errs = append(errs, check("vkResetCommandPool", vulkan.ResetCommandPool(r.d.dev, r.pool, 0)))
	for _, p := range r.dpools {
		errs = append(errs, check("vkResetDescriptorPool", vulkan.ResetDescriptorPool(r.d.dev, p, 0)))
	}
	r.dcur = 0
	r.destroyViews()
	r.err = errors.Join(errs...)
}

// Release destroys the Recorder. It must not be called while a Submit is in progress.
func (r *Recorder) Release() {
	if r == nil || r.d == nil {
		return
	}
	d := r.d
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return // Close released it
	}
	delete(d.recorders, r)
	r.destroy()
}

func (r *Recorder) destroy() {
	d := r.d
	if r.recording {
		vulkan.EndCommandBuffer(r.cmd)
	}
	r.destroyViews()
	for _, p := range r.dpools {
		vulkan.DestroyDescriptorPool(d.dev, p, nil)
		d.live.add("descriptor_pool", -1)
	}
	if r.fence != vulkan.NullFence {
		vulkan.DestroyFence(d.dev, r.fence, nil)
		d.live.add("fence", -1)
	}
	if r.pool != vulkan.NullCommandPool {
		vulkan.DestroyCommandPool(d.dev, r.pool, nil)
		d.live.add("command_pool", -1)
	}
	*r = Recorder{d: d}
}
