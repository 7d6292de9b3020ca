package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dsr4d/dsr4d/pipeline/scene"
	"github.com/dsr4d/dsr4d/pipeline/synth"
)

var smallSynth = []string{"--frames", "4", "--size", "96x54", "--points-size", "48x27"}

// TestSynth runs on Vulkan and is deliberately not parallel: vk's pipeline build
// (vkCreateComputePipelines through vulkan-go) crashes intermittently when a concurrent test
// makes the garbage collector run during the call (never with GOGC=off).
func TestSynth(t *testing.T) {
	out := filepath.Join(t.TempDir(), "s")
	args := append([]string{"synth", "--out", out, "--seed", "5", "--preset", "street", "--objects", "3", "--noise", "light,orient=2"}, smallSynth...)
	if code, _, stderr := runCmd(args...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	s, err := scene.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if s.N != 4 || s.W != 48 || s.H != 27 || s.ImageSize != [2]int{96, 54} || len(s.Objects) != 4 || s.GT == nil || len(s.Frames) != 4 {
		t.Fatalf("scene %v", s)
	}
	if code, stdout, stderr := runCmd("inspect", out); code != 0 || !strings.Contains(stdout, "ground truth") {
		t.Fatalf("inspect: exit %d: %s%s", code, stdout, stderr)
	}
}

// TestSynthCount is not parallel either: its allocations would make the GC run during other
// tests' pipeline builds (see TestSynth).
func TestSynthCount(t *testing.T) {
	out := t.TempDir()
	args := append([]string{"synth", "--device", "cpu", "--out", out, "--seed", "10", "--count", "2", "--preset", "static"}, smallSynth...)
	if code, _, stderr := runCmd(args...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, id := range []string{"synth-static-10", "synth-static-11"} {
		if _, err := scene.Load(filepath.Join(out, id)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSynthUsage(t *testing.T) {
	t.Parallel()
	code, _, stderr := runCmd("synth", "-h")
	if code != 0 {
		t.Fatalf("-h: exit %d", code)
	}
	for _, p := range synth.PresetNames() {
		if !strings.Contains(stderr, "\n  "+p+" ") {
			t.Errorf("-h does not list preset %q:\n%s", p, stderr)
		}
	}
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--frames", "0"}, "--frames: 0, want 2..10000"},
		{[]string{"--size", "0x360"}, `--size: "0x360": each side must be in 1..8192`},
		{[]string{"--points-size", "320"}, `--points-size: "320": want WIDTHxHEIGHT`},
		{[]string{"--preset", "moon"}, `--preset: unknown preset "moon"`},
		{[]string{"--objects", "20"}, `--objects: 20 dynamic objects do not fit in preset "default" (at most 8)`},
		{[]string{"--objects", "1"}, "--objects: 1, want at least 2"},
		{[]string{"--noise", "loud"}, `--noise: unknown level "loud"`},
		{[]string{"--noise", "depth=-1"}, "--noise: depth=-1, want 0..0.5"},
		{[]string{"--count", "0"}, "--count: 0, want at least 1"},
		{[]string{"--fps", "0"}, "--fps: 0, want > 0"},
		{[]string{"--bogus"}, "flag provided but not defined"},
		{[]string{"extra"}, `unexpected argument "extra"`},
	} {
		args := append([]string{"synth", "--out", filepath.Join(dir, "x")}, c.args...)
		code, _, stderr := runCmd(args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, stderr, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x")); err == nil {
		t.Errorf("a usage error wrote a scene")
	}
}
