package nn_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dsr4d/dsr4d/nn"
	"github.com/dsr4d/dsr4d/vk/ops"
	"github.com/dsr4d/dsr4d/vk/vktest"
)

// Tolerances from DESIGN.md (NMSE).
const (
	tolElementwise = 1e-6
	tolMatMul      = 5e-4
)

func random(rng *rand.Rand, n int, scale float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(scale * rng.NormFloat64())
	}
	return x
}

type pair struct {
	t   *testing.T
	cpu *nn.CPU
	gpu *nn.Vulkan
	rng *rand.Rand
	// worst NMSE per op, reported at the end
	worst map[string]float64
}

func newPair(t *testing.T) *pair {
	d := vktest.Open(t)
	g, err := nn.NewVulkan(d)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, g.Close()) })
	// A first tensor so that every later one sits at a non-zero offset of its memory block.
	g.Zeros(3)
	p := &pair{t: t, cpu: nn.NewCPU(), gpu: g, rng: rand.New(rand.NewPCG(7, 11)), worst: map[string]float64{}}
	t.Cleanup(func() {
		for op, w := range p.worst {
			t.Logf("worst NMSE %-10s %.3g", op, w)
		}
	})
	return p
}

// both makes the same tensor on the two backends.
func (p *pair) both(data []float32, shape ...int) (*nn.Tensor, *nn.Tensor) {
	return p.cpu.New(data, shape...), p.gpu.New(data, shape...)
}

func (p *pair) rand(scale float64, shape ...int) (*nn.Tensor, *nn.Tensor) {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return p.both(random(p.rng, n, scale), shape...)
}

func (p *pair) check(op, name string, want, got *nn.Tensor, tol float64) {
	p.t.Helper()
	w, err := p.cpu.Read(want)
	require.NoError(p.t, err)
	g, err := p.gpu.Read(got)
	require.NoError(p.t, err)
	require.Equal(p.t, want.Shape(), got.Shape(), name)
	w64 := make([]float64, len(w))
	for i, v := range w {
		w64[i] = float64(v)
	}
	nmse := ops.NMSE(g, w64)
	p.worst[op] = max(p.worst[op], nmse)
	if !(nmse <= tol) {
		p.t.Errorf("%s: NMSE %.3g > %.0g", name, nmse, tol)
	}
	p.gpu.Release(got)
}

var rowShapes = [][2]int{{1, 1}, {7, 33}, {33, 7}, {65, 127}, {3, 257}, {257, 1}, {32, 64}, {8, 256}}

func TestLinear(t *testing.T) {
	p := newPair(t)
	for _, s := range [][3]int{{1, 1, 1}, {7, 33, 65}, {33, 7, 127}, {65, 257, 33}, {1, 127, 257}, {32, 64, 64}, {64, 96, 128}} {
		m, n, k := s[0], s[1], s[2]
		xc, xg := p.rand(1, m, k)
		wc, wg := p.rand(1, n, k)
		bc, bg := p.rand(1, n)
		p.check("Linear", fmt.Sprintf("Linear %v bias", s), p.cpu.Linear(xc, wc, bc), p.gpu.Linear(xg, wg, bg), tolMatMul)
		p.check("Linear", fmt.Sprintf("Linear %v", s), p.cpu.Linear(xc, wc, nil), p.gpu.Linear(xg, wg, nil), tolMatMul)
		// The CPU backend against vk/ops' float64 reference.
		xs, _ := p.cpu.Read(xc)
		ws, _ := p.cpu.Read(wc)
		bs, _ := p.cpu.Read(bc)
		got, _ := p.cpu.Read(p.cpu.Linear(xc, wc, bc))
		if nmse := ops.NMSE(got, ops.MatMulRef(xs, ws, bs, m, n, k, true)); nmse > 1e-10 {
			t.Errorf("CPU Linear %v: NMSE %.3g against MatMulRef", s, nmse)
		}
	}
}

