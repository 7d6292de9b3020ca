package fuse_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dsr4d/dsr4d/pipeline/fuse"
	"github.com/dsr4d/dsr4d/pipeline/scene"
	"github.com/dsr4d/dsr4d/pipeline/synth"
	"github.com/dsr4d/dsr4d/vk/vktest"
)

// randomScene has odd sizes, logits around the threshold, depth plateaus and steps (edges,
// exact ratios), zero depths and random masks.
func randomScene(seed uint64, n, h, w, mw, mh, objects int) *scene.Scene {
	rng := rand.New(rand.NewPCG(seed, 1))
	s := scene.New("rand", n, h, w, mw, mh)
	cmin := fuse.ConfMin()
	for k := range s.Conf {
		switch rng.IntN(4) {
		case 0:
			s.Conf[k] = cmin
		case 1:
			s.Conf[k] = math.Nextafter32(cmin, -10)
		default:
			s.Conf[k] = float32(rng.NormFloat64() * 3)
		}
	}
	for p := range n * h * w {
		z := float32(1 + math.Round(rng.Float64()*6)/100) // steps of 0.01: ratios near 0.03
		switch rng.IntN(12) {
		case 0:
			z = 0
		case 1:
			z = float32(rng.Float64() * 5)
		case 2:
			z = -z
		}
		s.LocalPoints[3*p] = float32(rng.NormFloat64())
		s.LocalPoints[3*p+1] = float32(rng.NormFloat64())
		s.LocalPoints[3*p+2] = z
	}
	for o := 1; o <= objects; o++ {
		s.Objects = append(s.Objects, scene.Object{ID: o, Class: "thing", Agent: o == 1})
		m := make([]bool, n*mw*mh)
		for k := range m {
			m[k] = rng.IntN(3) == 0
		}
		if o == objects { // one object never visible
			clear(m)
		}
		s.Masks[o] = m
	}
	return s
}

func compare(t *testing.T, s *scene.Scene, got, want *fuse.Centres) {
	t.Helper()
	for k, id := range want.IDs {
		for i := range s.N {
			if got.Count[k][i] != want.Count[k][i] {
				t.Fatalf("object %d frame %d: count %d, CPU %d", id, i, got.Count[k][i], want.Count[k][i])
			}
			for j := range 3 {
				g, w := got.Sum[k][i][j], want.Sum[k][i][j]
				if math.Abs(g-w) > 1e-6*(1+float64(want.Count[k][i])) {
					t.Errorf("object %d frame %d axis %d: sum %v, CPU %v", id, i, j, g, w)
				}
			}
		}
	}
}

func TestVulkanMatchesCPU(t *testing.T) {
	d := vktest.Open(t)
	v, err := fuse.NewVulkan(d)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Release()
	for _, c := range []struct{ n, h, w, mw, mh, obj int }{
		{1, 1, 1, 1, 1, 1}, {2, 5, 7, 33, 17, 3}, {3, 8, 8, 82, 65, 2}, {2, 17, 13, 13, 17, 4}, {1, 9, 31, 127, 40, 2},
	} {
		s := randomScene(uint64(c.n*1000+c.w), c.n, c.h, c.w, c.mw, c.mh, c.obj)
		valid, err := v.Valid(s)
		if err != nil {
			t.Fatal(err)
		}
		for i := range s.N {
			want := s.ValidMask(i, nil)
			for p := range want {
				if valid[i][p] != want[p] {
					t.Fatalf("%+v frame %d pixel %d: valid %v, CPU %v (conf %v z %v)", c, i, p, valid[i][p], want[p], s.Conf[i*s.H*s.W+p], s.LocalPoints[3*(i*s.H*s.W+p)+2])
				}
			}
		}
		got, err := v.Centres(s)
		if err != nil {
			t.Fatal(err)
		}
		compare(t, s, got, fuse.CPU(s, 2))
	}
}

func TestVulkanMatchesCPUSynthetic(t *testing.T) {
	d := vktest.Open(t)
	cfg := synth.DefaultConfig()
	cfg.Frames, cfg.Size, cfg.PointsSize = 6, [2]int{200, 120}, [2]int{97, 55}
	r, err := synth.Generate(cfg, synth.CPU{})
	if err != nil {
		t.Fatal(err)
	}
	v, err := fuse.NewVulkan(d)
	if err != nil {
		t.Fatal(err)
	}
	got, err := v.Centres(r.Scene)
	if err != nil {
		t.Fatal(err)
	}
	compare(t, r.Scene, got, fuse.CPU(r.Scene, 0))
}

func TestConfMin(t *testing.T) {
	c := fuse.ConfMin()
	s := func(x float32) bool { return float32(1/(1+math.Exp(-float64(x)))) > scene.ConfThreshold }
	if !s(c) || s(math.Nextafter32(c, -10)) {
		t.Fatalf("ConfMin %v is not the threshold", c)
	}
}

func TestWorldCloud(t *testing.T) {
	s := randomScene(3, 2, 4, 5, 5, 4, 1)
	pts := fuse.WorldCloud(s, 1, nil)
	n := 0
	for _, ok := range s.ValidMask(1, nil) {
		if ok {
			n++
		}
	}
	if len(pts) != 3*n {
		t.Fatalf("%d values, want %d", len(pts), 3*n)
	}
}
