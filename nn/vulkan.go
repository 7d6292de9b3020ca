package nn

import (
	"errors"
	"fmt"

	"github.com/dsr4d/dsr4d/internal/float16"
	"github.com/dsr4d/dsr4d/shaders"
	"github.com/dsr4d/dsr4d/vk"
	"github.com/dsr4d/dsr4d/vk/ops"
)

// Vulkan is the GPU backend: every op is recorded on one vk.Recorder and runs when Read or Sync
// submits the batch.
type Vulkan struct {
	opset
	// Tiled selects the shared-memory schedules of the kernels that have one (attention): the
	// default on GPUs; CPU devices (lavapipe) run the barrier-free ones.
	Tiled   bool
	d       *vk.Device
	vops    *ops.Ops
	rec     *vk.Recorder
	err     error
	wg      uint32       // workgroup size of the 1D kernels
	dead    []*vk.Buffer // released while in the pending batch
	live    map[*vk.Buffer]bool
	scratch *vk.Buffer // float32 widening of one BF16 weight, reused by every Linear
}

// NewVulkan returns a backend on d; Close releases its recorder and tensors, not d.
func NewVulkan(d *vk.Device) (*Vulkan, error) {
	rec, err := d.NewRecorder()
	if err != nil {
		return nil, fmt.Errorf("nn: %w", err)
	}
	v := &Vulkan{d: d, vops: ops.New(d), rec: rec, wg: 256, live: map[*vk.Buffer]bool{}}
	if d.Info().IsCPU() {
		v.wg = 64
	}
	v.Tiled = !d.Info().IsCPU()
	v.init(v, v)
	return v, nil
}

var _ Backend = (*Vulkan)(nil)

// Bytes is the device memory held by the backend's live tensors.
func (v *Vulkan) Bytes() int64 {
	var n int64
	for b := range v.live {
		n += b.Size()
	}
	return n
}

// Device is the device the backend runs on.
func (v *Vulkan) Device() *vk.Device { return v.d }

func (v *Vulkan) Name() string { return "vulkan" }

func (v *Vulkan) fail(err error) {
	if v.err == nil && err != nil {
		v.err = fmt.Errorf("nn: vulkan: %w", err)
	}
}

func (v *Vulkan) Err() error {
	if v.err != nil {
		return v.err
	}
	return v.rec.Err()
}

// alloc allocates an uninitialised tensor. After a failure it returns a tensor without memory;
// kernels on such tensors are skipped.
func (v *Vulkan) alloc(shape []int, dtype DType) *Tensor {
	t := &Tensor{shape: shape, be: v, dtype: dtype}
	if v.err != nil {
		return t
	}
	// Round up to 16 bytes so that vec4 texel views of the whole tensor are exact.
	b := v.buffer((int64(numel(shape))*elemBytes(t) + 15) &^ 15)
	if b != nil {
		v.live[b] = true
	}
	t.buf = b
	return t
}

func (v *Vulkan) buffer(size int64) *vk.Buffer {
	b, err := v.d.NewBuffer(vk.DeviceLocal, size)
	if err != nil {
		v.fail(err)
		return nil
	}
	return b
}

func elemBytes(t *Tensor) int64 {
	if t.dtype != F32 {
		return 2
	}
	return 4
}

// view is the tensor's elements (without the 16-byte padding).
func view(t *Tensor) vk.View { return t.buf.View(0, int64(t.Len())*elemBytes(t)) }

func (v *Vulkan) upload(t *Tensor, data []float32) {
	// A buffer may still be read by the pending batch if it was recycled: the sub-allocator
	// only hands out released memory, and released memory waits for the batch (see Release).
	if t.buf != nil {
		v.fail(vk.Upload(view(t), data))
	}
}

func (v *Vulkan) upload16(t *Tensor, bits []uint16) {
	if t.buf != nil {
		v.fail(vk.Upload(view(t), bits))
	}
}

