package pi3_test

import (
	"github.com/dsr4d/dsr4d/nn/nntest"
	"hash/fnv"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dsr4d/dsr4d/nn"
	"github.com/dsr4d/dsr4d/nn/pi3"
	"github.com/dsr4d/dsr4d/pipeline/scene/npy"
	"github.com/dsr4d/dsr4d/vk/vktest"
)

// splitmix returns n uniform values in [-√3, √3) from splitmix64 seeded by FNV-1a of name, the
// numbers scripts/golden_pi3.py draws (so the weights of the bench goldens need not be stored).
func splitmix(name string, n int) []float64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	seed := h.Sum64()
	out := make([]float64, n)
	for i := range out {
		z := seed + uint64(i)*0x9E3779B97F4A7C15
		z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
		z = (z ^ z>>27) * 0x94D049BB133111EB
		z ^= z >> 31
		u := float64(z>>11) * 0x1p-53
		out[i] = (2*u - 1) * math.Sqrt(3)
	}
	return out
}

// mixSource is the weights of golden_pi3.py's splitmix_weights, by its rules.
type mixSource struct{}

func (mixSource) Float32(name string, shape ...int) ([]float32, error) {
	n := 1
	for _, d := range shape {
		n *= d
	}
	r := splitmix(name, n)
	v := make([]float32, n)
	for i, x := range r {
		switch {
		case strings.HasSuffix(name, "gamma"):
			x = 0.5 + 0.1*x
		case strings.HasSuffix(name, "token") || strings.HasSuffix(name, "tokens") || strings.HasSuffix(name, "pos_embed"):
			x = 0.5 * x
		case len(shape) >= 2:
			x /= math.Sqrt(float64(n / shape[0]))
		case strings.HasSuffix(name, "weight"):
			x = 1 + 0.1*x
		default:
			x = 0.1 * x
		}
		v[i] = float32(x)
	}
	return v, nil
}

// benchConfig is π³ at the official widths (encoder, decoder and heads 1024 wide, 16 heads,
// camera 512) with fewer blocks (encoder 4, decoder 4, heads 1 each): every block of a kind
// costs the same, so the per-forward ratio against PyTorch on the same config
// (scripts/golden_pi3.py --bench --time) is the official model's.
func benchConfig() pi3.Config {
	c := pi3.Official()
	c.Encoder.Depth, c.Depth, c.HeadDepth = 4, 4, 1
	return c
}

// benchForward times the forward of benchConfig on 2 frames of 224×224 and holds it to
// PyTorch's outputs on the same weights and frames (testdata/bench_*.npy, every 7th pixel).
func benchForward(b *testing.B, be nn.Backend) {
	m := pi3.New(benchConfig())
	if err := nn.Load(be, mixSource{}, m); err != nil {
		b.Fatal(err)
	}
	defer nn.Free(be, m)
	const n, h, w = 2, 224, 224
	imgs := make([]float32, n*3*h*w)
	for i, x := range splitmix("imgs", len(imgs)) {
		imgs[i] = float32((x/math.Sqrt(3) + 1) / 2)
	}
	out, err := m.Forward(be, imgs, n, h, w, pi3.Options{}) // also the warm-up: packing, pipelines
	if err != nil {
		b.Fatal(err)
	}
	var lp, conf []float32
	for f := range n {
		for y := 0; y < h; y += 7 {
			for x := 0; x < w; x += 7 {
				p := (f*h+y)*w + x
				lp = append(lp, out.LocalPoints[3*p:3*p+3]...)
				conf = append(conf, out.Conf[p])
			}
		}
	}
	for name, got := range map[string][]float32{"local_points": lp, "conf": conf, "camera_poses": out.Poses} {
		a, err := npy.ReadFile(filepath.Join("testdata", "bench_"+name+".npy"))
		if err != nil {
			b.Fatal(err)
		}
		want, err := npy.Values[float32](a)
		if err != nil {
			b.Fatal(err)
		}
		if e := nntest.NMSE(got, want); e > 1e-6 {
			b.Fatalf("%s %s: NMSE %.2e against PyTorch", be.Name(), name, e)
		} else {
			b.Logf("%s %s: NMSE %.2e against PyTorch", be.Name(), name, e)
		}
	}
	b.ResetTimer()
	for range b.N {
		if _, err := m.Forward(be, imgs, n, h, w, pi3.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkForwardCPU(b *testing.B) { benchForward(b, nn.NewCPU()) }

func BenchmarkForwardVulkan(b *testing.B) {
	d := vktest.Open(b)
	g, err := nn.NewVulkan(d)
	if err != nil {
		b.Fatal(err)
	}
	defer g.Close()
	benchForward(b, g)
}
