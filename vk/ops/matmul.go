package ops

import (
	"fmt"

	"github.com/dsr4d/dsr4d/shaders"
	"github.com/dsr4d/dsr4d/vk"
)

// MatMulConfig is a matmul schedule: the specialization constants of shaders/matmul.comp.
type MatMulConfig struct {
	Tiled    bool   // shared-memory tiles (GPUs) instead of barrier-free register blocks (CPUs)
	WGX, WGY uint32 // workgroup size; WGY must be 1 when !Tiled
	TM, TN   uint32 // the block of C each invocation accumulates in registers
	BK       uint32 // k-slice staged in shared memory when Tiled
	// Vec4 lets a register-blocked schedule use vec4 loads when k and n are multiples of 4 (and,
	// without transB, TN is too); other shapes fall back to scalar loads.
	Vec4 bool
}

// DefaultMatMulConfig picks the schedule for a device; the values come from the benchmark in
// BENCHMARKS.md.
func DefaultMatMulConfig(info vk.Info) MatMulConfig {
	if info.IsCPU() {
		wg := info.SubgroupSize
		if wg == 0 {
			wg = 8
		}
		return MatMulConfig{WGX: wg, WGY: 1, TM: 16, TN: 8, Vec4: true}
	}
	return MatMulConfig{Tiled: true, WGX: 16, WGY: 16, TM: 4, TN: 4, BK: 16}
}

// vec4 reports whether the vec4 loads apply to an m×n×k product on a device whose bindings are
// aligned to align bytes.
func (c MatMulConfig) vec4(n, k int, transB bool, align uint64) bool {
	return c.Vec4 && !c.Tiled && align%16 == 0 && n%4 == 0 && k%4 == 0 && (transB || c.TN%4 == 0)
}

func (c MatMulConfig) spec(transB, bias, vec4 bool) shaders.Variant {
	return shaders.Matmul(shaders.MatmulSpec{
		LocalSizeX: c.WGX, LocalSizeY: c.WGY, TM: c.TM, TN: c.TN, BK: max(c.BK, 1),
		Tiled: c.Tiled, TransB: transB, HasBias: bias, Vec4: vec4,
	})
}

func (c MatMulConfig) validate() error {
	if c.WGX == 0 || c.WGY == 0 || c.TM == 0 || c.TN == 0 || (c.Tiled && c.BK == 0) {
		return fmt.Errorf("ops: MatMul: config %+v has a zero size", c)
	}
	if !c.Tiled && c.WGY != 1 {
		return fmt.Errorf("ops: MatMul: a register-blocked config needs WGY = 1, got %d", c.WGY)
	}
	return nil
}

// grid is the number of workgroups for an m×n result.
func (c MatMulConfig) grid(m, n int) [3]int {
	bn := int(c.WGX * c.TN)
	bm := int(c.TM)
	if c.Tiled {
		bm *= int(c.WGY)
	}
	return [3]int{(n + bn - 1) / bn, (m + bm - 1) / bm, 1}
}

// MatMul sets c (m×n) = a (m×k) · b + bias, where b is k×n, or n×k when transB; bias, if not
// nil, is a row of n added to every row of c.
func (o *Ops) MatMul(r *vk.Recorder, c, a, b, bias vk.Bindable, m, n, k int, transB bool) error {
	return o.matmul(r, "MatMul", c, a, b, bias, m, n, k, transB, false)
}

// MatMulHalf is MatMul with b stored as IEEE binary16 (2 bytes per element, see Float32ToHalf):
// the texel fetch converts it, so weights take half the memory and need no 16-bit storage
// feature. Accumulation stays f32.
func (o *Ops) MatMulHalf(r *vk.Recorder, c, a, b, bias vk.Bindable, m, n, k int, transB bool) error {
	return o.matmul(r, "MatMulHalf", c, a, b, bias, m, n, k, transB, true)
}

func (o *Ops) matmul(r *vk.Recorder, name string, c, a, b, bias vk.Bindable, m, n, k int, transB, halfB bool) error {
	bBytes := int64(f32)
	if halfB {
		bBytes = 2
	}
	if err := firstErr(positive(name, m, n, k, m*k, k*n, m*n), o.MatMulConfig.validate(),
		need(name+" a", a, m*k), needBytes(name+" b", b, int64(k*n)*bBytes), need(name+" c", c, m*n)); err != nil {
		return err
	}
	hasBias := bias != nil
	if hasBias {
		if err := need(name+" bias", bias, n); err != nil {
			return err
		}
	} else {
		bias = a // never read: HAS_BIAS is off
	}
	vec4 := o.MatMulConfig.vec4(n, k, transB, o.d.Info().MinStorageBufferOffsetAlignment)
	kern, err := o.d.KernelOf(o.MatMulConfig.spec(transB, hasBias, vec4))
	if err != nil {
		return err
	}
	fa, fb := vk.R32F, vk.R32F
	if vec4 {
		fa, fb = vk.RGBA32F, vk.RGBA32F
	}
	if halfB {
		fb = map[vk.TexelFormat]vk.TexelFormat{vk.R32F: vk.R16F, vk.RGBA32F: vk.RGBA16F}[fb]
	}
	r.Dispatch(kern, o.MatMulConfig.grid(m, n), []uint32{uint32(m), uint32(n), uint32(k)},
		vk.Texels(a, fa), vk.Texels(b, fb), bias, c)
	return nil
}
