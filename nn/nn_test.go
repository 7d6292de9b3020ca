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

// env runs every op on the reference backend (float64 accumulation) and on the product
// backends, CPU and Vulkan, and compares.
type env struct {
	t     *testing.T
	bes   []nn.Backend // ref, cpu, vulkan, vulkan with the tiled (GPU) schedules
	names []string
	rng   *rand.Rand
	worst map[string]float64 // worst NMSE per op and backend, reported at the end
}

func newEnv(t *testing.T) *env {
	d := vktest.Open(t)
	g, err := nn.NewVulkan(d)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, g.Close()) })
	// A first tensor so that every later one sits at a non-zero offset of its memory block.
	g.Zeros(3)
	tiled, err := nn.NewVulkan(d)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, tiled.Close()) })
	g.Tiled, tiled.Tiled = false, true
	e := &env{t: t, bes: []nn.Backend{nn.NewRef(), nn.NewCPU(), g, tiled}, names: []string{"ref", "cpu", "vulkan", "vulkan-tiled"},
		rng: rand.New(rand.NewPCG(7, 11)), worst: map[string]float64{}}
	t.Cleanup(func() {
		for op, w := range e.worst {
			t.Logf("worst NMSE %-16s %.3g", op, w)
		}
	})
	return e
}

// arg is one input on every backend.
type arg []*nn.Tensor

func (e *env) data(data []float32, shape ...int) arg {
	a := arg{}
	for _, be := range e.bes {
		a = append(a, be.New(data, shape...))
	}
	return a
}

func (e *env) rand(scale float64, shape ...int) arg {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return e.data(random(e.rng, n, scale), shape...)
}

func read(t *testing.T, be nn.Backend, x *nn.Tensor) []float32 {
	t.Helper()
	v, err := be.Read(x)
	require.NoError(t, err)
	return v
}

// check runs f on every backend and compares CPU and Vulkan with the reference; it returns the
// reference's result.
func (e *env) check(op, name string, tol float64, f func(be nn.Backend, x []*nn.Tensor) *nn.Tensor, args ...arg) []float32 {
	e.t.Helper()
	var want []float32
	var wantShape []int
	for i, be := range e.bes {
		x := make([]*nn.Tensor, len(args))
		for j, a := range args {
			if a != nil {
				x[j] = a[i]
			}
		}
		out := f(be, x)
		got := read(e.t, be, out)
		be.Release(out)
		if i == 0 {
			want, wantShape = got, out.Shape()
			continue
		}
		require.Equal(e.t, wantShape, out.Shape(), name)
		w64 := make([]float64, len(want))
		for i, v := range want {
			w64[i] = float64(v)
		}
		nmse := ops.NMSE(got, w64)
		key := op + "/" + e.names[i]
		e.worst[key] = max(e.worst[key], nmse)
		if !(nmse <= tol) {
			e.t.Errorf("%s %s: NMSE %.3g > %.0g", e.names[i], name, nmse, tol)
		}
	}
	return want
}

var rowShapes = [][2]int{{1, 1}, {7, 33}, {33, 7}, {65, 127}, {3, 257}, {257, 1}, {32, 64}, {8, 256}}

func TestLinear(t *testing.T) {
	e := newEnv(t)
	for _, s := range [][3]int{{1, 1, 1}, {7, 33, 65}, {33, 7, 127}, {65, 257, 33}, {1, 127, 257}, {32, 64, 64}, {64, 96, 128}} {
		m, n, k := s[0], s[1], s[2]
		x, w, b := e.rand(1, m, k), e.rand(1, n, k), e.rand(1, n)
		lin := func(be nn.Backend, x []*nn.Tensor) *nn.Tensor { return be.Linear(x[0], x[1], x[2]) }
		got := e.check("Linear", fmt.Sprintf("Linear %v bias", s), tolMatMul, lin, x, w, b)
		e.check("Linear", fmt.Sprintf("Linear %v", s), tolMatMul, lin, x, w, nil)
		// The reference against vk/ops' float64 reference.
		ref := e.bes[0]
		want := ops.MatMulRef(read(t, ref, x[0]), read(t, ref, w[0]), read(t, ref, b[0]), m, n, k, true)
		if nmse := ops.NMSE(got, want); nmse > 1e-12 {
			t.Errorf("ref Linear %v: NMSE %.3g against MatMulRef", s, nmse)
		}
	}
}

