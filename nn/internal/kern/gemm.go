package kern

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/dsr4d/dsr4d/internal/float16"
	"github.com/dsr4d/dsr4d/internal/par"
)

// Register tile of the micro-kernel and cache blocking. A packed A block (mcMax×kc floats,
// 192 KiB) stays in L2 while a packed B micro-panel (kc×NR) is reused across its MR-row panels.
const (
	MR    = 8   // rows per micro-kernel call
	NR    = 48  // columns per micro-kernel call (3 zmm)
	kc    = 256 // depth of one pass over C
	mcMax = 192 // rows of a packed A block
	// Rows of a packed A block with 16-bit B: each widened B micro-panel then serves twice the
	// rows, halving the widening (and the re-reads of B), for an A block of 384 KiB in L2.
	mc16Max = 384
)

// Dtype16 names the 16-bit float format of PackB16's input.
type Dtype16 uint8

const (
	BF16 Dtype16 = iota // bfloat16: the upper 16 bits of a float32
	F16                 // IEEE 754 binary16
)

func (d Dtype16) String() string {
	switch d {
	case BF16:
		return "bf16"
	case F16:
		return "f16"
	}
	return fmt.Sprintf("Dtype16(%d)", uint8(d))
}

// PackedB is the right-hand operand of Gemm, a K×N matrix packed once into column panels of NR
// (zero-padded at the right edge): panel p holds rows 0..K-1 of columns p·NR..p·NR+NR-1, each row
// NR contiguous values. 16-bit weights stay 16-bit in this layout and are widened to float32 one
// kc×NR micro-panel at a time inside Gemm.
type PackedB struct {
	K, N  int
	f32   []float32
	u16   []uint16
	dtype Dtype16
}

// Bytes is the memory the packed values hold.
func (b *PackedB) Bytes() int { return 4*len(b.f32) + 2*len(b.u16) }

func panels(n int) int { return (n + NR - 1) / NR }

// PackB packs a float32 K×N operand: b is row-major [k×n], or with transB row-major [n×k]
// (PyTorch's Linear weight, (out, in)), giving C = A·bᵀ.
func PackB(b []float32, k, n int, transB bool) *PackedB {
	checkB(len(b), k, n)
	pb := &PackedB{K: k, N: n, f32: make([]float32, panels(n)*k*NR)}
	packPanels(pb.f32, b, k, n, transB)
	return pb
}

// PackB16 packs a 16-bit K×N operand given as raw bits (layout as in PackB); it keeps 2 bytes
// per value.
func PackB16(bits []uint16, dtype Dtype16, k, n int, transB bool) *PackedB {
	checkB(len(bits), k, n)
	if dtype != BF16 && dtype != F16 {
		panic(fmt.Sprintf("kern: PackB16: unknown dtype %v", dtype))
	}
	pb := &PackedB{K: k, N: n, u16: make([]uint16, panels(n)*k*NR), dtype: dtype}
	packPanels(pb.u16, bits, k, n, transB)
	return pb
}

func checkB(l, k, n int) {
	if k <= 0 || n <= 0 || l != k*n {
		panic(fmt.Sprintf("kern: PackB: %d values for k=%d n=%d", l, k, n))
	}
}

func packPanels[T float32 | uint16](dst, b []T, k, n int, transB bool) {
	par.For(panels(n), 0, func(p int) {
		d := dst[p*k*NR : (p+1)*k*NR]
		j0, j1 := p*NR, min(p*NR+NR, n)
		if transB {
			for j := j0; j < j1; j++ {
				col := b[j*k : j*k+k]
				for kk, v := range col {
					d[kk*NR+j-j0] = v
				}
			}
			return
		}
		for kk := 0; kk < k; kk++ {
			copy(d[kk*NR:kk*NR+j1-j0], b[kk*n+j0:kk*n+j1])
		}
	})
}

// Act is an elementwise activation of a Gemm epilogue.
type Act uint8

