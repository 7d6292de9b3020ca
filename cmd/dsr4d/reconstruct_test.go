package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dsr4d/dsr4d/nn/safetensors"
	"github.com/dsr4d/dsr4d/pipeline/scene"
	"github.com/dsr4d/dsr4d/pipeline/scene/npy"
)

const pi3Testdata = "../../nn/pi3/testdata"

// smoothPi3 writes a copy of π³'s tiny random checkpoint whose point and confidence heads
// ignore their input: every pixel at depth 1 with a confident logit, so that the point maps have
// valid pixels (random heads give per-pixel noise, all depth edges). The trunk stays random.
func smoothPi3(t *testing.T) string {
	t.Helper()
	set, err := safetensors.Open(filepath.Join(pi3Testdata, "tiny.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer set.Close()
	var ts []safetensors.Tensor
	for _, name := range set.Names() {
		info, err := set.Info(name)
		if err != nil {
			t.Fatal(err)
		}
		data, err := set.Float32(name, info.Shape...)
		if err != nil {
			t.Fatal(err)
		}
		switch name {
		case "point_head.proj.weight", "conf_head.proj.weight":
			clear(data)
		case "point_head.proj.bias":
			for k := range 196 { // (x, y, log z) per pixel of a 14×14 patch
				data[k], data[196+k], data[392+k] = float32(k%14-7)/28, float32(k/14-7)/28, 0
			}
		case "conf_head.proj.bias":
			for k := range data {
				data[k] = 5
			}
		}
		ts = append(ts, safetensors.Tensor{Name: name, Shape: info.Shape, Data: data})
	}
	path := filepath.Join(t.TempDir(), "pi3.safetensors")
	if err := safetensors.Write(path, ts, set.Metadata); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeMasks writes a Grounded-SAM-2 directory for n frames of w×h: a person (instance 1) in
// the left third, a chair (instance 2) in the right third.
func writeMasks(t *testing.T, n, w, h int) string {
	t.Helper()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "mask_data"), 0o755)
	os.MkdirAll(filepath.Join(dir, "json_data"), 0o755)
	for i := range n {
		ids := make([]uint16, w*h)
		for p := range ids {
			switch x := p % w; {
			case x < w/3:
				ids[p] = 1
			case x >= 2*w/3:
				ids[p] = 2
			}
		}
		base := fmt.Sprintf("mask_%05d", i)
		if err := npy.WriteFile(filepath.Join(dir, "mask_data", base+".npy"), npy.Of(ids, h, w)); err != nil {
			t.Fatal(err)
		}
		js := fmt.Sprintf(`{"mask_name": "%s.npy", "mask_height": %d, "mask_width": %d, "labels": {`+
			`"1": {"instance_id": 1, "class_name": "person"}, "2": {"instance_id": 2, "class_name": "chair"}}}`, base, h, w)
		os.WriteFile(filepath.Join(dir, "json_data", base+".json"), []byte(js), 0o644)
	}
	return dir
}

// TestReconstructToQA: frames → π³ (tiny checkpoint) → scene → gsam2 masks → qa.
func TestReconstructToQA(t *testing.T) {
	// 12 frames of 97×61: the 3 of π³'s loader golden, cycled.
	const n = 12
	frames := t.TempDir()
	for i := range n {
		b, err := os.ReadFile(filepath.Join(pi3Testdata, "load", []string{"1.png", "2.png", "10.png"}[i%3]))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(frames, fmt.Sprintf("%03d.png", i)), b, 0o644)
	}
	out := filepath.Join(t.TempDir(), "vid")
	code, stdout, stderr := runCmd("reconstruct", "--frames", frames, "--weights", smoothPi3(t), "--out", out,
		"--pixel-limit", "20000", "--fps", "2", "--batch", "2")
	if code != 0 || !strings.Contains(stdout, "12 frames at 168×112") {
		t.Fatalf("exit %d: %s %s", code, stdout, stderr)
	}
	s, err := scene.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if s.N != n || s.ImageSize != [2]int{97, 61} || s.Timestamps[2] != 1 || len(s.Frames) != n {
		t.Fatalf("scene: %d frames, size %v, times %v, frames %v", s.N, s.ImageSize, s.Timestamps, s.Frames)
	}
	if code, _, stderr := runCmd("import", "gsam2", "--scene", out, writeMasks(t, n, 97, 61)); code != 0 {
		t.Fatalf("import gsam2: exit %d: %s", code, stderr)
	}
	qaOut := filepath.Join(t.TempDir(), "qa")
	code, stdout, stderr = runCmd("qa", "--scene", out, "--out", qaOut, "--device", "cpu")
	if code != 0 {
		t.Fatalf("qa: exit %d: %s %s", code, stdout, stderr)
	}
	t.Log(stdout)
	var sum struct {
		Questions struct{ Generated int } `json:"questions"`
	}
	b, err := os.ReadFile(filepath.Join(qaOut, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &sum); err != nil || sum.Questions.Generated == 0 {
		t.Fatalf("qa summary: %v, %s", err, b)
	}
}

func TestReconstructErrors(t *testing.T) {
	w := filepath.Join(pi3Testdata, "tiny.safetensors")
	empty := t.TempDir()
	mixed := t.TempDir()
	for i, name := range []string{"0.png", "1.png"} {
		b, _ := os.ReadFile(filepath.Join(pi3Testdata, "load", []string{"1.png", "2.png"}[i]))
		os.WriteFile(filepath.Join(mixed, name), b, 0o644)
	}
	os.WriteFile(filepath.Join(mixed, "2.jpg"), []byte("garbage"), 0o644)
	// A checkpoint missing a tensor.
	set, _ := safetensors.Open(w)
	var ts []safetensors.Tensor
	for _, name := range set.Names() {
		if name == "decoder.1.attn.qkv.weight" {
			continue
		}
		info, _ := set.Info(name)
		data, _ := set.Float32(name, info.Shape...)
		ts = append(ts, safetensors.Tensor{Name: name, Shape: info.Shape, Data: data})
	}
	missing := filepath.Join(t.TempDir(), "m.safetensors")
	safetensors.Write(missing, ts, set.Metadata)
	set.Close()
	frames := filepath.Join(pi3Testdata, "load")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--frames", empty, "--weights", w}, "no frames"},
		{[]string{"--frames", mixed, "--weights", w}, "2.jpg"},
		{[]string{"--frames", frames, "--weights", missing, "--pixel-limit", "5000"}, "decoder.1.attn.qkv.weight"},
		{[]string{"--video", filepath.Join(empty, "none.mp4"), "--weights", w}, "none.mp4"},
	} {
		out := filepath.Join(t.TempDir(), "s")
		code, _, stderr := runCmd(append([]string{"reconstruct", "--out", out}, c.args...)...)
		if code != 1 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, %q, want %q", c.args, code, stderr, c.want)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("%v: wrote %s", c.args, out)
		}
	}
	if code, _, _ := runCmd("reconstruct", "--frames", frames); code != 2 {
		t.Errorf("missing flags: exit %d", code)
	}
}

