package kern

import (
	"fmt"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"
)

// gemmShapes are the GEMMs of issue 14: 1024³ and the Qwen2.5-7B / π³ projection shapes (m×n×k),
// plus one decoding step (m = 1) through the 7B MLP's up projection.
var gemmShapes = [][3]int{{1024, 1024, 1024}, {1024, 3584, 3584}, {4096, 8192, 8192}, {32, 18944, 3584},
	{1, 18944, 3584}}

func BenchmarkGemm(b *testing.B) {
	for _, sh := range gemmShapes {
		for _, dt := range []string{"f32", "bf16"} {
			m, n, k := sh[0], sh[1], sh[2]
			b.Run(fmt.Sprintf("%dx%dx%d/%s", m, n, k, dt), func(b *testing.B) { benchGemm(b, m, n, k, dt) })
		}
	}
}

func benchGemm(b *testing.B, m, n, k int, dt string) {
	r := rand.New(rand.NewPCG(1, 1))
	a, w := randSlice(r, m*k), randSlice(r, n*k)
	var pb *PackedB
	if dt == "f32" {
		pb = PackB(w, k, n, true)
	} else {
		bits := make([]uint16, len(w))
		for i, v := range w {
			bits[i] = uint16(math.Float32bits(v) >> 16)
		}
		w = nil
		pb = PackB16(bits, BF16, k, n, true)
	}
	c := make([]float32, m*n)
	b.ResetTimer()
	cpu0 := cpuSeconds()
	for b.Loop() {
		Gemm(c, a, m, pb, Epilogue{})
	}
	reportFlops(b, 2*float64(m)*float64(n)*float64(k), cpu0)
}

// reportFlops reports GFLOP/s of wall time and GFLOP per CPU-second of the process (the
// figure that survives a machine shared with other jobs: compare it with PeakFMA's).
func reportFlops(b *testing.B, flopsPerOp, cpu0 float64) {
	total := flopsPerOp * float64(b.N)
	b.ReportMetric(total/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	b.ReportMetric(total/(cpuSeconds()-cpu0)/1e9, "GFLOP/cpu-s")
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return math.NaN()
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// BenchmarkPeakFMA measures the FMA roofline: register-only FMAs on every core.
func BenchmarkPeakFMA(b *testing.B) {
	cpu0 := cpuSeconds()
	var flops float64
	for b.Loop() {
		flops += peakGFLOPS() // GFLOP/s of one call
	}
	b.ReportMetric(flops/float64(b.N), "GFLOP/s")
	b.ReportMetric(peakFlops*float64(b.N)/(cpuSeconds()-cpu0)/1e9, "GFLOP/cpu-s")
}

var peakFlops float64 // flops of the last peakGFLOPS

func peakGFLOPS() float64 {
	const iters = 20_000_000
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	start := time.Now()
	flops := make([]float64, workers)
	for w := range workers {
		wg.Go(func() { flops[w] = PeakFMA(iters) })
	}
	wg.Wait()
	var total float64
	for _, f := range flops {
		total += f
	}
	peakFlops = total
	return total / time.Since(start).Seconds() / 1e9
}

// BenchmarkAttend: π³/DINOv2-L global attention, Qwen2.5-VL vision windows, an LLM prefill and
// one decoding step on a 4096-token KV cache (Qwen2.5-7B heads). Flops count the visible keys.
func BenchmarkAttend(b *testing.B) {
	win := make([][2]int, 16)
	for i := range win {
		win[i] = [2]int{i * 64, i*64 + 64}
	}
	for _, c := range []struct {
		name string
		p    Attention
	}{
		{"global_L1024_H16_D64", Attention{Lq: 1024, Lk: 1024, H: 16, Hkv: 16, D: 64}},
		{"windows64_L1024_H16_D80", Attention{Lq: 1024, Lk: 1024, H: 16, Hkv: 16, D: 80, Segments: win}},
		{"prefill_L512_H28_KV4_D128", Attention{Lq: 512, Lk: 512, H: 28, Hkv: 4, D: 128, Causal: true}},
		{"decode_L4096_H28_KV4_D128", Attention{Lq: 1, Lk: 4096, H: 28, Hkv: 4, D: 128, Causal: true}},
	} {
		b.Run(c.name, func(b *testing.B) {
			p := c.p
			p.Scale = 0.125
			r := rand.New(rand.NewPCG(1, 1))
			q, k, v := randSlice(r, p.Lq*p.H*p.D), randSlice(r, p.Lk*p.Hkv*p.D), randSlice(r, p.Lk*p.Hkv*p.D)
			out := make([]float32, len(q))
			var seen float64
			for i := 0; i < p.Lq; i++ {
				lo, hi := p.keys(i)
				seen += float64(hi - lo)
			}
			cpu0 := cpuSeconds()
			for b.Loop() {
				Attend(out, q, k, v, p)
			}
			reportFlops(b, 4*seen*float64(p.D*p.H), cpu0)
		})
	}
}

// BenchmarkRows: the row ops on a 1024×3584 activation, in GB/s of values read and written.
func BenchmarkRows(b *testing.B) {
	const rows, d = 1024, 3584
	r := rand.New(rand.NewPCG(1, 1))
	x, y, w := randSlice(r, rows*d), randSlice(r, rows*d), randSlice(r, d) // y touched: no page faults in the first
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"LayerNorm", func() { LayerNorm(y, x, d, w, w, 1e-6) }},
		{"RMSNorm", func() { RMSNorm(y, x, d, w, 1e-6) }},
		{"Softmax", func() { copy(y, x); Softmax(y, d) }},
		{"GELUErf", func() { Activate(y, x, ActGELUErf) }},
		{"SiLU", func() { Activate(y, x, ActSiLU) }},
		{"Add", func() { Add(y, x, y) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			cpu0 := cpuSeconds()
			for b.Loop() {
				c.f()
			}
			bytes := 8 * rows * d * float64(b.N)
			b.ReportMetric(bytes/b.Elapsed().Seconds()/1e9, "GB/s")
			b.ReportMetric(bytes/(cpuSeconds()-cpu0)/1e9, "GB/cpu-s")
		})
	}
}

// BenchmarkGemmKernel compares the micro-kernels this CPU can run on 512³ (the portable Go one
// is the baseline of a build for another architecture), and gonum's Sgemm as a pure-Go baseline.
func BenchmarkGemmKernel(b *testing.B) {
	b.Run("gonum", func(b *testing.B) {
		const n = 512
		r := rand.New(rand.NewPCG(1, 1))
		a, w, c := randSlice(r, n*n), randSlice(r, n*n), make([]float32, n*n)
		cpu0 := cpuSeconds()
		for b.Loop() {
			gonum.Implementation{}.Sgemm(blas.NoTrans, blas.Trans, n, n, n, 1, a, n, w, n, 0, c, n)
		}
		reportFlops(b, 2*n*n*n, cpu0)
	})
	for _, kern := range kernels() {
		name := kern.name
		b.Run(name, func(b *testing.B) {
			defer func(k microKernel) { kernel = k }(kernel)
			kernel = kern
			benchGemm(b, 512, 512, 512, "f32")
		})
	}
}
