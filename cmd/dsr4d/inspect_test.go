package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dsr4d/dsr4d/pipeline/scene"
)

func importedScene(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "room")
	if code, _, stderr := runCmd("import", "depth", "-out", out, "-stride", "30", writeConditionNPZ(t)); code != 0 {
		t.Fatalf("import: %s", stderr)
	}
	return out
}

func TestInspect(t *testing.T) {
	t.Parallel()
	dir := importedScene(t)
	code, stdout, stderr := runCmd("inspect", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"video        room", "frames       3 at 30 fps, 0.0 s to 2.0 s", "point maps   5×4", "camera path  1.000", "valid pixels 100.0%", "objects      none"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	code, stdout, _ = runCmd("inspect", "-json", dir)
	var sum scene.Summary
	if code != 0 || json.Unmarshal([]byte(stdout), &sum) != nil || sum.Frames != 3 || sum.PathLength != 1 {
		t.Fatalf("json: exit %d %s", code, stdout)
	}
	// A broken scene: one clear line, exit 1.
	os.WriteFile(filepath.Join(dir, "scene.json"), []byte(`{"format":"dsr4d-scene/1","video_id":"x"}`), 0o644)
	code, _, stderr = runCmd("inspect", dir)
	if code != 1 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, `scene.json: missing field "fps"`) {
		t.Fatalf("broken scene: exit %d, %q", code, stderr)
	}
	if code, _, _ := runCmd("inspect"); code != 2 {
		t.Fatalf("no argument: exit %d, want 2", code)
	}
}

// Flags out of range are refused, never replaced by a default; NaN fails every range check; a
// scene without objects lists "objects": [] (issue 12, defect 11).
func TestFlagRangesAndEmptyObjects(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "s")
	if code, _, stderr := runCmd(append([]string{"synth", "--device", "cpu", "--out", dir, "--objects", "2"}, smallSynth...)...); code != 0 {
		t.Fatal(stderr)
	}
	for _, args := range [][]string{
		{"view", "--scene", dir, "--point-size", "NaN", "--screenshot", "x.png"},
		{"view", "--scene", dir, "--conf-pct", "NaN", "--screenshot", "x.png"},
		{"view", "--scene", dir, "--frame", "-5", "--screenshot", "x.png"},
		{"export", "ply", "--scene", dir, "--out", filepath.Join(t.TempDir(), "x.ply"), "--step", "0"},
		{"qa", "--shard", "auto", "--out", t.TempDir()},
	} {
		if code, _, stderr := runCmd(args...); code != 2 {
			t.Errorf("%v: exit %d, want 2: %s", args, code, stderr)
		}
	}
	s, err := scene.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	s.Objects, s.Masks, s.Orient = nil, map[int][]bool{}, map[int][]scene.Orientation{}
	empty := filepath.Join(t.TempDir(), "empty")
	if err := scene.Save(empty, s); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCmd("inspect", "-json", empty)
	if code != 0 || !strings.Contains(stdout, `"objects": []`) {
		t.Errorf("inspect -json without objects: exit %d: %s%s", code, stdout, stderr)
	}
}
