package gsm_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/dsr4d/dsr4d/nn"
	"github.com/dsr4d/dsr4d/nn/gsm"
	"github.com/dsr4d/dsr4d/vk"
)

// Reduced is the benchmark size that runs in seconds on a 2-core CPU: Qwen2.5-0.5B widths (D 896,
// 14 heads of 64, 2 KV heads, MLP 4864), a 256-wide encoder, 8 frames of 224×224 (grid 4×16×16 →
// 256 3D tokens) and 64 text tokens.
func reduced() (gsm.Config, [3]int, int) {
	return gsm.Config{Hidden: 896, Heads: 14, KVHeads: 2, MLP: 4864, Queries: 32, SpatialDim: 256,
		Eps: 1e-6, Theta: 1e6, Sections: [3]int{8, 12, 12}}, [3]int{4, 16, 16}, 64
}

// benchBackends are the CPU backend and the Vulkan device, or only the one DSR4D_BENCH_BACKEND
// names (cpu or vulkan).
func benchBackends(b *testing.B) []nn.Backend {
	only := os.Getenv("DSR4D_BENCH_BACKEND")
	var bes []nn.Backend
	if only != "vulkan" {
		bes = append(bes, nn.NewCPU())
	}
	if only == "cpu" {
		return bes
	}
	d, err := vk.Open(vk.Options{}) // no validation: timings
	if err != nil {
		b.Logf("no Vulkan device: %v", err)
		return bes
	}
	g, err := nn.NewVulkan(d)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { g.Close(); d.Close() })
	return append(bes, g)
}

// official is the size of the paper's setting: 32 frames at 448×448 (grid 16×32×32 → 4096 3D
// tokens), 128 text tokens, BF16 weights (kept 16-bit on Vulkan). Minutes per backend on 2 cores.
func official() (gsm.Config, [3]int, int) { return gsm.Official(), [3]int{16, 32, 32}, 128 }

