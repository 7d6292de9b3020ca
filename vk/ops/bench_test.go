package ops_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"

	"github.com/dsr4d/dsr4d/vk"
	"github.com/dsr4d/dsr4d/vk/ops"
)

// BenchmarkMatMul times f32 n×n×n products on the chosen Vulkan device and with gonum's Sgemm in
// the same run; the vulkan rows report GFLOP/s and the ratio to gonum (x_gonum).
func BenchmarkMatMul(b *testing.B) {
	d, err := vk.Open(vk.Options{})
	if err != nil {
		b.Skipf("no Vulkan device: %v", err)
	}
	defer d.Close()
	b.Logf("device: %s (%s), schedule %+v", d.Info().Name, d.Info().Driver, ops.New(d).MatMulConfig)
	gonumGFLOPS := map[int]float64{}
	for _, n := range []int{256, 512, 1024} {
		rng := rand.New(rand.NewPCG(uint64(n), 1))
		x, y := make([]float32, n*n), make([]float32, n*n)
		for i := range x {
			x[i], y[i] = rng.Float32(), rng.Float32()
		}
		flops := 2 * float64(n) * float64(n) * float64(n)
		b.Run(fmt.Sprintf("n=%d/gonum", n), func(b *testing.B) {
			gonumGFLOPS[n] = flops / perOp(b, func() { sgemm(n, x, y) }).Seconds() / 1e9
			b.ReportMetric(gonumGFLOPS[n], "GFLOP/s")
		})
		b.Run(fmt.Sprintf("n=%d/vulkan", n), func(b *testing.B) {
			run := vulkanMatMul(b, d, n, x, y)
			run() // build the pipeline outside the timing
			g := flops / perOp(b, run).Seconds() / 1e9
			b.ReportMetric(g, "GFLOP/s")
			if _, ok := gonumGFLOPS[n]; !ok { // -bench selected only the vulkan rows
				start := time.Now()
				sgemm(n, x, y)
				gonumGFLOPS[n] = flops / time.Since(start).Seconds() / 1e9
			}
			b.ReportMetric(g/gonumGFLOPS[n], "x_gonum")
		})
	}
}

// perOp runs f b.N times under the timer and returns the mean time per call.
func perOp(b *testing.B, f func()) time.Duration {
	b.ResetTimer()
	for range b.N {
		f()
	}
	b.StopTimer()
	return b.Elapsed() / time.Duration(b.N)
}

func sgemm(n int, x, y []float32) []float32 {
	out := make([]float32, n*n)
	gonum.Implementation{}.Sgemm(blas.NoTrans, blas.NoTrans, n, n, n, 1, x, n, y, n, 0, out, n)
	return out
}

// vulkanMatMul uploads x and y and returns a function that multiplies them on d and waits.
func vulkanMatMul(b *testing.B, d *vk.Device, n int, x, y []float32) func() {
	bufs := make([]*vk.Buffer, 3)
	for i := range bufs {
		buf, err := d.NewBuffer(vk.DeviceLocal, int64(4*n*n))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(buf.Release)
		bufs[i] = buf
	}
	if err := vk.Upload(bufs[0], x); err != nil {
		b.Fatal(err)
	}
	if err := vk.Upload(bufs[1], y); err != nil {
		b.Fatal(err)
	}
	o := ops.New(d)
	r, err := d.NewRecorder()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(r.Release)
	return func() {
		if err := o.MatMul(r, bufs[2], bufs[0], bufs[1], nil, n, n, n, false); err != nil {
			b.Fatal(err)
		}
		if err := r.Submit(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAdd times out = a + b over 4M floats on the device and as a plain Go loop in the same
// run (x_go is the ratio of their throughputs).
func BenchmarkAdd(b *testing.B) {
	d, err := vk.Open(vk.Options{})
	if err != nil {
		b.Skipf("no Vulkan device: %v", err)
	}
	defer d.Close()
	const rows, cols = 1024, 4096
	n := rows * cols
	x, y, z := make([]float32, n), make([]float32, n), make([]float32, n)
	var goNs float64
	b.Run("go", func(b *testing.B) {
		goNs = float64(perOp(b, func() {
			for i := range z {
				z[i] = x[i] + y[i]
			}
		}).Nanoseconds())
		b.ReportMetric(12*float64(n)/goNs, "GB/s")
	})
	b.Run("vulkan", func(b *testing.B) {
		bufs := make([]*vk.Buffer, 3)
		for i := range bufs {
			buf, err := d.NewBuffer(vk.DeviceLocal, int64(4*n))
			if err != nil {
				b.Fatal(err)
			}
			defer buf.Release()
			bufs[i] = buf
		}
		o := ops.New(d)
		r, err := d.NewRecorder()
		if err != nil {
			b.Fatal(err)
		}
		defer r.Release()
		run := func() {
			if err := o.Add(r, bufs[2], bufs[0], bufs[1], rows, cols, false); err != nil {
				b.Fatal(err)
			}
			if err := r.Submit(); err != nil {
				b.Fatal(err)
			}
		}
		run()
		ns := float64(perOp(b, run).Nanoseconds())
		b.ReportMetric(12*float64(n)/ns, "GB/s")
		if goNs > 0 {
			b.ReportMetric(goNs/ns, "x_go")
		}
	})
}