const (
	ActNone Act = iota
	// ActGELUErf is the exact GELU x·Φ(x): torch.nn.GELU() / F.gelu default, used by DINOv2
	// (π³'s encoder) and the Qwen2.5-VL vision merger's MLP.
	ActGELUErf
	// ActGELUTanh is GELU(approximate="tanh") (HF "gelu_pytorch_tanh"/"gelu_new").
	ActGELUTanh
	// ActSiLU is x·σ(x) (HF "silu"), the gate of Qwen2.5's SwiGLU MLPs (LLM and vision tower).
	ActSiLU
)

// Epilogue is applied to each output element after the product: c = Act(a·b + Bias[col]) +
// Residual[row·n+col]. Bias (length n) and Residual (length m·n) are optional. Residual may be c
// itself (c += a·b + Bias, a transformer's residual add) only without an activation.
type Epilogue struct {
	Bias     []float32
	Act      Act
	Residual []float32
}

// Gemm computes c[m×n] = ep(a[m×k]·b) with a row-major, float32 accumulation in SIMD registers,
// and the work split over GOMAXPROCS goroutines. c must not overlap a (c is written while a is
// still read). It panics on mismatched lengths.
func Gemm(c, a []float32, m int, b *PackedB, ep Epilogue) {
	k, n := b.K, b.N
	if m <= 0 || len(a) != m*k || len(c) != m*n || (ep.Bias != nil && len(ep.Bias) != n) ||
		(ep.Residual != nil && len(ep.Residual) != m*n) {
		panic(fmt.Sprintf("kern: Gemm: m=%d k=%d n=%d with len(a)=%d len(c)=%d len(bias)=%d len(residual)=%d",
			m, k, n, len(a), len(c), len(ep.Bias), len(ep.Residual)))
	}
	accumulate := ep.Residual != nil && &ep.Residual[0] == &c[0]
	if accumulate {
		if ep.Act != ActNone {
			panic("kern: Gemm: Residual aliases c with an activation")
		}
		ep.Residual = nil
	}
	if gv := kernel.gemv[b.valueType()]; m < MR && gv != nil {
		gemvRows(c, a, m, b, ep, accumulate, gv)
		return
	}
	workers := runtime.GOMAXPROCS(0)
	mc := min(roundUp(m, MR), mcMax)
	if b.u16 != nil {
		mc = min(roundUp(m, MR), mc16Max)
	}
	mTiles := (m + mc - 1) / mc
	// Columns per tile: a multiple of NR, small enough for every worker to get a few tiles.
	np := panels(n)
	ncp := 8
	for ncp > 1 && mTiles*((np+ncp-1)/ncp) < 4*workers {
		ncp /= 2
	}
	nTiles := (np + ncp - 1) / ncp
	tiles := mTiles * nTiles
	// Every column tile reads the same A blocks: pack A once for all of them rather than once
	// per tile (for the GSM merger's 1024×8192 · 8192×8192, 22 times).
	var pa *[]float32
	if nTiles > 1 {
		pa = packAll(a, m, k)
		defer packPool.Put(pa)
	}
	var next atomic.Int64
	run := func() {
		s := getScratch()
		defer scratchPool.Put(s)
		for {
			t := int(next.Add(1) - 1)
			if t >= tiles {
				return
			}
			// N-major order: consecutive tiles share a B panel range, the M-tiles walk A.
			ti, tj := t%mTiles, t/mTiles
			i0, i1 := ti*mc, min(ti*mc+mc, m)
			p0, p1 := tj*ncp, min(tj*ncp+ncp, np)
			gemmTile(c, a, pa, b, s, i0, i1, p0, p1, accumulate)
			applyEpilogue(c, n, i0, i1, p0*NR, min(p1*NR, n), ep)
		}
	}
	workers = min(workers, tiles)
	var wg sync.WaitGroup
	for w := 1; w < workers; w++ {
		wg.Go(run)
	}
	run()
	wg.Wait()
}

// valueType indexes microKernel.gemv: 0 float32, 1 BF16, 2 F16.
func (b *PackedB) valueType() int {
	if b.f32 != nil {
		return 0
	}
	return 1 + int(b.dtype)
}