func TestRowOps(t *testing.T) {
	p := newPair(t)
	for _, s := range rowShapes {
		r, c := s[0], s[1]
		name := fmt.Sprintf("%dx%d", r, c)
		xc, xg := p.rand(2, r, c)
		wc, wg := p.rand(1, c)
		bc, bg := p.rand(1, c)
		p.check("RMSNorm", "RMSNorm "+name, p.cpu.RMSNorm(xc, wc, 1e-6), p.gpu.RMSNorm(xg, wg, 1e-6), tolElementwise)
		p.check("LayerNorm", "LayerNorm "+name, p.cpu.LayerNorm(xc, wc, bc, 1e-5), p.gpu.LayerNorm(xg, wg, bc2(bg), 1e-5), tolElementwise)
		p.check("Softmax", "Softmax "+name, p.cpu.Softmax(xc), p.gpu.Softmax(xg), tolElementwise)
		p.check("GELU", "GELU "+name, p.cpu.GELU(xc, false), p.gpu.GELU(xg, false), tolElementwise)
		p.check("GELUTanh", "GELUTanh "+name, p.cpu.GELU(xc, true), p.gpu.GELU(xg, true), tolElementwise)
		p.check("SiLU", "SiLU "+name, p.cpu.SiLU(xc), p.gpu.SiLU(xg), tolElementwise)
		yc, yg := p.rand(2, r, c)
		p.check("SwiGLU", "SwiGLU "+name, p.cpu.SwiGLU(xc, yc), p.gpu.SwiGLU(xg, yg), tolElementwise)
		p.check("Add", "Add "+name, p.cpu.Add(xc, yc), p.gpu.Add(xg, yg), tolElementwise)
		p.check("Repeat", "RepeatRows "+name, p.cpu.RepeatRows(xc, 3), p.gpu.RepeatRows(xg, 3), 0)
		_ = bc
	}
}

func bc2(t *nn.Tensor) *nn.Tensor { return t }

func TestActivationRefs(t *testing.T) {
	// gelu(x) = x·Φ(x), Φ(1) = 0.841344746; silu(x) = x/(1+e^−x).
	for _, c := range []struct{ x, gelu, tanh, silu float64 }{
		{1, 0.841344746, 0.841191990, 0.731058579},
		{-3, -3 * 0.001349898, -0.003637392, -3 / (1 + math.Exp(3))},
	} {
		require.InDelta(t, c.gelu, nn.GELURef(c.x, false), 1e-6)
		require.InDelta(t, c.tanh, nn.GELURef(c.x, true), 1e-6)
		require.InDelta(t, c.silu, nn.SiLURef(c.x), 1e-6)
	}
}

func TestRoPE(t *testing.T) {
	p := newPair(t)
	for _, s := range [][3]int{{1, 1, 2}, {7, 3, 8}, {33, 2, 16}, {65, 4, 12}, {127, 1, 64}, {32, 2, 128}} {
		rows, heads, hd := s[0], s[1], s[2]
		pos := make([][3]float32, rows)
		for i := range pos {
			pos[i] = [3]float32{float32(i / 4 * 3), float32(i % 4), float32(i % 3)}
		}
		q := hd / 2
		sections := [3]int{q - 2*(q/3), q / 3, q / 3}
		cs, sn, err := nn.MRoPETable(pos, hd, 1e6, sections)
		require.NoError(t, err)
		cc, cg := p.both(cs, rows, hd)
		sc, sg := p.both(sn, rows, hd)
		xc, xg := p.rand(1, rows, heads*hd)
		p.check("RoPE", fmt.Sprintf("RoPE %v", s), p.cpu.RoPE(xc, cc, sc, heads), p.gpu.RoPE(xg, cg, sg, heads), tolElementwise)
	}
}

func TestMRoPETable(t *testing.T) {
	// Sections (1, 2, 1) of head dim 8: dims 0..7 take axes t h h w t h h w.
	cs, sn, err := nn.MRoPETable([][3]float32{{1, 2, 3}}, 8, 10000, [3]int{1, 2, 1})
	require.NoError(t, err)
	axes := []int{0, 1, 1, 2, 0, 1, 1, 2}
	p := []float64{1, 2, 3}
	for d, a := range axes {
		inv := 1 / math.Pow(10000, float64(2*(d%4))/8)
		require.InDelta(t, math.Cos(p[a]*inv), cs[d], 1e-6, "dim %d", d)
		require.InDelta(t, math.Sin(p[a]*inv), sn[d], 1e-6, "dim %d", d)
	}
	_, _, err = nn.MRoPETable(nil, 8, 1e6, [3]int{1, 1, 1})
	require.Error(t, err)
}