func (v *Vulkan) weight(t *Tensor) {}

func (v *Vulkan) zero(t *Tensor) {
	if t.buf != nil {
		v.rec.Fill(t.buf.View(0, t.buf.Size()), 0)
	}
}

func (v *Vulkan) Sync() error {
	err := v.rec.Submit()
	for _, b := range v.dead {
		b.Release()
	}
	v.dead = v.dead[:0]
	v.fail(err)
	return v.err
}

func (v *Vulkan) Read(t *Tensor) ([]float32, error) {
	if err := v.Sync(); err != nil {
		return nil, err
	}
	if t.buf == nil {
		return nil, errors.New("nn: vulkan: Read of a released tensor")
	}
	out := make([]float32, t.Len())
	if t.dtype != F32 {
		bits := make([]uint16, t.Len())
		if err := vk.Download(view(t), bits); err != nil {
			return nil, fmt.Errorf("nn: vulkan: %w", err)
		}
		for i, h := range bits {
			if t.dtype == BF16 {
				out[i] = float16.BF16ToFloat32(h)
			} else {
				out[i] = float16.ToFloat32(h)
			}
		}
		return out, nil
	}
	if err := vk.Download(view(t), out); err != nil {
		return nil, fmt.Errorf("nn: vulkan: %w", err)
	}
	return out, nil
}

func (v *Vulkan) Release(ts ...*Tensor) {
	for _, t := range ts {
		if t == nil || t.buf == nil {
			continue
		}
		if v.live[t.buf] {
			delete(v.live, t.buf)
			v.dead = append(v.dead, t.buf)
		}
		t.buf = nil
	}
}

// Close waits for pending work and releases the recorder and every tensor still alive.
func (v *Vulkan) Close() error {
	err := v.Sync()
	for b := range v.live {
		b.Release()
	}
	clear(v.live)
	if v.scratch != nil {
		v.scratch.Release()
		v.scratch = nil
	}
	v.rec.Release()
	return err
}

// ok reports whether every tensor has memory (it has none after an earlier failure).
func (v *Vulkan) ok(ts ...*Tensor) bool {
	if v.err != nil {
		return false
	}
	for _, t := range ts {
		if t != nil && t.buf == nil {
			return false
		}
	}
	return true
}

func (v *Vulkan) kernel(variant shaders.Variant) *vk.Kernel {
	k, err := v.d.KernelOf(variant)
	v.fail(err)
	return k
}

// grid1D spreads n invocations over x and, past the device's x limit, y.
func (v *Vulkan) grid1D(n int) [3]int {
	groups := (n + int(v.wg) - 1) / int(v.wg)
	maxX := int(v.d.Info().MaxWorkgroupCount[0])
	if groups <= maxX {
		return [3]int{groups, 1, 1}
	}
	return [3]int{maxX, (groups + maxX - 1) / maxX, 1}
}

func (v *Vulkan) linear(out, x, w, b *Tensor) {
	if !v.ok(out, x, w, b) {
		return
	}
	m, k, n := x.Rows(), x.Cols(), w.Rows()
	var bias vk.Bindable
	if b != nil {
		bias = view(b)
	}
	switch w.dtype {
	case F16:
		v.fail(v.vops.MatMulHalf(v.rec, view(out), view(x), view(w), bias, m, n, k, true))
	case BF16:
		if wide := v.widen(w); wide != nil {
			v.fail(v.vops.MatMul(v.rec, view(out), view(x), wide.View(0, int64(w.Len())*4), bias, m, n, k, true))
		}
	default:
		v.fail(v.vops.MatMul(v.rec, view(out), view(x), view(w), bias, m, n, k, true))
	}
}

// widenChunk is the elements nn_widen converts per dispatch: 64 MiB of float32 output.
var widenChunk = 16 << 20 // a variable for tests

