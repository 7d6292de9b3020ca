package ops

import (
	"fmt"

	"github.com/dsr4d/dsr4d/shaders"
	"github.com/dsr4d/dsr4d/vk"
)

// Ops records kernels for one device.
type Ops struct {
	d *vk.Device
	// MatMulConfig is the matmul schedule; New picks it for the device.
	MatMulConfig MatMulConfig
	// RowThreads is the number of invocations that reduce one row: 1 (one invocation per row, no
	// barriers: CPU devices) or a power of two up to 1024 (a workgroup per row with a
	// shared-memory tree: GPUs). New picks it for the device.
	RowThreads uint32
	wg1D       uint32 // workgroup size of 1D kernels
	per1D      uint32 // elements per invocation of 1D kernels
}

// New returns Ops with variants chosen for d.
func New(d *vk.Device) *Ops {
	o := &Ops{d: d, MatMulConfig: DefaultMatMulConfig(d.Info()), RowThreads: 256, wg1D: 256, per1D: 4}
	if d.Info().IsCPU() {
		// Fewer, longer workgroups: lavapipe pays per workgroup (measured in BENCHMARKS.md).
		o.per1D = 16
		o.RowThreads = 1
	}
	return o
}

const f32 = 4

// need checks that b holds elems float32.
func need(what string, b vk.Bindable, elems int) error {
	return needBytes(what, b, int64(elems)*f32)
}

func needBytes(what string, b vk.Bindable, want int64) error {
	if b == nil {
		return fmt.Errorf("ops: %s: nil buffer", what)
	}
	if b.Size() < want {
		return fmt.Errorf("ops: %s: %d bytes, shape needs %d", what, b.Size(), want)
	}
	return nil
}

func positive(what string, dims ...int) error {
	for _, x := range dims {
		if x <= 0 || x > 1<<31-1 {
			return fmt.Errorf("ops: %s: dimensions %v must be positive and fit in 32 bits", what, dims)
		}
	}
	return nil
}

// grid1D returns the dispatch of a 1D kernel over n elements: PER elements per invocation.
func (o *Ops) grid1D(n int) [3]int {
	per := int(o.wg1D * o.per1D)
	return o.spread((n + per - 1) / per)
}

// spread lays out groups workgroups over x and, past the device's x limit, y.
func (o *Ops) spread(groups int) [3]int {
	maxX := int(o.d.Info().MaxWorkgroupCount[0])
	if groups <= maxX {
		return [3]int{groups, 1, 1}
	}
	return [3]int{maxX, (groups + maxX - 1) / maxX, 1}
}

// Fill sets dst[0:n] to value.
func (o *Ops) Fill(r *vk.Recorder, dst vk.Bindable, n int, value float32) error {
	if err := firstErr(positive("Fill", n), need("Fill dst", dst, n)); err != nil {
		return err
	}
	k, err := o.d.KernelOf(shaders.Fill(shaders.FillSpec{LocalSizeX: o.wg1D, PER: o.per1D}))
	if err != nil {
		return err
	}
	r.Dispatch(k, o.grid1D(n), []uint32{uint32(n), vk.F32(value)}, dst)
	return nil
}

// Copy copies n float32 from src to dst with a kernel (Recorder.Copy does it as a transfer).
func (o *Ops) Copy(r *vk.Recorder, dst, src vk.Bindable, n int) error {
	if err := firstErr(positive("Copy", n), need("Copy src", src, n), need("Copy dst", dst, n)); err != nil {
		return err
	}
	k, err := o.d.KernelOf(shaders.Copy(shaders.CopySpec{LocalSizeX: o.wg1D, PER: o.per1D}))
	if err != nil {
		return err
	}
	r.Dispatch(k, o.grid1D(n), []uint32{uint32(n)}, src, dst)
	return nil
}

// Add sets out = a + b for rows×cols arrays; with broadcast, b is one row of cols added to every row.
func (o *Ops) Add(r *vk.Recorder, out, a, b vk.Bindable, rows, cols int, broadcast bool) error {
	return o.binary(r, "Add", shaders.ElementwiseAdd, out, a, b, rows, cols, broadcast)
}