func TestAttention(t *testing.T) {
	p := newPair(t)
	type tc struct {
		heads, kv, hd int
		qLens, kLens  []int
	}
	cases := []tc{
		{1, 1, 4, []int{1}, []int{1}},
		{4, 2, 8, []int{7}, []int{33}},
		{4, 2, 16, []int{33}, []int{257}},
		{2, 1, 6, []int{65}, []int{127}},        // scalar (non-vec4) path
		{4, 4, 12, []int{32, 32}, []int{7, 65}}, // two samples, block-diagonal
		{6, 2, 8, []int{1, 33, 7}, []int{17, 1, 257}},
		{4, 1, 128, []int{32}, []int{40}}, // official head dim
	}
	for _, c := range cases {
		nq, nk := sum(c.qLens), sum(c.kLens)
		qc, qg := p.rand(1, nq, c.heads*c.hd)
		kc, kg := p.rand(1, nk, c.kv*c.hd)
		vc, vg := p.rand(1, nk, c.kv*c.hd)
		name := fmt.Sprintf("Attention %+v", c)
		want := p.cpu.Attention(qc, kc, vc, c.heads, c.kv, c.qLens, c.kLens)
		p.check("Attention", name, want, p.gpu.Attention(qg, kg, vg, c.heads, c.kv, c.qLens, c.kLens), tolMatMul)
		checkAttentionNaive(t, p.cpu, want, qc, kc, vc, c.heads, c.kv, c.qLens, c.kLens)
	}
}

func sum(x []int) int {
	s := 0
	for _, v := range x {
		s += v
	}
	return s
}

// checkAttentionNaive compares the CPU attention with the materialised form: each sample's block
// of scores, softmax over it (Softmax op), times V — with KV heads repeated, as repeat_kv does.
func checkAttentionNaive(t *testing.T, c *nn.CPU, got, q, k, v *nn.Tensor, heads, kv int, qLens, kLens []int) {
	t.Helper()
	Q, _ := c.Read(q)
	K, _ := c.Read(k)
	V, _ := c.Read(v)
	G, _ := c.Read(got)
	hd := q.Cols() / heads
	want := make([]float64, len(G))
	q0, k0 := 0, 0
	for s := range qLens {
		for h := range heads {
			kh := h / (heads / kv)
			for i := q0; i < q0+qLens[s]; i++ {
				scores := make([]float32, kLens[s])
				for j := range kLens[s] {
					var d float64
					for e := range hd {
						d += float64(Q[(i*heads+h)*hd+e]) * float64(K[((k0+j)*kv+kh)*hd+e])
					}
					scores[j] = float32(d / math.Sqrt(float64(hd)))
				}
				pr, _ := c.Read(c.Softmax(c.New(scores, 1, len(scores))))
				for j, pj := range pr {
					for e := range hd {
						want[(i*heads+h)*hd+e] += float64(pj) * float64(V[((k0+j)*kv+kh)*hd+e])
					}
				}
			}
		}
		q0 += qLens[s]
		k0 += kLens[s]
	}
	if nmse := ops.NMSE(G, want); nmse > 1e-10 {
		t.Errorf("CPU attention vs materialised: NMSE %.3g", nmse)
	}
}

func TestEmbedding(t *testing.T) {
	p := newPair(t)
	for _, s := range [][2]int{{1, 1}, {33, 7}, {257, 65}} {
		tc, tg := p.rand(1, s[0], s[1])
		ids := make([]int, 40)
		for i := range ids {
			ids[i] = p.rng.IntN(s[0])
		}
		p.check("Embedding", fmt.Sprintf("Embedding %v", s), p.cpu.Embedding(tc, ids), p.gpu.Embedding(tg, ids), 0)
	}
}

func TestShapeErrorPanics(t *testing.T) {
	c := nn.NewCPU()
	defer func() {
		var se *nn.ShapeError
		r := recover()
		require.NotNil(t, r)
		se, ok := r.(*nn.ShapeError)
		require.True(t, ok, "%v", r)
		require.Contains(t, se.Error(), "Linear")
	}()
	c.Linear(c.Zeros(2, 3), c.Zeros(4, 5), nil)
}
