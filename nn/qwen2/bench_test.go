package qwen2

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/dsr4d/dsr4d/nn"
)

// BenchmarkVsTorch times prefill and decode tokens/s of a reduced-depth Qwen2.5-VL-7B (2 layers
// of width 3584, GQA 28/4, SwiGLU 18944, the full 152,064-token head; random BF16 weights kept
// 16-bit) on the CPU backend, and the same model in PyTorch's oneDNN bfloat16 path
// (scripts/bench_qwen2_torch.py, run first so the two never share memory). Prefill: one batch
// of 128 tokens; decode: 16 tokens through the KV cache. Each side's best of 2 runs.
// DSR4D_QWEN_BENCH_LAYERS and DSR4D_QWEN_BENCH_VOCAB change the depth and vocabulary.
func BenchmarkVsTorch(b *testing.B) {
	const py, prompt, decode = "/usr/bin/python3", 128, 16
	layers, vocab := envInt("DSR4D_QWEN_BENCH_LAYERS", 2), envInt("DSR4D_QWEN_BENCH_VOCAB", 152064)
	script, err := filepath.Abs("../../scripts/bench_qwen2_torch.py")
	if err != nil {
		b.Fatal(err)
	}
	haveTorch := exec.Command(py, "-c", "import torch").Run() == nil
	cfg, _ := Named("7b")
	cfg.Layers, cfg.Vocab = layers, vocab
	if vocab < 151665 {
		cfg.setAddedIDs(256)
	}
	dir := b.TempDir()
	if err := WriteCheckpoint(dir, cfg, 1, "BF16"); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		var tp, td float64
		if haveTorch {
			out, err := exec.Command(py, script, "--layers", fmt.Sprint(layers), "--vocab", fmt.Sprint(vocab),
				"--prompt", fmt.Sprint(prompt), "--decode", fmt.Sprint(decode)).CombinedOutput()
			if err != nil {
				b.Fatalf("bench_qwen2_torch.py: %v\n%s", err, out)
			}
			if _, err := fmt.Sscan(string(out), &tp, &td); err != nil {
				b.Fatalf("bench_qwen2_torch.py output %q: %v", out, err)
			}
		}
		m, err := Load(nn.NewCPU(), dir)
		if err != nil {
			b.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(1, 1))
		ids := make([]int, prompt)
		for i := range ids {
			ids[i] = rng.IntN(vocab)
		}
		m.Generate(ids[:8], nil, GenOptions{MaxTokens: 2}) // warm-up: weight packing, page faults
		var op, od float64
		for range 2 {
			r, err := m.Generate(ids, nil, GenOptions{MaxTokens: decode + 1})
			if err != nil || len(r.IDs) != decode+1 {
				b.Fatalf("generate: %v, %d tokens", err, len(r.IDs))
			}
			op, od = max(op, r.PrefillRate()), max(od, r.DecodeRate())
		}
		m.Free()
		b.ReportMetric(op, "prefill_tok/s")
		b.ReportMetric(od, "decode_tok/s")
		if haveTorch {
			b.ReportMetric(tp, "torch_prefill_tok/s")
			b.ReportMetric(td, "torch_decode_tok/s")
			b.ReportMetric(op/tp, "prefill_ratio")
			b.ReportMetric(od/td, "decode_ratio")
		}
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
