package main

import (
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestViewScreenshot renders a small synthetic scene headless (no display needed) with a question.
func TestViewScreenshot(t *testing.T) {
	dir := t.TempDir()
	sc := filepath.Join(dir, "s")
	args := append([]string{"synth", "--device", "cpu", "--out", sc, "--seed", "3", "--objects", "2"}, smallSynth...)
	if code, _, stderr := runCmd(args...); code != 0 {
		t.Fatalf("synth: exit %d: %s", code, stderr)
	}
	qa := filepath.Join(dir, "qa.jsonl")
	line := `{"type":"rel_dis","viewpoint":0,"v":-1,"objects":[1,2],"start":0,"end":3,"question":"Between 0.0s and 0.8s, following the perspective of camera, how does the distance between a and b change?","options":["A. closer","B. farther","C. same","D. first closer then farther"],"answer":"A"}`
	if err := os.WriteFile(qa, []byte("\n"+line+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "a.png")
	code, stdout, stderr := runCmd("view", "--scene", sc, "--qa", qa, "--question", "0", "--screenshot", out, "--size", "160x96", "--frame", "1")
	if code != 0 {
		if strings.Contains(stderr, "no Vulkan") && os.Getenv("CI") == "" {
			t.Skip(stderr)
		}
		t.Fatalf("view: exit %d: %s", code, stderr)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if st, _ := f.Stat(); st.Mode().Perm() != 0o644 {
		t.Errorf("screenshot mode %v, want 0644 (issue 12, defect 11)", st.Mode().Perm())
	}
	img, err := png.Decode(f)
	if err != nil || img.Bounds().Dx() != 160 || img.Bounds().Dy() != 96 || !strings.Contains(stdout, "a.png") {
		t.Fatalf("screenshot: %v %v %q", err, img.Bounds(), stdout)
	}
	frames := filepath.Join(dir, "frames")
	if code, _, stderr := runCmd("view", "--scene", sc, "--frames-out", frames, "--size", "64x48", "--mode", "trail", "--color", "time"); code != 0 {
		t.Fatalf("frames-out: exit %d: %s", code, stderr)
	}
	if m, _ := filepath.Glob(filepath.Join(frames, "frame_*.png")); len(m) != 4 {
		t.Fatalf("frames-out wrote %d files, want 4", len(m))
	}
}

func TestViewUsage(t *testing.T) {
	for _, args := range [][]string{
		{"view"},
		{"view", "--scene", "x", "--mode", "bogus"},
		{"view", "--scene", "x", "--size", "12"},
		{"view", "--scene", "x", "--screenshot", "a.png", "--frames-out", "d"},
	} {
		if code, _, _ := runCmd(args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	if code, _, stderr := runCmd("view", "-h"); code != 0 || !strings.Contains(stderr, "look through") || !strings.Contains(stderr, "--screenshot") {
		t.Errorf("-h: exit %d: %s", code, stderr)
	}
}
