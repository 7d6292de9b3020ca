package main

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dsr4d/dsr4d/nn/safetensors"
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
	// --device auto takes the backend `dsr4d devices` lists: the native CPU backend when the best
	// Vulkan device is a CPU driver (lavapipe), else Vulkan.
	if infos, err := vk.Devices(vk.Options{}); err == nil {
		wantCPU := true
		for _, in := range infos {
			if in.Selected {
				wantCPU = vk.PreferCPUBackend(in)
			}
		}
		code, _, stderr := runCmd("gsm", "--weights", w, "--text", text, "--features", feats, "--grid", "2,4,6", "--out", filepath.Join(dir, "auto.npy"), "--device", "auto")
		if onCPU := strings.Contains(stderr, "device=cpu"); code != 0 || onCPU != wantCPU {
			t.Errorf("--device auto: exit %d, on the CPU %v, want %v: %s", code, onCPU, wantCPU, stderr)
		}
	}
	if code, _, _ := runCmd("gsm", "init", "--config", "huge", "--out", w); code != 2 {
		t.Errorf("bad config: exit %d, want 2", code)
	}
}

// A NaN or Inf in the text, the features or a weight is an error naming the file and the first bad
// index (issue 12, defect 7: exit 0 with finite garbage on the CPU, all-NaN on Vulkan).
func TestGSMRejectsNonFinite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	w := filepath.Join(dir, "w.safetensors")
	if code, _, stderr := runCmd("gsm", "init", "--config", "tiny", "--out", w); code != 0 {
		t.Fatalf("init: %s", stderr)
	}
	if st, _ := os.Stat(w); st.Mode().Perm() != 0o644 {
		t.Errorf("gsm init wrote mode %v, want 0644", st.Mode().Perm())
	}
	ones := func(n int) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = 1
		}
		return x
	}
	text, feats := filepath.Join(dir, "t.npy"), filepath.Join(dir, "f.npy")
	tv, fv := ones(5*64), ones(4*4*6*16)
	npy.WriteFile(feats, npy.Of(fv, 4, 4, 6, 16))
	args := []string{"gsm", "--weights", w, "--text", text, "--features", feats, "--grid", "2,4,6", "--out", filepath.Join(dir, "o.npy"), "--device", "cpu"}
	tv[64+3] = float32(math.NaN())
	npy.WriteFile(text, npy.Of(tv, 5, 64))
	if code, _, stderr := runCmd(args...); code != 1 || !strings.Contains(stderr, text+": element 67 [1 3] is NaN") {
		t.Errorf("NaN text: exit %d: %s", code, stderr)
	}
	tv[64+3] = 1
	npy.WriteFile(text, npy.Of(tv, 5, 64))
	fv[5] = float32(math.Inf(-1))
	npy.WriteFile(feats, npy.Of(fv, 4, 4, 6, 16))
	if code, _, stderr := runCmd(args...); code != 1 || !strings.Contains(stderr, feats+": element 5 [0 0 0 5] is -Inf") {
		t.Errorf("Inf features: exit %d: %s", code, stderr)
	}
	fv[5] = 1
	npy.WriteFile(feats, npy.Of(fv, 4, 4, 6, 16))
	set, err := safetensors.Open(w)
	if err != nil {
		t.Fatal(err)
	}
	var ts []safetensors.Tensor
	for _, n := range set.Names() {
		info, _ := set.Info(n)
		v, _ := set.Float32(n)
		if n == "visual.q_former_queries" {
			v[2] = float32(math.NaN())
		}
		ts = append(ts, safetensors.Tensor{Name: n, Shape: info.Shape, Data: v})
	}
	md := set.Metadata
	set.Close()
	if err := safetensors.Write(w, ts, md); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCmd(args...); code != 1 || !strings.Contains(stderr, "visual.q_former_queries: element 2 [0 2] is NaN") {
		t.Errorf("NaN weight: exit %d: %s", code, stderr)
	}
}

// gsm --frames computes the 3-D tokens from pixels with the DSR checkpoint's own DINOv2 (the
// spatial branch of 'dsr4d answer', whose numbers nn/qwenvl's goldens check): the CPU and Vulkan
// backends agree, and bad combinations are usage errors.
func TestGSMFrames(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "dsr")
	if code, _, stderr := runCmd("qwen", "init", "--config", "tiny", "--dsr", "--out", dir, "--seed", "5"); code != 0 {
		t.Fatalf("qwen init --dsr: exit %d: %s", code, stderr)
	}
	frames := writeFrames(t, 4, 56, 84)
	text := filepath.Join(t.TempDir(), "t.npy")
	rng := rand.New(rand.NewPCG(3, 4))
	vals := make([]float32, 6*64)
	for i := range vals {
		vals[i] = float32(rng.NormFloat64())
	}
	if err := npy.WriteFile(text, npy.Of(vals, 6, 64)); err != nil {
		t.Fatal(err)
	}
	outs := map[string][]float32{}
	for _, dev := range []string{"cpu", "vulkan"} {
		out := filepath.Join(t.TempDir(), dev+".npy")
		code, stdout, stderr := runCmd("gsm", "--weights", dir, "--text", text, "--frames", frames, "--out", out, "--device", dev)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", dev, code, stderr)
		}
		if !strings.Contains(stdout, "(32, 64)") {
			t.Errorf("%s: stdout %q", dev, stdout)
		}
		a, err := npy.ReadFile(out)
		if err != nil || !a.HasShape(32, 64) {
			t.Fatalf("%s output: %v %v", dev, err, a)
		}
		outs[dev], _ = a.Float32()
	}
	want := make([]float64, len(outs["cpu"]))
	for i, v := range outs["cpu"] {
		want[i] = float64(v)
	}
	if e := ops.NMSE(outs["vulkan"], want); !(e <= 1e-6) {
		t.Errorf("vulkan vs cpu NMSE %.3g", e)
	}
	if code, _, _ := runCmd("gsm", "--weights", dir, "--text", text, "--frames", frames, "--grid", "1,2,2", "--out", "x.npy"); code != 2 {
		t.Errorf("--frames with --grid: exit %d, want 2", code)
	}
	code, _, stderr := runCmd("gsm", "--weights", dir, "--text", text, "--frames", t.TempDir(), "--out", filepath.Join(t.TempDir(), "x.npy"), "--device", "cpu")
	if code != 1 || !strings.Contains(stderr, "no .png or .jpg frames") {
		t.Errorf("empty frames dir: exit %d: %s", code, stderr)
	}
}