// Mul sets out = a ⊙ b for rows×cols arrays; with broadcast, b is one row of cols.
func (o *Ops) Mul(r *vk.Recorder, out, a, b vk.Bindable, rows, cols int, broadcast bool) error {
	return o.binary(r, "Mul", shaders.ElementwiseMul, out, a, b, rows, cols, broadcast)
}

func (o *Ops) binary(r *vk.Recorder, name string, op shaders.ElementwiseOP, out, a, b vk.Bindable, rows, cols int, broadcast bool) error {
	n := rows * cols
	bn, bc := n, uint32(0)
	if broadcast {
		bn, bc = cols, 1
	}
	if err := firstErr(positive(name, rows, cols, n), need(name+" a", a, n), need(name+" b", b, bn), need(name+" out", out, n)); err != nil {
		return err
	}
	k, err := o.d.KernelOf(shaders.Elementwise(shaders.ElementwiseSpec{LocalSizeX: o.wg1D, OP: op, PER: o.per1D}))
	if err != nil {
		return err
	}
	r.Dispatch(k, o.grid1D(n), []uint32{uint32(n), uint32(cols), bc, vk.F32(1)}, a, b, out)
	return nil
}

// Scale sets out[0:n] = alpha * a[0:n].
func (o *Ops) Scale(r *vk.Recorder, out, a vk.Bindable, n int, alpha float32) error {
	if err := firstErr(positive("Scale", n), need("Scale a", a, n), need("Scale out", out, n)); err != nil {
		return err
	}
	k, err := o.d.KernelOf(shaders.Elementwise(shaders.ElementwiseSpec{LocalSizeX: o.wg1D, OP: shaders.ElementwiseScale, PER: o.per1D}))
	if err != nil {
		return err
	}
	// b is not read with OP = scale, but every binding needs a buffer: bind a again.
	r.Dispatch(k, o.grid1D(n), []uint32{uint32(n), 1, 0, vk.F32(alpha)}, a, a, out)
	return nil
}

// RowSum sets out[r] = Σ_c a[r, c] for a rows×cols array.
func (o *Ops) RowSum(r *vk.Recorder, out, a vk.Bindable, rows, cols int) error {
	return o.reduce(r, "RowSum", shaders.ReduceRowsSum, out, a, rows, cols)
}

// RowMax sets out[r] = max_c a[r, c] for a rows×cols array.
func (o *Ops) RowMax(r *vk.Recorder, out, a vk.Bindable, rows, cols int) error {
	return o.reduce(r, "RowMax", shaders.ReduceRowsMax, out, a, rows, cols)
}

func (o *Ops) reduce(r *vk.Recorder, name string, op shaders.ReduceRowsOP, out, a vk.Bindable, rows, cols int) error {
	if err := firstErr(positive(name, rows, cols, rows*cols), need(name+" a", a, rows*cols), need(name+" out", out, rows)); err != nil {
		return err
	}
	t := o.RowThreads
	if t == 0 || t > 1024 || t&(t-1) != 0 {
		return fmt.Errorf("ops: %s: RowThreads %d is not a power of two in 1..1024", name, t)
	}
	push := []uint32{uint32(rows), uint32(cols)}
	wg, groups := t, rows
	if t == 1 {
		wg = 64
		groups = (rows + 63) / 64
	}
	k, err := o.d.KernelOf(shaders.ReduceRows(shaders.ReduceRowsSpec{LocalSizeX: wg, OP: op, RowThreads: t}))
	if err != nil {
		return err
	}
	r.Dispatch(k, o.spread(groups), push, a, out)
	return nil
}

// Transpose sets out (cols×rows) to the transpose of a (rows×cols).
func (o *Ops) Transpose(r *vk.Recorder, out, a vk.Bindable, rows, cols int) error {
	if err := firstErr(positive("Transpose", rows, cols, rows*cols), need("Transpose a", a, rows*cols), need("Transpose out", out, rows*cols)); err != nil {
		return err
	}
	const t = 16
	k, err := o.d.KernelOf(shaders.Transpose(shaders.TransposeSpec{LocalSizeX: t, LocalSizeY: t}))
	if err != nil {
		return err
	}
	r.Dispatch(k, [3]int{(cols + t - 1) / t, (rows + t - 1) / t, 1}, []uint32{uint32(rows), uint32(cols)}, a, out)
	return nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
