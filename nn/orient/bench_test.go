package orient

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/dsr4d/dsr4d/internal/resample"
	"github.com/dsr4d/dsr4d/nn"
	"github.com/dsr4d/dsr4d/nn/dinov2"
	"github.com/dsr4d/dsr4d/vk/vktest"
)

// memSource is a checkpoint in memory (random weights for benchmarks).
type memSource map[string]struct {
	shape []int
	data  []float32
}

func (m memSource) Float32(name string, shape ...int) ([]float32, error) {
	t, ok := m[name]
	if !ok {
		return nil, fmt.Errorf("no tensor %q", name)
	}
	return t.data, nil
}

func (m memSource) Shape(name string) ([]int, error) {
	t, ok := m[name]
	if !ok {
		return nil, fmt.Errorf("no tensor %q", name)
	}
	return t.shape, nil
}

// randomSource returns random weights under the released names for c.
func randomSource(c Config, seed uint64) memSource {
	r := rand.New(rand.NewPCG(seed, 1))
	m := memSource{}
	add := func(name string, scale float64, shape ...int) {
		n := 1
		for _, s := range shape {
			n *= s
		}
		d := make([]float32, n)
		for i := range d {
			d[i] = float32(scale * r.NormFloat64())
		}
		m[name] = struct {
			shape []int
			data  []float32
		}{shape, d}
	}
	hf{dinov2.New(c.Encoder)}.Params("", func(p nn.Param) { add(p.Name, 1/math.Sqrt(float64(p.Shape[len(p.Shape)-1])), p.Shape...) })
	for i, in := range []int{c.Encoder.Dim, c.Out} {
		pre := fmt.Sprintf("down_sampler.net%d.", i+1)
		add(pre+"0.weight", 1/math.Sqrt(float64(in)), c.Out, in)
		add(pre+"0.bias", 0.1, c.Out)
		add(pre+"1.weight", 0.2, c.Out)
		add(pre+"1.bias", 0.2, c.Out)
		add(pre+"1.running_mean", 0.2, c.Out)
		add(pre+"1.running_var", 0.1, c.Out)
		v := m[pre+"1.running_var"].data
		for j := range v {
			v[j] = 1 + float32(math.Abs(float64(v[j])))
		}
	}
	return m
}

// BenchmarkVsTorch times the forward pass (crops/s, batch of 4 at 224 px) on the CPU backend,
// on Vulkan and with PyTorch (scripts/bench_orient.py: oneDNN Linears, and plain modules) in
// the same run, alternating. The default size is a reduced ViT (width 192, 4 layers, 3 heads)
// for this loaded 2-core machine; DSR4D_ORIENT_BENCH=small (384, 12, 6) or large (the released
// 1024, 24, 16) times those. Preprocessing (crop, resize, normalise) is timed on its own.
func BenchmarkVsTorch(b *testing.B) {
	c := Config{Encoder: dinov2.Config{Dim: 192, Depth: 4, Heads: 3, Patch: 14, Grid: 37, Offset: 0.1}, Out: Logits}
	switch os.Getenv("DSR4D_ORIENT_BENCH") {
	case "small":
		c.Encoder.Dim, c.Encoder.Depth, c.Encoder.Heads = 384, 12, 6
	case "large":
		c = Large()
	}
	const batch = 4
	src := randomSource(c, 3)
	x := make([]float32, batch*3*Size*Size)
	r := rand.New(rand.NewPCG(4, 4))
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	d := vktest.Open(b)
	g, err := nn.NewVulkan(d)
	if err != nil {
		b.Fatal(err)
	}
	defer g.Close()
	var models []*Model
	for _, be := range []nn.Backend{nn.NewCPU(), g} {
		m, err := Load(be, src, c)
		if err != nil {
			b.Fatal(err)
		}
		defer m.Free()
		if _, err := m.Forward(x, batch); err != nil { // warm-up: packing, pipelines
			b.Fatal(err)
		}
		models = append(models, m)
	}
	const py = "/usr/bin/python3"
	torchOK := exec.Command(py, "-c", "import torch.utils.mkldnn").Run() == nil
	script, _ := filepath.Abs("../../scripts/bench_orient.py")
	for b.Loop() {
		best := map[string]float64{}
		for range 2 {
			for i, m := range models {
				t := time.Now()
				if _, err := m.Forward(x, batch); err != nil {
					b.Fatal(err)
				}
				k := []string{"cpu", "vulkan"}[i]
				best[k] = max(best[k], batch/time.Since(t).Seconds())
			}
			if !torchOK {
				continue
			}
			out, err := exec.Command(py, script, fmt.Sprint(c.Encoder.Dim), fmt.Sprint(c.Encoder.Depth),
				fmt.Sprint(c.Encoder.Heads), fmt.Sprint(batch), "--reps", "1").CombinedOutput()
			if err != nil {
				b.Fatalf("bench_orient.py: %v\n%s", err, out)
			}
			sc := bufio.NewScanner(bytes.NewReader(out))
			for sc.Scan() {
				var impl string
				var n int
				var sec, rate float64
				if _, err := fmt.Sscan(sc.Text(), &impl, &n, &sec, &rate); err != nil {
					b.Fatalf("bench_orient.py output %q: %v", sc.Text(), err)
				}
				best["torch_"+impl] = max(best["torch_"+impl], rate)
			}
		}
		for k, v := range best {
			b.ReportMetric(v, k+"_crops/s")
		}
		if t := best["torch_onednn"]; t > 0 {
			b.ReportMetric(best["cpu"]/t, "cpu/onednn")
			b.ReportMetric(best["vulkan"]/t, "vulkan/onednn")
		}
	}
	if !torchOK {
		b.Logf("PyTorch not timed: %s cannot import torch (apt-get install -y python3-torch)", py)
	}
}

// BenchmarkPreprocess times crop + bicubic resize + normalise of one 1280×720 frame's object.
func BenchmarkPreprocess(b *testing.B) {
	const w, h = 1280, 720
	frame := make([]uint8, w*h*3)
	r := rand.New(rand.NewPCG(5, 5))
	for i := range frame {
		frame[i] = uint8(r.IntN(256))
	}
	mask := make([]bool, w*h)
	for y := 200; y < 560; y++ {
		for x := 500; x < 740; x++ {
			mask[y*w+x] = true
		}
	}
	img := resample.Image{Pix: frame, W: w, H: h, C: 3}
	var x []float32
	for b.Loop() {
		var err error
		if x, err = Preprocess(x[:0], img, mask); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "crops/s")
}
