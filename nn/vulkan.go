package nn

import (
	"errors"
	"fmt"
	"math"

	"github.com/dsr4d/dsr4d/internal/float16"
	"github.com/dsr4d/dsr4d/vk"
	"github.com/dsr4d/dsr4d/vk/ops"
)

// Vulkan is the GPU backend: every op is recorded on one vk.Recorder and runs when Read or Sync
// submits the batch.
type Vulkan struct {
	d    *vk.Device
	ops  *ops.Ops
	rec  *vk.Recorder
	err  error
	wg   uint32       // workgroup size of the 1D kernels
	dead []*vk.Buffer // released while in the pending batch
	live map[*vk.Buffer]bool
}

// NewVulkan returns a backend on d; Close releases its recorder and tensors, not d.
func NewVulkan(d *vk.Device) (*Vulkan, error) {
	rec, err := d.NewRecorder()
	if err != nil {
		return nil, fmt.Errorf("nn: %w", err)
	}
	v := &Vulkan{d: d, ops: ops.New(d), rec: rec, wg: 256, live: map[*vk.Buffer]bool{}}
	if d.Info().IsCPU() {
		v.wg = 64
	}
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

// tensor allocates an uninitialised float32 tensor. After a failure it returns a tensor without
// memory; ops on such tensors are skipped.
func (v *Vulkan) tensor(shape []int) *Tensor { return v.alloc(shape, false) }

func (v *Vulkan) alloc(shape []int, half bool) *Tensor {
	checkShape("New", shape)
	t := &Tensor{shape: append([]int(nil), shape...), be: v, half: half}
	if v.err != nil {
		return t
	}
	// Round up to 16 bytes so that vec4 texel views of the whole tensor are exact.
	size := (int64(numel(shape))*elemBytes(t) + 15) &^ 15
	b, err := v.d.NewBuffer(vk.DeviceLocal, size)
	if err != nil {
		v.fail(err)
		return t
	}
	v.live[b] = true
	t.buf = b
	return t
}

func elemBytes(t *Tensor) int64 {
	if t.half {
		return 2
	}
	return 4
}

// view is a float32 tensor's elements (without the 16-byte padding). Only Linear reads 16-bit
// tensors (through weightView); any other op given one is a programming error.
func view(t *Tensor) vk.View {
	if t.half {
		shapeErr("view", "a 16-bit tensor %v is only usable as a Linear weight", t.shape)
	}
	return t.buf.View(0, int64(t.Len())*4)
}

func weightView(t *Tensor) vk.View { return t.buf.View(0, int64(t.Len())*elemBytes(t)) }

func (v *Vulkan) NewHalf(bits []uint16, shape ...int) *Tensor {
	t := v.alloc(shape, true)
	if len(bits) != t.Len() {
		shapeErr("NewHalf", "%d values for shape %v", len(bits), shape)
	}
	if t.buf != nil {
		v.fail(vk.Upload(weightView(t), bits))
	}
	return t
}

func (v *Vulkan) New(data []float32, shape ...int) *Tensor {
	t := v.tensor(shape)
	if len(data) != t.Len() {
		shapeErr("New", "%d values for shape %v", len(data), shape)
	}
	if t.buf != nil {
		// A buffer may still be read by the pending batch if it was recycled: the sub-allocator
		// only hands out released memory, and released memory waits for the batch (see Release).
		v.fail(vk.Upload(view(t), data))
	}
	return t
}

func (v *Vulkan) Zeros(shape ...int) *Tensor {
	t := v.tensor(shape)
	if t.buf != nil {
		v.rec.Fill(t.buf.View(0, t.buf.Size()), 0)
	}
	return t
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
	if t.half {
		bits := make([]uint16, t.Len())
		if err := vk.Download(weightView(t), bits); err != nil {
			return nil, fmt.Errorf("nn: vulkan: %w", err)
		}
		for i, h := range bits {
			out[i] = float16.ToFloat32(h)
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

func (v *Vulkan) kernel(name string, spec vk.Spec) *vk.Kernel {
	k, err := v.d.Kernel(name, spec)
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

func (v *Vulkan) Linear(x, w, b *Tensor) *Tensor {
	m, k, n := x.Rows(), x.Cols(), w.Rows()
	if w.Cols() != k {
		shapeErr("Linear", "x %v and weight %v (want (out, %d))", x.shape, w.shape, k)
	}
	if b != nil {
		wantCols("Linear", "bias", b, n)
	}
	out := v.tensor(append(append([]int(nil), x.shape[:len(x.shape)-1]...), n))
	if !v.ok(x, w, b, out) {
		return out
	}
	var bias vk.Bindable
	if b != nil {
		bias = view(b)
	}
	if w.half {
		v.fail(v.ops.MatMulHalf(v.rec, view(out), view(x), weightView(w), bias, m, n, k, true))
	} else {
		v.fail(v.ops.MatMul(v.rec, view(out), view(x), view(w), bias, m, n, k, true))
	}
	return out
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

func (v *Vulkan) rownorm(op string, mode uint32, x, w, b *Tensor, eps float32) *Tensor {
	wantCols(op, "weight", w, x.Cols())
	if b != nil {
		wantCols(op, "bias", b, x.Cols())
	} else {
		b = w // not read by RMSNorm
	}
	out := v.tensor(x.shape)
	if !v.ok(x, w, b, out) {
		return out
	}
	vec4 := v.vec4(x.Cols())
	k := v.kernel("nn_rownorm", vk.Spec{"local_size_x": v.wg, "MODE": mode, "VEC4": b2u(vec4)})
	if k != nil {
		v.rec.Dispatch(k, v.grid1D(x.Rows()), []uint32{uint32(x.Rows()), uint32(x.Cols()), vk.F32(eps)},
			texels(x, vec4), texels(w, vec4), texels(b, vec4), view(out))
	}
	return out
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

func (v *Vulkan) RMSNorm(x, w *Tensor, eps float32) *Tensor {
	return v.rownorm("RMSNorm", 0, x, w, nil, eps)
}

func (v *Vulkan) LayerNorm(x, w, b *Tensor, eps float32) *Tensor {
	return v.rownorm("LayerNorm", 1, x, w, b, eps)
}

func (v *Vulkan) unary(op uint32, x, y *Tensor) *Tensor {
	if y == nil {
		y = x
	}
	out := v.tensor(x.shape)
	if !v.ok(x, y, out) {
		return out
	}
	k := v.kernel("nn_unary", vk.Spec{"local_size_x": v.wg, "OP": op})
	if k != nil {
		v.rec.Dispatch(k, v.grid1D(x.Len()), []uint32{uint32(x.Len())}, view(x), view(y), view(out))
	}
	return out
}

func (v *Vulkan) GELU(x *Tensor, tanh bool) *Tensor { return v.unary(b2u(tanh), x, nil) }
func (v *Vulkan) SiLU(x *Tensor) *Tensor            { return v.unary(2, x, nil) }

func (v *Vulkan) SwiGLU(gate, up *Tensor) *Tensor {
	sameShape("SwiGLU", gate, up)
	return v.unary(3, gate, up)
}

func (v *Vulkan) Softmax(x *Tensor) *Tensor {
	out := v.tensor(x.shape)
	if !v.ok(x, out) {
		return out
	}
	if k := v.kernel("nn_softmax", vk.Spec{"local_size_x": v.wg}); k != nil {
		v.rec.Dispatch(k, v.grid1D(x.Rows()), []uint32{uint32(x.Rows()), uint32(x.Cols())}, view(x), view(out))
	}
	return out
}

// Add is vk/ops.Add (the elementwise kernel).
func (v *Vulkan) Add(a, b *Tensor) *Tensor {
	sameShape("Add", a, b)
	out := v.tensor(a.shape)
	if v.ok(a, b, out) {
		v.fail(v.ops.Add(v.rec, view(out), view(a), view(b), a.Rows(), a.Cols(), false))
	}
	return out
}

func (v *Vulkan) RoPE(x, cos, sin *Tensor, heads int) *Tensor {
	hd := checkRoPE(x, cos, sin, heads)
	out := v.tensor(x.shape)
	if !v.ok(x, cos, sin, out) {
		return out
	}
	if k := v.kernel("nn_rope", vk.Spec{"local_size_x": v.wg}); k != nil {
		v.rec.Dispatch(k, v.grid1D(x.Len()/2), []uint32{uint32(x.Rows()), uint32(heads), uint32(hd)},
			view(x), view(cos), view(sin), view(out))
	}
	return out
}

// AttentionTile is the number of keys per online-softmax tile of the attention kernel.
const AttentionTile = 16

func (v *Vulkan) Attention(q, k, val *Tensor, heads, kvHeads int, qLens, kLens []int) *Tensor {
	hd := checkAttention(q, k, val, heads, kvHeads)
	ranges := attnRanges("Attention", q.Rows(), k.Rows(), qLens, kLens)
	out := v.tensor(q.shape)
	if !v.ok(q, k, val, out) {
		return out
	}
	rb := v.uintBuffer(ranges)
	if rb == nil {
		return out
	}
	vec4 := v.vec4(hd)
	wg := uint32(v.d.Info().SubgroupSize)
	if wg == 0 || !v.d.Info().IsCPU() {
		wg = 64
	}
	kern := v.kernel("nn_attention", vk.Spec{"local_size_x": wg, "HD": uint32(hd), "TILE": AttentionTile, "VEC4": b2u(vec4)})
	if kern != nil {
		groups := [3]int{(q.Rows() + int(wg) - 1) / int(wg), heads, 1}
		v.rec.Dispatch(kern, groups, []uint32{uint32(q.Rows()), uint32(heads), uint32(kvHeads), vk.F32(float32(1 / math.Sqrt(float64(hd))))},
			texels(q, vec4), texels(k, vec4), texels(val, vec4), rb.View(0, int64(len(ranges))*4), view(out))
	}
	return out
}

// uintBuffer uploads a small index array that is released after the batch.
func (v *Vulkan) uintBuffer(data []uint32) *vk.Buffer {
	b, err := v.d.NewBuffer(vk.DeviceLocal, int64(len(data))*4)
	if err != nil {
		v.fail(err)
		return nil
	}
	v.dead = append(v.dead, b)
	if err := vk.Upload(b, data); err != nil {
		v.fail(err)
		return nil
	}
	return b
}

func (v *Vulkan) Embedding(table *Tensor, ids []int) *Tensor {
	if len(ids) == 0 {
		shapeErr("Embedding", "no ids")
	}
	d, rows := table.Cols(), table.Rows()
	u := make([]uint32, len(ids))
	for i, id := range ids {
		if id < 0 || id >= rows {
			shapeErr("Embedding", "id %d outside the table's %d rows", id, rows)
		}
		u[i] = uint32(id)
	}
	out := v.tensor([]int{len(ids), d})
	if !v.ok(table, out) {
		return out
	}
	ib := v.uintBuffer(u)
	if ib == nil {
		return out
	}
	if k := v.kernel("nn_gather", vk.Spec{"local_size_x": v.wg}); k != nil {
		v.rec.Dispatch(k, v.grid1D(out.Len()), []uint32{uint32(len(ids)), uint32(d)}, view(table), ib.View(0, int64(len(u))*4), view(out))
	}
	return out
}

func (v *Vulkan) RepeatRows(x *Tensor, times int) *Tensor {
	if times <= 0 {
		shapeErr("RepeatRows", "times %d", times)
	}
	out := v.tensor([]int{x.Rows() * times, x.Cols()})
	if !v.ok(x, out) {
		return out
	}
	n := int64(x.Len()) * 4
	for i := range int64(times) {
		v.rec.Copy(out.buf.View(i*n, n), view(x))
	}
	return out
}