func TestRowOps(t *testing.T) {
	e := newEnv(t)
	for _, s := range rowShapes {
		r, c := s[0], s[1]
		name := fmt.Sprintf("%dx%d", r, c)
		x, w, b, y := e.rand(2, r, c), e.rand(1, c), e.rand(1, c), e.rand(2, r, c)
		for op, f := range map[string]func(be nn.Backend, x []*nn.Tensor) *nn.Tensor{
			"RMSNorm":   func(be nn.Backend, x []*nn.Tensor) *nn.Tensor { return be.RMSNorm(x[0], x[1], 1e-6) },
			"LayerNorm": func(be nn.Backend, x []*nn.Tensor) *nn.Tensor { return be.LayerNorm(x[0], x[1], x[2], 1e-5) },
			"Softmax":   func(be nn.Backend, x []*nn.Tensor) *nn.Tensor { return be.Softmax(x[0]) },
			"GELU":      func(be nn.Backend, x []*nn.Tensor) *nn.Tensor { return be.GELU(x[0], false) },
			"GELUTanh":  func(be nn.Backend, x []*nn.Tensor) *nn.Tensor { return be.GELU(x[0], true) },
			"SiLU":      func(be nn.Backend, x []*nn.Tensor) *nn.Tensor { return be.SiLU(x[0]) },
			"SwiGLU":    func(be nn.Backend, x []*nn.Tensor) *nn.Tensor { return be.SwiGLU(x[0], x[3]) },
			"Add":       func(be nn.Backend, x []*nn.Tensor) *nn.Tensor { return be.Add(x[0], x[3]) },
			"ScaleCols": func(be nn.Backend, x []*nn.Tensor) *nn.Tensor { return be.ScaleCols(x[0], x[1]) },
			"Repeat":    func(be nn.Backend, x []*nn.Tensor) *nn.Tensor { return be.RepeatRows(x[0], 3) },
		} {
			e.check(op, op+" "+name, tolElementwise, f, x, w, b, y)
		}
	}
}

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
	e := newEnv(t)
	for _, s := range [][4]int{{1, 1, 2, 1}, {7, 3, 8, 1}, {33, 2, 16, 1}, {65, 4, 12, 1}, {127, 1, 64, 1}, {32, 2, 128, 1},
		{5, 2, 8, 2}, {33, 3, 64, 2}, {17, 1, 12, 2}} {
		rows, heads, hd, parts := s[0], s[1], s[2], s[3]
		var cs, sn []float32
		var err error
		if parts == 1 {
			pos := make([][3]float32, rows)
			for i := range pos {
				pos[i] = [3]float32{float32(i / 4 * 3), float32(i % 4), float32(i % 3)}
			}
			q := hd / 2
			cs, sn, err = nn.MRoPETable(pos, hd, 1e6, [3]int{q - 2*(q/3), q / 3, q / 3})
		} else {
			pos := make([][2]float32, rows)
			for i := range pos {
				pos[i] = [2]float32{float32(i / 5), float32(i % 5)}
			}
			cs, sn, err = nn.RoPE2DTable(pos, hd, 100)
		}
		require.NoError(t, err)
		c, sTab, x := e.data(cs, rows, hd), e.data(sn, rows, hd), e.rand(1, rows, heads*hd)
		got := e.check("RoPE", fmt.Sprintf("RoPE %v", s), tolElementwise, func(be nn.Backend, x []*nn.Tensor) *nn.Tensor {
			return be.RoPE(x[0], nn.Rotary{Cos: x[1], Sin: x[2], Parts: parts}, heads)
		}, x, c, sTab)
		// The reference against the textbook rotation: pairs (i, i + pd/2) of each part by angle θ.
		xs := read(t, e.bes[0], x[0])
		pd := hd / parts
		for r := range rows {
			for h := range heads {
				for p := range parts {
					for i := range pd / 2 {
						a, b := (r*heads+h)*hd+p*pd+i, (r*heads+h)*hd+p*pd+i+pd/2
						ti := r*hd + p*pd + i
						require.InDelta(t, float64(xs[a])*float64(cs[ti])-float64(xs[b])*float64(sn[ti]), got[a], 1e-5)
						require.InDelta(t, float64(xs[b])*float64(cs[ti])+float64(xs[a])*float64(sn[ti]), got[b], 1e-5)
					}
				}
			}
		}
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
	// Qwen2.5-VL vision, head dim 8, patch (row 3, col 7): inv_freq = 10000^(−2j/4), j < 2; dims
	// 0,1 by row, 2,3 by col, then repeated.
	cs, _, err = nn.VisionRoPETable([][2]float32{{3, 7}}, 8, 10000)
	require.NoError(t, err)
	for d := range 8 {
		pos := []float64{3, 3, 7, 7}[d%4]
		require.InDelta(t, math.Cos(pos/math.Pow(10000, float64(2*(d%2))/4)), cs[d], 1e-6, "vision dim %d", d)
	}
	// RoPE2D, head dim 8, position (y 2, x 5): dims 0..3 rotate by y with inv_freq 100^(−j/2)
	// over j < 2 (duplicated), dims 4..7 by x.
	cs, _, err = nn.RoPE2DTable([][2]float32{{2, 5}}, 8, 100)
	require.NoError(t, err)
	for d := range 8 {
		pos := 2.0
		if d >= 4 {
			pos = 5
		}
		require.InDelta(t, math.Cos(pos/math.Pow(100, float64(d%2)/2)), cs[d], 1e-6, "dim %d", d)
	}
}