// widen writes BF16 weight w as float32 into the scratch buffer (grown to the largest weight)
// and returns it. The recorder's hazard tracking orders each reuse after the last reader, so one
// buffer serves every Linear of a batch: BF16 weights stay 16-bit at rest and lose nothing.
// (A fused fetch needs an unsigned texel format that vk does not offer yet.)
func (v *Vulkan) widen(w *Tensor) *vk.Buffer {
	need := int64(w.Len()) * 4
	if v.scratch == nil || v.scratch.Size() < need {
		if v.scratch != nil {
			v.dead = append(v.dead, v.scratch)
		}
		if v.scratch = v.buffer(need); v.scratch == nil {
			return nil
		}
	}
	k := v.kernel(shaders.NNWiden(shaders.NNWidenSpec{LocalSizeX: v.wg}))
	if k == nil {
		return nil
	}
	// In windows of widenChunk elements: storage-buffer views are limited in size
	// (maxStorageBufferRange, 128 MiB on lavapipe).
	for off := 0; off < w.Len(); off += widenChunk {
		n := min(widenChunk, w.Len()-off)
		pairs := (n + 1) / 2
		v.rec.Dispatch(k, v.grid1D(pairs), []uint32{uint32(n)},
			w.buf.View(int64(off)*2, int64(pairs)*4), v.scratch.View(int64(off)*4, int64(n)*4))
	}
	return v.scratch
}

// vec4 reports whether rows of cols floats can be read as RGBA32F texels.
func (v *Vulkan) vec4(cols int) bool {
	return cols%4 == 0 && v.d.Info().MinTexelBufferOffsetAlignment <= 16
}

func texels(t *Tensor, vec4 bool) vk.Bindable {
	if vec4 {
		return vk.Texels(view(t), vk.RGBA32F)
	}
	return view(t)
}

func (v *Vulkan) rownorm(mode shaders.NNRownormMode, out, x, w, b *Tensor, eps float32) {
	if b == nil {
		b = w // not read by RMSNorm
	}
	if !v.ok(out, x, w, b) {
		return
	}
	vec4 := v.vec4(x.Cols())
	if k := v.kernel(shaders.NNRownorm(shaders.NNRownormSpec{LocalSizeX: v.wg, Mode: mode, Vec4: vec4})); k != nil {
		v.rec.Dispatch(k, v.grid1D(x.Rows()), []uint32{uint32(x.Rows()), uint32(x.Cols()), vk.F32(eps)},
			texels(x, vec4), texels(w, vec4), texels(b, vec4), view(out))
	}
}

func (v *Vulkan) rmsNorm(out, x, w *Tensor, eps float32) {
	v.rownorm(shaders.NNRownormRMSNorm, out, x, w, nil, eps)
}
func (v *Vulkan) layerNorm(out, x, w, b *Tensor, eps float32) {
	v.rownorm(shaders.NNRownormLayerNorm, out, x, w, b, eps)
}

func (v *Vulkan) unary(op unaryOp, out, x, y *Tensor) {
	if y == nil {
		y = x
	}
	if !v.ok(out, x, y) {
		return
	}
	if k := v.kernel(shaders.NNUnary(shaders.NNUnarySpec{LocalSizeX: v.wg, OP: op})); k != nil {
		v.rec.Dispatch(k, v.grid1D(x.Len()), []uint32{uint32(x.Len())}, view(x), view(y), view(out))
	}
}

func (v *Vulkan) softmax(out, x *Tensor) {
	if !v.ok(out, x) {
		return
	}
	if k := v.kernel(shaders.NNSoftmax(shaders.NNSoftmaxSpec{LocalSizeX: v.wg})); k != nil {
		v.rec.Dispatch(k, v.grid1D(x.Rows()), []uint32{uint32(x.Rows()), uint32(x.Cols())}, view(x), view(out))
	}
}

// add is vk/ops.Add (the elementwise kernel).
func (v *Vulkan) add(out, a, b *Tensor) {
	if v.ok(out, a, b) {
		v.fail(v.vops.Add(v.rec, view(out), view(a), view(b), a.Rows(), a.Cols(), false))
	}
}