// TestReconstructVideo samples 4 of a 25-frame 10 fps clip as sample_uniform_frames does:
// round(linspace(0, 24, 4)) = 0, 8, 16, 24 → 0.0, 0.8, 1.6, 2.4 s.
func TestReconstructVideo(t *testing.T) {
	ffmpeg := needTool(t, "ffmpeg")
	clip := filepath.Join(t.TempDir(), "clip.mp4")
	cmd := exec.Command(ffmpeg, "-v", "error", "-f", "lavfi", "-i", "testsrc=size=96x64:rate=10:duration=2.5", "-pix_fmt", "yuv420p", clip)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, b)
	}
	out := filepath.Join(t.TempDir(), "clip")
	code, _, stderr := runCmd("reconstruct", "--video", clip, "--num-frames", "4", "--weights", filepath.Join(pi3Testdata, "tiny.safetensors"),
		"--out", out, "--pixel-limit", "5000")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	s, err := scene.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if s.N != 4 || s.FPS != 10 || fmt.Sprint(s.Timestamps) != "[0 0.8 1.6 2.4]" || s.ImageSize != [2]int{96, 64} || len(s.Frames) != 4 {
		t.Fatalf("scene: %d frames at %g fps, times %v, size %v", s.N, s.FPS, s.Timestamps, s.ImageSize)
	}
	// More frames than the clip has: the reference's "repeat frame" error, no scene.
	out2 := filepath.Join(t.TempDir(), "clip2")
	code, _, stderr = runCmd("reconstruct", "--video", clip, "--num-frames", "40", "--weights", filepath.Join(pi3Testdata, "tiny.safetensors"), "--out", out2)
	if code != 1 || !strings.Contains(stderr, "repeat frame") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(out2); !os.IsNotExist(err) {
		t.Fatal("wrote a scene")
	}
}
