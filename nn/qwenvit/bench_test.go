package qwenvit_test

import (
	"encoding/json"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/dsr4d/dsr4d/nn"
	"github.com/dsr4d/dsr4d/nn/qwenvit"
	"github.com/dsr4d/dsr4d/vk/vktest"
)

// seeded gives random weights for any name and shape (timing only): Linear weights
// N(0, 1/fan_in), norm weights 1, biases N(0, 0.02).
type seeded struct{}

func (seeded) Float32(name string, shape ...int) ([]float32, error) {
	h := fnv.New64a()
	h.Write([]byte(name))
	rng := rand.New(rand.NewPCG(h.Sum64(), 7))
	n := 1
	for _, d := range shape {
		n *= d
	}
	v := make([]float32, n)
	for i := range v {
		switch {
		case len(shape) >= 2:
			v[i] = float32(rng.NormFloat64() / math.Sqrt(float64(n/shape[0])))
		case strings.Contains(name, "norm") || strings.Contains(name, "ln_q"):
			v[i] = 1
		default:
			v[i] = float32(0.02 * rng.NormFloat64())
		}
	}
	return v, nil
}

// benchSize is the size scripts/golden_qwenvit.py --bench times in PyTorch: official widths,
// depth 2 (block 1 full attention), one 2-frame 224×448 clip (grid 1×16×32, 512 patches, 8
// windows). Every block of a kind costs the same, so the ratio holds for the 32-block tower.
func benchSize() (qwenvit.Config, [3]int) {
	c := qwenvit.Official()
	c.Depth, c.FullAttBlocks = 2, []int{1}
	return c, [3]int{1, 16, 32}
}

func benchTower(b *testing.B, be nn.Backend) {
	c, grid := benchSize()
	m, err := qwenvit.New(c)
	if err != nil {
		b.Fatal(err)
	}
	if err := m.Load(be, seeded{}, ""); err != nil {
		b.Fatal(err)
	}
	defer nn.Free(be, m)
	n := grid[0] * grid[1] * grid[2]
	p := make([]float32, n*c.PatchDim())
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range p {
		p[i] = float32(rng.NormFloat64())
	}
	clip := qwenvit.Clip{Patches: p, Grid: grid}
	run := func() {
		y, _, err := m.Encode(be, clip)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := be.Read(y); err != nil {
			b.Fatal(err)
		}
		be.Release(y)
	}
	run() // warm-up: weight packing, pipelines
	b.ResetTimer()
	for range b.N {
		run()
	}
}

func BenchmarkTowerCPU(b *testing.B) { benchTower(b, nn.NewCPU()) }

func BenchmarkTowerVulkan(b *testing.B) {
	d := vktest.Open(b)
	g, err := nn.NewVulkan(d)
	if err != nil {
		b.Fatal(err)
	}
	defer g.Close()
	benchTower(b, g)
}

// BenchmarkTowerTorch runs the same forward in PyTorch (float32, oneDNN/MKL matmuls, the
// process's GOMAXPROCS as threads) and reports its time per forward as torch-ms/op, for a
// same-run ratio against BenchmarkTowerCPU.
func BenchmarkTowerTorch(b *testing.B) {
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import torch").Run(); err != nil {
		b.Skipf("no torch under %s: %v", py, err)
	}
	cmd := exec.Command(py, "../../scripts/golden_qwenvit.py", "--bench", "3")
	cmd.Env = append(os.Environ(), "THREADS="+os.Getenv("THREADS"))
	if os.Getenv("THREADS") == "" {
		cmd.Env = append(os.Environ(), "THREADS=2")
	}
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("%v: %s", err, out)
	}
	var r struct {
		TorchMS float64 `json:"torch_ms"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		b.Fatalf("%v: %s", err, out)
	}
	for range b.N {
	}
	b.ReportMetric(r.TorchMS, "torch-ms/op")
}