// gemvRows computes c for m < MR rows, each row streaming every packed panel once: decoding's
// matrix-vector products, memory-bound on the weight.
func gemvRows(c, a []float32, m int, b *PackedB, ep Epilogue, accumulate bool, gv gemvFunc) {
	k, n := b.K, b.N
	const step = 8 // panels per task
	np := panels(n)
	par.For((np+step-1)/step, 0, func(t int) {
		p0, p1 := t*step, min(t*step+step, np)
		for p := p0; p < p1; p++ {
			var bp unsafe.Pointer
			if b.f32 != nil {
				bp = unsafe.Pointer(&b.f32[p*k*NR])
			} else {
				bp = unsafe.Pointer(&b.u16[p*k*NR])
			}
			j0 := p * NR
			cols := min(NR, n-j0)
			for i := range m {
				var y [NR]float32
				gv(k, &a[i*k], bp, &y[0])
				dst := c[i*n+j0 : i*n+j0+cols]
				if accumulate {
					addTo(dst, y[:cols])
				} else {
					copy(dst, y[:cols])
				}
			}
		}
		applyEpilogue(c, n, 0, m, p0*NR, min(p1*NR, n), ep)
	})
}

// scratch is one worker's packed A block, widened B micro-panel and edge tile.
type scratch struct {
	a    [mc16Max * kc]float32
	b    [kc * NR]float32
	edge [MR * NR]float32
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func getScratch() *scratch { return scratchPool.Get().(*scratch) }

func roundUp(x, q int) int { return (x + q - 1) / q * q }

// packPool holds the buffers of packAll.
var packPool = sync.Pool{New: func() any { return new([]float32) }}

// packAll packs all of a (m×k) as packA would block by block: depth slice pc (kc deep, kb the
// last) holds the roundUp(m, MR) rows' MR-row panels at [pc·roundUp(m, MR), …), so that rows
// [i0, i1) of a slice are one contiguous block laid out as packA's. Slices × row panels are
// packed in parallel.
func packAll(a []float32, m, k int) *[]float32 {
	buf := packPool.Get().(*[]float32)
	mp := roundUp(m, MR)
	if cap(*buf) < mp*k {
		*buf = make([]float32, mp*k)
	}
	*buf = (*buf)[:mp*k]
	dst := *buf
	slices, rowPanels := (k+kc-1)/kc, mp/MR
	par.For(slices*rowPanels, 0, func(t int) {
		pc, q := t/rowPanels*kc, t%rowPanels*MR
		kb := min(kc, k-pc)
		packA(dst[pc*mp+q*kb:], a, k, q, min(q+MR, m), pc, kb)
	})
	return buf
}

// gemmTile computes rows [i0,i1) × panels [p0,p1) of c = a·b, or c += a·b with accumulate. pa,
// if not nil, is a packed by packAll; else each A block is packed into s.
func gemmTile(c, a []float32, pa *[]float32, b *PackedB, s *scratch, i0, i1, p0, p1 int, accumulate bool) {
	k, n := b.K, b.N
	rows := i1 - i0
	for pc := 0; pc < k; pc += kc {
		kb := min(kc, k-pc)
		ablk := s.a[:]
		if pa != nil {
			ablk = (*pa)[pc*roundUp(len(a)/k, MR)+i0*kb:]
		} else {
			packA(ablk, a, k, i0, i1, pc, kb)
		}
		for p := p0; p < p1; p++ {
			var bp *float32
			off := p*k*NR + pc*NR
			if b.f32 != nil {
				bp = &b.f32[off]
			} else {
				widen(s.b[:kb*NR], b.u16[off:off+kb*NR], b.dtype)
				bp = &s.b[0]
			}
			j0 := p * NR
			cols := min(NR, n-j0)
			for ir := 0; ir < rows; ir += MR {
				ap := &ablk[ir*kb]
				r := min(MR, rows-ir)
				ci := (i0+ir)*n + j0
				load := pc > 0 || accumulate
				if r == MR && cols == NR {
					kernel.full(kb, ap, bp, &c[ci], n, load)
					continue
				}
				kernel.full(kb, ap, bp, &s.edge[0], NR, false)
				for i := 0; i < r; i++ {
					dst := c[ci+i*n : ci+i*n+cols]
					src := s.edge[i*NR : i*NR+cols]
					if load {
						for j, v := range src {
							dst[j] += v
						}
					} else {
						copy(dst, src)
					}
				}
			}
		}
	}
}

// packA copies a[i0:i1, pc:pc+kb] into MR-row panels: panel q holds, for each kk, the MR values
// a[i0+q·MR+r, pc+kk], zero past i1.
func packA(dst, a []float32, k, i0, i1, pc, kb int) {
	for q := i0; q < i1; q += MR {
		d := dst[(q-i0)*kb : (q-i0)*kb+MR*kb]
		for r := 0; r < MR; r++ {
			if q+r >= i1 {
				for kk := 0; kk < kb; kk++ {
					d[kk*MR+r] = 0
				}
				continue
			}
			row := a[(q+r)*k+pc : (q+r)*k+pc+kb]
			for kk, v := range row {
				d[kk*MR+r] = v
			}
		}
	}
}

// widen converts n 16-bit values (n a multiple of 16) to float32.
func widen(dst []float32, src []uint16, dt Dtype16) {
	if len(src) == 0 {
		return
	}
	if haveAVX2 {
		if dt == BF16 {
			widenBF16(&dst[0], &src[0], len(src))
		} else {
			widenF16(&dst[0], &src[0], len(src))
		}
		return
	}
	widenGo(dst, src, dt)
}

func widenGo(dst []float32, src []uint16, dt Dtype16) {
	dst = dst[:len(src)]
	if dt == BF16 {
		for i, h := range src {
			dst[i] = float16.BF16ToFloat32(h)
		}
		return
	}
	for i, h := range src {
		dst[i] = float16.ToFloat32(h)
	}
}

// kernelFunc is a micro-kernel: c[MR×NR] (+)= a·b for packed panels a (k×MR) and b (k×NR), c
// with row stride ldc, adding to c's values when load is set.
type kernelFunc func(k int, a, b, c *float32, ldc int, load bool)

// gemvFunc adds a·B to y[0:NR] for one packed panel B (k rows, float32, BF16 or F16 values).
type gemvFunc func(k int, a *float32, b unsafe.Pointer, y *float32)

// microKernel is one instruction set's kernel with narrower variants that compute at least the
// first 16 or 32 columns of the tile; they may write up to NR (the portable one always does), so
// only a destination padded to NR columns can take them. gemv, when set, serves products of
// fewer than MR rows, indexed by the panel's value type (float32, BF16, F16).
type microKernel struct {
	name           string
	full, w16, w32 kernelFunc
	gemv           [3]gemvFunc
}

// upTo returns the variant covering at least the first w columns.
func (mk microKernel) upTo(w int) kernelFunc {
	switch {
	case w <= 16:
		return mk.w16
	case w <= 32:
		return mk.w32
	}
	return mk.full
}

var goKernel = microKernel{name: "go", full: kernelGo, w16: kernelGo, w32: kernelGo}

// kernelGo is the portable micro-kernel: c[MR×NR] (+)= a·b over packed panels, two rows at a
// time over fixed-size arrays (no bounds checks in the inner loop).
func kernelGo(k int, a, b, c *float32, ldc int, load bool) {
	var acc [MR][NR]float32
	as := unsafe.Slice(a, k*MR)
	bs := unsafe.Slice(b, k*NR)
	for kk := 0; kk < k; kk++ {
		brow := (*[NR]float32)(bs[kk*NR:])
		ak := (*[MR]float32)(as[kk*MR:])
		for r := 0; r < MR; r += 2 {
			a0, a1 := ak[r], ak[r+1]
			r0, r1 := &acc[r], &acc[r+1]
			for j, bv := range brow {
				r0[j] += a0 * bv
				r1[j] += a1 * bv
			}
		}
	}
	cs := unsafe.Slice(c, (MR-1)*ldc+NR)
	for r := 0; r < MR; r++ {
		dst := cs[r*ldc : r*ldc+NR]
		if load {
			for j := range dst {
				dst[j] += acc[r][j]
			}
		} else {
			copy(dst, acc[r][:])
		}
	}
}

// Sgemm computes c[m×n] = a[m×k]·b, b row-major [k×n] or, with transB, [n×k]. It packs b on each
// call; pack weights once with PackB and call Gemm instead.
func Sgemm(transB bool, m, n, k int, a, b, c []float32) {
	Gemm(c, a, m, PackB(b, k, n, transB), Epilogue{})
}