func sum(x []int) int {
	s := 0
	for _, v := range x {
		s += v
	}
	return s
}

type attnCase struct {
	heads, kv, hd int
	qLens, kLens  []int
	causal        bool
	scale         float32
}

func TestAttention(t *testing.T) {
	e := newEnv(t)
	cases := []attnCase{
		{1, 1, 4, []int{1}, []int{1}, false, 0},
		{4, 2, 8, []int{7}, []int{33}, false, 0},
		{4, 2, 16, []int{33}, []int{257}, false, 0},
		{2, 1, 6, []int{65}, []int{127}, false, 0},        // scalar (non-vec4) path
		{4, 4, 12, []int{32, 32}, []int{7, 65}, false, 0}, // two samples, block-diagonal
		{6, 2, 8, []int{1, 33, 7}, []int{17, 1, 257}, false, 0.3},
		{4, 1, 128, []int{32}, []int{40}, false, 0},         // official head dim
		{4, 2, 16, []int{37}, []int{37}, true, 0},           // causal prefill
		{4, 2, 16, []int{1}, []int{29}, true, 0},            // decoding step over a cache
		{2, 2, 8, []int{5, 3, 9}, []int{5, 11, 9}, true, 0}, // causal windows, one with a prefix
		{2, 1, 10, []int{0, 4}, []int{3, 4}, false, 0},      // a window with keys but no queries
	}
	for _, c := range cases {
		nq, nk := sum(c.qLens), sum(c.kLens)
		q, k, v := e.rand(1, nq, c.heads*c.hd), e.rand(1, nk, c.kv*c.hd), e.rand(1, nk, c.kv*c.hd)
		o := nn.AttnOpts{Heads: c.heads, KVHeads: c.kv, QLens: c.qLens, KLens: c.kLens, Causal: c.causal, Scale: c.scale}
		got := e.check("Attention", fmt.Sprintf("Attention %+v", c), tolMatMul, func(be nn.Backend, x []*nn.Tensor) *nn.Tensor {
			return be.Attention(x[0], x[1], x[2], o)
		}, q, k, v)
		ref := e.bes[0]
		checkAttentionNaive(t, got, read(t, ref, q[0]), read(t, ref, k[0]), read(t, ref, v[0]), c)
	}
}

