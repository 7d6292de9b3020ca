package main

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dsr4d/dsr4d/pipeline/scene/npy"
	"github.com/dsr4d/dsr4d/vk"
	"github.com/dsr4d/dsr4d/vk/ops"
)

func TestGSMInitAndRun(t *testing.T) {
	dir := t.TempDir()
	w := filepath.Join(dir, "w.safetensors")
	if code, _, stderr := runCmd("gsm", "init", "--config", "tiny", "--out", w, "--seed", "4"); code != 0 {
		t.Fatalf("init: exit %d: %s", code, stderr)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	r := func(n int) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		return x
	}
	text, feats := filepath.Join(dir, "t.npy"), filepath.Join(dir, "f.npy")
	if err := npy.WriteFile(text, npy.Of(r(5*64), 5, 64)); err != nil {
		t.Fatal(err)
	}
	if err := npy.WriteFile(feats, npy.Of(r(4*4*6*16), 4, 4, 6, 16)); err != nil {
		t.Fatal(err)
	}
	outs := map[string][]float32{}
	devices := []string{"cpu", "vulkan"}
	if _, err := vk.Devices(vk.Options{}); errors.Is(err, vk.ErrNoDevice) && os.Getenv("CI") == "" {
		devices = devices[:1]
	}
	for _, dev := range devices {
		out := filepath.Join(dir, dev+".npy")
		code, stdout, stderr := runCmd("gsm", "--weights", w, "--text", text, "--features", feats, "--grid", "2,4,6", "--spgt", "0.5", "--out", out, "--device", dev)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", dev, code, stderr)
		}
		if !strings.Contains(stdout, "(32, 64)") {
			t.Errorf("stdout %q", stdout)
		}
		a, err := npy.ReadFile(out)
		if err != nil || !a.HasShape(32, 64) {
			t.Fatalf("%s output: %v %v", dev, err, a)
		}
		outs[dev], _ = a.Float32()
	}
	if g, ok := outs["vulkan"]; ok {
		want := make([]float64, len(outs["cpu"]))
		for i, v := range outs["cpu"] {
			want[i] = float64(v)
		}
		if e := ops.NMSE(g, want); !(e <= 1e-6) {
			t.Errorf("vulkan vs cpu NMSE %.3g", e)
		}
	}
	// Usage errors exit 2; a wrong features shape is a failure naming the file.
	if code, _, _ := runCmd("gsm", "--weights", w); code != 2 {
		t.Errorf("missing flags: exit %d, want 2", code)
	}
	if code, _, _ := runCmd("gsm", "--weights", w, "--text", text, "--features", feats, "--grid", "2,3,6", "--out", "x.npy"); code != 2 {
		t.Errorf("odd grid: exit %d, want 2", code)
	}
	code, _, stderr := runCmd("gsm", "--weights", w, "--text", text, "--features", feats, "--grid", "1,4,6", "--out", filepath.Join(dir, "x.npy"), "--device", "cpu")
	if code != 1 || !strings.Contains(stderr, feats) || !strings.Contains(stderr, "want (2, 24, 16)") {
		t.Errorf("bad features: exit %d, %q", code, stderr)
	}
	if code, _, _ := runCmd("gsm", "init", "--config", "huge", "--out", w); code != 2 {
		t.Errorf("bad config: exit %d, want 2", code)
	}
}
