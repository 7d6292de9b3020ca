package kern

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkVsOneDNN times each issue-14 GEMM shape (y = x·Wᵀ, float32) with PyTorch's oneDNN
// Linear (scripts/bench_torch.py under Debian's /usr/bin/python3) and with Gemm, alternating
// twice and keeping each side's best (and the best FMA peak measured next to them), by wall time
// and by CPU time of each process.
// 4096×8192×8192 runs only with DSR4D_KERN_BENCH=full (about a minute per side on 2 loaded
// cores); by default 1024×8192×8192 stands in for it.
func BenchmarkVsOneDNN(b *testing.B) {
	const py = "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import torch.utils.mkldnn").Run(); err != nil {
		b.Skipf("skipping: %s cannot import torch (apt-get install -y python3-torch; make bench does): %v", py, err)
	}
	script, err := filepath.Abs("../../../scripts/bench_torch.py")
	if err != nil {
		b.Fatal(err)
	}
	shapes := [][3]int{{1024, 1024, 1024}, {1024, 3584, 3584}, {1024, 8192, 8192}, {32, 18944, 3584}}
	if os.Getenv("DSR4D_KERN_BENCH") == "full" {
		shapes[2] = [3]int{4096, 8192, 8192}
	}
	for _, sh := range shapes {
		m, n, k := sh[0], sh[1], sh[2]
		b.Run(fmt.Sprintf("%dx%dx%d", m, n, k), func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 1))
			a, c := randSlice(r, m*k), make([]float32, m*n)
			pb := PackB(randSlice(r, n*k), k, n, true)
			flops := 2 * float64(m) * float64(n) * float64(k)
			reps := max(1, min(10, int(2e10/flops))) // more tries at a quiet moment for short calls
			for b.Loop() {
				var ours, theirs, peak, oursCPU, theirsCPU, peakCPU float64
				for range 2 {
					c0 := cpuSeconds()
					peak = max(peak, peakGFLOPS()) // the load moves: measure it next to each pair
					peakCPU = max(peakCPU, peakFlops/(cpuSeconds()-c0)/1e9)
					out, err := exec.Command(py, script, fmt.Sprint(m), fmt.Sprint(n), fmt.Sprint(k),
						"--reps", fmt.Sprint(reps)).CombinedOutput()
					if err != nil {
						b.Fatalf("bench_torch.py: %v\n%s", err, out)
					}
					var impl string
					var mm, nn, kk int
					var sec, g, csec, gc float64
					if _, err := fmt.Sscan(string(bytes.TrimSpace(out)), &impl, &mm, &nn, &kk, &sec, &g, &csec, &gc); err != nil {
						b.Fatalf("bench_torch.py output %q: %v", out, err)
					}
					theirs, theirsCPU = max(theirs, g), max(theirsCPU, gc)
					Gemm(c, a, m, pb, Epilogue{}) // warm-up
					for range reps {
						t, c0 := time.Now(), cpuSeconds()
						Gemm(c, a, m, pb, Epilogue{})
						ours = max(ours, flops/time.Since(t).Seconds()/1e9)
						oursCPU = max(oursCPU, flops/(cpuSeconds()-c0)/1e9)
					}
				}
				b.ReportMetric(ours, "ours_GFLOP/s")
				b.ReportMetric(theirs, "onednn_GFLOP/s")
				b.ReportMetric(ours/theirs, "ratio")
				b.ReportMetric(ours/peak, "of_peak")
				// The same per CPU-second of each process: steadier when other jobs share the cores.
				b.ReportMetric(oursCPU, "ours_GFLOP/cpu-s")
				b.ReportMetric(theirsCPU, "onednn_GFLOP/cpu-s")
				b.ReportMetric(oursCPU/theirsCPU, "cpu_ratio")
				b.ReportMetric(oursCPU/peakCPU, "cpu_of_peak")
			}
		})
	}
}