// checkAttentionNaive compares the reference attention with the materialised form in float64:
// each sample's block of scores under the mask, softmax over it, times V — with KV heads
// repeated, as repeat_kv does.
func checkAttentionNaive(t *testing.T, got, Q, K, V []float32, c attnCase) {
	t.Helper()
	hd := c.hd
	scale := float64(c.scale)
	if scale == 0 {
		scale = 1 / math.Sqrt(float64(hd))
	}
	want := make([]float64, len(got))
	q0, k0 := 0, 0
	for s := range c.qLens {
		ql, kl := c.qLens[s], c.kLens[s]
		for h := range c.heads {
			kh := h / (c.heads / c.kv)
			for i := range ql {
				n := kl
				if c.causal {
					n = kl - ql + i + 1
				}
				scores := make([]float64, n)
				m := math.Inf(-1)
				for j := range n {
					var d float64
					for e := range hd {
						d += float64(Q[((q0+i)*c.heads+h)*hd+e]) * float64(K[((k0+j)*c.kv+kh)*hd+e])
					}
					scores[j] = d * scale
					m = max(m, scores[j])
				}
				var l float64
				for j := range scores {
					scores[j] = math.Exp(scores[j] - m)
					l += scores[j]
				}
				for j, p := range scores {
					for e := range hd {
						want[((q0+i)*c.heads+h)*hd+e] += p / l * float64(V[((k0+j)*c.kv+kh)*hd+e])
					}
				}
			}
		}
		q0 += ql
		k0 += kl
	}
	if nmse := ops.NMSE(got, want); nmse > 1e-12 {
		t.Errorf("reference attention %+v vs materialised: NMSE %.3g", c, nmse)
	}
}

// TestAttentionNaN: a NaN in a query row makes that row NaN and leaves the others, the same on
// every backend (issue 12, defect 7); a NaN value reaches exactly the queries that see it.
func TestAttentionNaN(t *testing.T) {
	e := newEnv(t)
	const heads, hd, n = 2, 8, 9
	qs, ks, vs := random(e.rng, n*heads*hd, 1), random(e.rng, n*heads*hd, 1), random(e.rng, n*heads*hd, 1)
	qs[3*heads*hd+1] = float32(math.NaN())  // query row 3, head 0
	vs[5*heads*hd+hd] = float32(math.NaN()) // key 5, head 1
	q, k, v := e.data(qs, n, heads*hd), e.data(ks, n, heads*hd), e.data(vs, n, heads*hd)
	for be, b := range e.bes {
		out := read(t, b, b.Attention(q[be], k[be], v[be], nn.AttnOpts{Heads: heads, KVHeads: heads, Causal: true, QLens: []int{n}, KLens: []int{n}}))
		for i := range n {
			for h := range heads {
				x := out[(i*heads+h)*hd : (i*heads+h+1)*hd]
				for d, y := range x {
					wantNaN := (i == 3 && h == 0) || (h == 1 && i >= 5 && d == 0)
					require.Equal(t, wantNaN, math.IsNaN(float64(y)), "%s row %d head %d: %v", e.names[be], i, h, x)
				}
			}
		}
	}
}

func TestEmbedding(t *testing.T) {
	e := newEnv(t)
	for _, s := range [][2]int{{1, 1}, {33, 7}, {257, 65}} {
		ids := make([]int, 40)
		for i := range ids {
			ids[i] = e.rng.IntN(s[0])
		}
		e.check("Embedding", fmt.Sprintf("Embedding %v", s), 0, func(be nn.Backend, x []*nn.Tensor) *nn.Tensor {
			return be.Embedding(x[0], ids)
		}, e.rand(1, s[0], s[1]))
	}
}

func TestShapeErrorPanics(t *testing.T) {
	c := nn.NewCPU()
	defer func() {
		r := recover()
		require.NotNil(t, r)
		se, ok := r.(*nn.ShapeError)
		require.True(t, ok, "%v", r)
		require.Contains(t, se.Error(), "Linear")
	}()
	c.Linear(c.Zeros(2, 3), c.Zeros(4, 5), nil)
}