// BenchmarkGSM times the stages of the forward pass (merger, Q-Former 1, Q-Former 2) and the whole
// pass on the CPU backend and the Vulkan device, in the same run: at the reduced size, or at the
// official size with DSR4D_GSM_BENCH=official or official8 (8 frames; run them with -benchtime 1x).
func BenchmarkGSM(b *testing.B) {
	size, dtype := "reduced", "F32"
	cfg, grid, textLen := reduced()
	switch os.Getenv("DSR4D_GSM_BENCH") {
	case "official":
		size, dtype = "official", "BF16"
		cfg, grid, textLen = official()
	case "official8": // issue 14's measured gap: 8 frames at 448² (1024 3D tokens), 64 text tokens
		size, dtype = "official8", "BF16"
		cfg, grid, textLen = gsm.Official(), [3]int{4, 32, 32}, 64
	}
	ws := gsm.Random(cfg, 1)
	for i := range ws {
		ws[i].DType = dtype
	}
	w := gsm.Tensors(ws)
	s := randomSample(rand.New(rand.NewPCG(1, 1)), cfg, grid, textLen, 1)
	n3 := s.Tokens()
	flops := map[string]float64{
		"merger":   2 * float64(n3) * float64(cfg.MergedDim()) * float64(cfg.MergedDim()+cfg.Hidden),
		"qformer1": qformerFlops(cfg, textLen),
		"qformer2": qformerFlops(cfg, n3),
	}
	flops["forward"] = flops["merger"] + flops["qformer1"] + flops["qformer2"]
	for _, be := range benchBackends(b) {
		m, err := gsm.LoadFrom(be, w, cfg)
		if err != nil {
			b.Fatal(err)
		}
		p, err := m.Prepare([]gsm.Sample{s})
		if err != nil {
			b.Fatal(err)
		}
		tokens := m.SpatialMerger(p.Merged)
		q0 := be.RepeatRows(m.QFormerQueries, 1)
		q1 := m.QFormerLayer(0, q0, p.Text, p.QueryRope, p.TextRope, nil, nil)
		if err := be.Sync(); err != nil {
			b.Fatal(err)
		}
		stages := []struct {
			name string
			run  func() *nn.Tensor
		}{
			{"merger", func() *nn.Tensor { return m.SpatialMerger(p.Merged) }},
			{"qformer1", func() *nn.Tensor { return m.QFormerLayer(0, q0, p.Text, p.QueryRope, p.TextRope, nil, nil) }},
			{"qformer2", func() *nn.Tensor { return m.QFormerLayer(1, q1, tokens, p.QueryRope, p.VisRope, nil, nil) }},
			{"forward", func() *nn.Tensor { return m.Run(p) }},
		}
		for _, st := range stages {
			b.Run(fmt.Sprintf("%s/%s/%s", size, st.name, be.Name()), func(b *testing.B) {
				for b.Loop() {
					out := st.run()
					if err := be.Sync(); err != nil {
						b.Fatal(err)
					}
					be.Release(out)
				}
				b.ReportMetric(flops[st.name]*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
		be.Release(tokens, q0, q1)
		m.ReleasePrepared(p)
		m.Close()
	}
}

func qformerFlops(c gsm.Config, nk int) float64 {
	q, D, KV, M := float64(c.Queries), float64(c.Hidden), float64(c.KVDim()), float64(c.MLP)
	proj := 2*q*D*D*2 + 2*float64(nk)*D*KV*2 // q, o; k, v
	attn := 2 * 2 * q * float64(nk) * D
	mlp := 2 * q * D * M * 3
	return proj + attn + mlp
}

// BenchmarkOfficialOps times the heaviest ops at the official widths: a Q-Former MLP projection
// (32 × 3584 → 18944), Q-Former 2's key projection over 4096 3D tokens (4096 × 3584 → 512) and
// its attention (32 queries, 4096 keys, 28 heads, 4 KV heads of 128).
func BenchmarkOfficialOps(b *testing.B) {
	c := gsm.Official()
	rng := rand.New(rand.NewPCG(2, 2))
	r := func(n int) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		return x
	}
	const nk = 4096
	xq, xk := r(32*c.Hidden), r(nk*c.Hidden)
	wUp, wK := r(c.MLP*c.Hidden), r(c.KVDim()*c.Hidden)
	qh, kh, vh := r(32*c.Hidden), r(nk*c.KVDim()), r(nk*c.KVDim())
	for _, be := range benchBackends(b) {
		XQ, XK := be.New(xq, 32, c.Hidden), be.New(xk, nk, c.Hidden)
		WUp, WK := be.New(wUp, c.MLP, c.Hidden), be.New(wK, c.KVDim(), c.Hidden)
		Q, K, V := be.New(qh, 32, c.Hidden), be.New(kh, nk, c.KVDim()), be.New(vh, nk, c.KVDim())
		ops := []struct {
			name  string
			flops float64
			run   func() *nn.Tensor
		}{
			{"mlp_up_32x3584x18944", 2 * 32 * float64(c.Hidden*c.MLP), func() *nn.Tensor { return be.Linear(XQ, WUp, nil) }},
			{"k_proj_4096x3584x512", 2 * nk * float64(c.Hidden*c.KVDim()), func() *nn.Tensor { return be.Linear(XK, WK, nil) }},
			{"attention_32x4096", 4 * 32 * nk * float64(c.Hidden), func() *nn.Tensor { return be.Attention(Q, K, V, nn.AttnOpts{Heads: c.Heads, KVHeads: c.KVHeads}) }},
		}
		for _, op := range ops {
			b.Run(fmt.Sprintf("official/%s/%s", op.name, be.Name()), func(b *testing.B) {
				for b.Loop() {
					out := op.run()
					if err := be.Sync(); err != nil {
						b.Fatal(err)
					}
					be.Release(out)
				}
				b.ReportMetric(op.flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
		be.Release(XQ, XK, WUp, WK, Q, K, V)
	}
}
