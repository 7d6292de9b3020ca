package pi3_test

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/dsr4d/dsr4d/nn"
	"github.com/dsr4d/dsr4d/nn/pi3"
	"github.com/dsr4d/dsr4d/vk/vktest"
)

// randSource gives seeded random weights for any name and shape (timing only).
type randSource struct{}

func (randSource) Float32(name string, shape ...int) ([]float32, error) {
	h := fnv.New64a()
	h.Write([]byte(name))
	rng := rand.New(rand.NewPCG(h.Sum64(), 1))
	n, fan := 1, 1
	for i, d := range shape {
		n *= d
		if i > 0 {
			fan *= d
		}
	}
	mean, std := 0.0, 0.02
	switch {
	case len(shape) >= 2 && !strings.Contains(name, "token") && !strings.Contains(name, "pos_embed"):
		std = 1 / math.Sqrt(float64(fan))
	case strings.HasSuffix(name, "gamma"):
		mean, std = 0.1, 0
	case strings.HasSuffix(name, "weight"):
		mean = 1
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(mean + std*rng.NormFloat64())
	}
	return v, nil
}

// benchConfig is π³ at the official widths (encoder, decoder and heads 1024 wide, 16 heads,
// camera 512) with fewer blocks (encoder 4, decoder 4, heads 1 each): every block of a kind
// costs the same, so the per-forward ratio against PyTorch on the same config
// (scripts/golden_pi3.py --bench) is the official model's.
func benchConfig() pi3.Config {
	c := pi3.Official()
	c.Encoder.Depth, c.Depth, c.HeadDepth = 4, 4, 1
	return c
}

func benchForward(b *testing.B, be nn.Backend) {
	m := pi3.New(benchConfig())
	if err := nn.Load(be, randSource{}, m); err != nil {
		b.Fatal(err)
	}
	defer nn.Free(be, m)
	const n, h, w = 2, 224, 224
	imgs := make([]float32, n*3*h*w)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range imgs {
		imgs[i] = rng.Float32()
	}
	if _, err := m.Forward(be, imgs, n, h, w, pi3.Options{}); err != nil { // warm-up: packing, pipelines
		b.Fatal(err)
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