// scaleCols is vk/ops.Mul with a broadcast row.
func (v *Vulkan) scaleCols(out, x, g *Tensor) {
	if v.ok(out, x, g) {
		v.fail(v.vops.Mul(v.rec, view(out), view(x), view(g), x.Rows(), x.Cols(), true))
	}
}

func (v *Vulkan) rope(out, x, cos, sin *Tensor, heads, parts int) {
	if !v.ok(out, x, cos, sin) {
		return
	}
	hd := x.Cols() / heads
	if k := v.kernel(shaders.NNRope(shaders.NNRopeSpec{LocalSizeX: v.wg})); k != nil {
		v.rec.Dispatch(k, v.grid1D(x.Len()/2), []uint32{uint32(x.Rows()), uint32(heads), uint32(hd), uint32(hd / parts)},
			view(x), view(cos), view(sin), view(out))
	}
}

// AttentionTile is the number of keys per online-softmax tile of the attention kernel.
const AttentionTile = 16

func (v *Vulkan) attention(out, q, k, val *Tensor, a attnCall) {
	if !v.ok(out, q, k, val) {
		return
	}
	rb := v.uintBuffer(a.ranges)
	if rb == nil {
		return
	}
	vec4 := v.vec4(a.hd)
	wg := uint32(v.d.Info().SubgroupSize)
	if wg == 0 || !v.d.Info().IsCPU() {
		wg = 64
	}
	// The tiled schedule stages TILE keys and values per step: up to 32 of them, within half the
	// device's shared memory (32 KiB on most GPUs).
	tile := uint32(AttentionTile)
	if v.Tiled {
		budget := min(32<<10, int(v.d.Info().MaxSharedMemory)/2)
		tile = uint32(max(1, min(32, budget/(2*4*((a.hd+3)&^3)))))
	}
	kern := v.kernel(shaders.NNAttention(shaders.NNAttentionSpec{LocalSizeX: wg, HD: uint32(a.hd), Tile: tile, Vec4: vec4, Tiled: v.Tiled}))
	if kern != nil {
		groups := [3]int{(q.Rows() + int(wg) - 1) / int(wg), a.heads, 1}
		v.rec.Dispatch(kern, groups, []uint32{uint32(q.Rows()), uint32(a.heads), uint32(a.kvHeads), vk.F32(a.scale)},
			texels(q, vec4), texels(k, vec4), texels(val, vec4), rb.View(0, int64(len(a.ranges))*4), view(out))
	}
}

// uintBuffer uploads a small index array that is released after the batch.
func (v *Vulkan) uintBuffer(data []uint32) *vk.Buffer {
	b := v.buffer(int64(len(data)) * 4)
	if b == nil {
		return nil
	}
	v.dead = append(v.dead, b)
	if err := vk.Upload(b, data); err != nil {
		v.fail(err)
		return nil
	}
	return b
}

func (v *Vulkan) embedding(out, table *Tensor, ids []int) {
	if !v.ok(out, table) {
		return
	}
	u := make([]uint32, len(ids))
	for i, id := range ids {
		u[i] = uint32(id)
	}
	ib := v.uintBuffer(u)
	if ib == nil {
		return
	}
	if k := v.kernel(shaders.NNGather(shaders.NNGatherSpec{LocalSizeX: v.wg})); k != nil {
		v.rec.Dispatch(k, v.grid1D(out.Len()), []uint32{uint32(len(ids)), uint32(table.Cols())}, view(table), ib.View(0, int64(len(u))*4), view(out))
	}
}

func (v *Vulkan) copyRows(dst *Tensor, row0 int, src *Tensor) {
	if v.ok(dst, src) {
		v.rec.Copy(dst.buf.View(int64(row0*dst.Cols())*4, int64(src.Len())*4), view(src))
	}
}
