package kern

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"
)

// gemmShapes are the GEMMs of issue 14: 1024³ and the Qwen2.5-7B / π³ projection shapes (m×n×k).
var gemmShapes = [][3]int{{1024, 1024, 1024}, {1024, 3584, 3584}, {4096, 8192, 8192}, {32, 18944, 3584}}

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
	for b.Loop() {
		Gemm(c, a, m, pb, Epilogue{})
	}
	b.ReportMetric(2*float64(m)*float64(n)*float64(k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkPeakFMA measures the FMA roofline: register-only FMAs on every core.
func BenchmarkPeakFMA(b *testing.B) {
	b.ReportMetric(peakGFLOPS(), "GFLOP/s")
}

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
	return total / time.Since(start).Seconds() / 1e9
}
