package kern

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// attendRef is attention in float64 with an explicit score row per query.
func attendRef(q, k, v []float32, p Attention) []float64 {
	out := make([]float64, p.Lq*p.H*p.D)
	g := p.H / p.Hkv
	for i := 0; i < p.Lq; i++ {
		pos := i + p.Lk - p.Lq
		for h := 0; h < p.H; h++ {
			hk := h / g
			var w []float64
			var js []int
			for j := 0; j < p.Lk; j++ {
				if p.Causal && j > pos {
					continue
				}
				if p.Segments != nil && segOf(p.Segments, j) != segOf(p.Segments, pos) {
					continue
				}
				var s float64
				for dd := 0; dd < p.D; dd++ {
					s += float64(q[(i*p.H+h)*p.D+dd]) * float64(k[(j*p.Hkv+hk)*p.D+dd])
				}
				w = append(w, s*float64(p.Scale))
				js = append(js, j)
			}
			m := math.Inf(-1)
			for _, s := range w {
				m = math.Max(m, s)
			}
			var l float64
			for n := range w {
				w[n] = math.Exp(w[n] - m)
				l += w[n]
			}
			for n, j := range js {
				for dd := 0; dd < p.D; dd++ {
					out[(i*p.H+h)*p.D+dd] += w[n] / l * float64(v[(j*p.Hkv+hk)*p.D+dd])
				}
			}
		}
	}
	return out
}

func segOf(segs [][2]int, j int) int {
	for n, s := range segs {
		if j >= s[0] && j < s[1] {
			return n
		}
	}
	return -1
}

func TestAttendMatchesFloat64(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	cases := []Attention{
		{Lq: 1, Lk: 1, H: 1, Hkv: 1, D: 1},
		{Lq: 7, Lk: 7, H: 2, Hkv: 1, D: 33},
		{Lq: 65, Lk: 65, H: 4, Hkv: 2, D: 64, Causal: true},
		{Lq: 1, Lk: 127, H: 4, Hkv: 1, D: 80, Causal: true},  // one decoding step on a KV cache
		{Lq: 33, Lk: 130, H: 3, Hkv: 3, D: 16, Causal: true}, // a prefill chunk after a cache
		{Lq: 127, Lk: 127, H: 2, Hkv: 2, D: 40, Segments: [][2]int{{0, 1}, {1, 65}, {65, 127}}},
		{Lq: 100, Lk: 100, H: 2, Hkv: 1, D: 7, Causal: true, Segments: [][2]int{{0, 33}, {33, 100}}},
		{Lq: 20, Lk: 300, H: 1, Hkv: 1, D: 128},            // cross attention
		{Lq: 9, Lk: 5, H: 2, Hkv: 1, D: 16, Causal: true},  // the first 4 queries see no key: zeros
		{Lq: 5, Lk: 5, H: 14, Hkv: 2, D: 64, Causal: true}, // 7 heads a kv head: 35 rows, packed path
	}
	for _, kern := range kernels() {
		name := kern.name
		for _, p := range cases {
			p.Scale = float32(1 / math.Sqrt(float64(p.D)))
			t.Run(fmt.Sprintf("%s/%+v", name, p), func(t *testing.T) {
				defer func(k microKernel) { kernel = k }(kernel)
				kernel = kern
				q, k, v := randSlice(r, p.Lq*p.H*p.D), randSlice(r, p.Lk*p.Hkv*p.D), randSlice(r, p.Lk*p.Hkv*p.D)
				out := make([]float32, len(q))
				for i := range out {
					out[i] = 99 // Attend must not read what was there
				}
				Attend(out, q, k, v, p)
				checkClose(t, "out", out, attendRef(q, k, v, p), 2e-6, 2e-5)
			})
		}
	}
}

func TestAttendNaNPropagates(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	// 70 queries: the packed path; 3 queries (6 rows of a KV head): the direct path.
	for _, p := range []Attention{{Lq: 70, Lk: 70, H: 2, Hkv: 1, D: 16, Scale: 0.25, Causal: true},
		{Lq: 3, Lk: 12, H: 2, Hkv: 1, D: 16, Scale: 0.25, Causal: true}} {
		for _, in := range []string{"k", "v"} {
			q, k, v := randSlice(r, p.Lq*p.H*p.D), randSlice(r, p.Lk*p.D), randSlice(r, p.Lk*p.D)
			map[string][]float32{"k": k, "v": v}[in][10*p.D+3] = float32(math.NaN()) // key 10: seen from position 10 on
			out := make([]float32, len(q))
			Attend(out, q, k, v, p)
			for i := 0; i < p.Lq; i++ {
				for n := 0; n < p.H*p.D; n++ {
					got := out[i*p.H*p.D+n]
					// A NaN key poisons the whole softmax row; a NaN value only its own column.
					want := i+p.Lk-p.Lq >= 10 && (in == "k" || n%p.D == 3)
					if math.IsNaN(float64(got)) != want {
						t.Fatalf("Lq=%d, NaN in %s: query %d value %d = %v", p.Lq, in, i, n, got)
					}
				}
			}
		}
	}
}

// TestAttendReadsFusedQKV runs the same attention on q, k, v copied into one fused projection
// output, [L × (H+2·Hkv)·D], through row strides.
func TestAttendReadsFusedQKV(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	for _, p := range []Attention{{Lq: 50, Lk: 50, H: 4, Hkv: 2, D: 24, Scale: 0.2, Causal: true},
		{Lq: 5, Lk: 5, H: 1, Hkv: 1, D: 8, Scale: 0.3}} {
		q, k, v := randSlice(r, p.Lq*p.H*p.D), randSlice(r, p.Lk*p.Hkv*p.D), randSlice(r, p.Lk*p.Hkv*p.D)
		want := make([]float32, len(q))
		Attend(want, q, k, v, p)
		qw, kw := p.H*p.D, p.Hkv*p.D
		row := qw + 2*kw
		qkv := make([]float32, p.Lq*row)
		for i := 0; i < p.Lq; i++ {
			copy(qkv[i*row:], q[i*qw:(i+1)*qw])
			copy(qkv[i*row+qw:], k[i*kw:(i+1)*kw])
			copy(qkv[i*row+qw+kw:], v[i*kw:(i+1)*kw])
		}
		p.QStride, p.KStride, p.VStride = row, row, row
		got := make([]float32, len(q))
		Attend(got, qkv, qkv[qw:], qkv[qw+kw:], p)
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%+v: out[%d] = %v through strides, %v dense", p, i, got[i], want[i])
			}
		}
	}
}

func TestAttendRejectsBadSegments(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	p := Attention{Lq: 4, Lk: 4, H: 1, Hkv: 1, D: 1, Segments: [][2]int{{0, 2}, {3, 4}}}
	x := make([]float32, 4)
	Attend(x, x, x, x, p)
}
