package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dsr4d/dsr4d/pipeline/scene"
	"github.com/dsr4d/dsr4d/pipeline/scene/npy"
)

// writeConditionNPZ writes a 3-frame 4×5 depths/intrinsics/poses file (π³ condition layout):
// a plane at depth 2, the camera moving 0.5 along x per frame.
func writeConditionNPZ(t *testing.T) string {
	t.Helper()
	const n, h, w = 3, 4, 5
	depth := make([]float32, n*h*w)
	for i := range depth {
		depth[i] = 2
	}
	ks := make([]float32, 0, 9*n)
	poses := make([]float32, 0, 16*n)
	for i := range n {
		ks = append(ks, 4, 0, 2, 0, 4, 1.5, 0, 0, 1)
		poses = append(poses, 1, 0, 0, 0.5*float32(i), 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1)
	}
	path := filepath.Join(t.TempDir(), "condition.npz")
	err := npy.WriteNPZ(path, map[string]*npy.Array{
		"depths":     npy.Of(depth, n, h, w),
		"intrinsics": npy.Of(ks, n, 3, 3),
		"poses":      npy.Of(poses, n, 4, 4),
	}, true)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func TestImportDepthAndOrient(t *testing.T) {
	t.Parallel()
	in := writeConditionNPZ(t)
	out := filepath.Join(t.TempDir(), "room")
	// Flags after the positional input work too.
	if code, _, stderr := runCmd("import", "depth", in, "-out", out, "-fps", "10", "-stride", "5"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	s, err := scene.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if s.N != 3 || s.VideoID != "room" || s.Timestamps[2] != 1 || s.ImageSize != [2]int{5, 4} {
		t.Fatalf("imported %v, timestamps %v", s, s.Timestamps)
	}
	// Orientations for an object that does not exist: refused, scene unchanged.
	op := filepath.Join(t.TempDir(), "o.json")
	os.WriteFile(op, []byte(`{"1":[{"frame":0,"azimuth":0,"polar":0,"rotation":0,"confidence":1}]}`), 0o644)
	code, _, stderr := runCmd("import", "orient", "-scene", out, op)
	if code != 1 || !strings.Contains(stderr, `orient.json: "1": no object with id 1`) {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, scene.OrientFile)); !os.IsNotExist(err) {
		t.Fatal("failed import wrote orient.json")
	}
}

func TestImportErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"import"}, 2, "Usage:"},
		{[]string{"import", "blender"}, 2, `unknown kind "blender"`},
		{[]string{"import", "depth", "x.npz"}, 2, "want -out SCENE"},
		{[]string{"import", "depth", "-out", "/nonexistent/s", "/nonexistent/x.npz"}, 1, "no such file"},
		{[]string{"import", "-h"}, 0, "dsr4d import pi3"},
	}
	for _, tt := range tests {
		code, _, stderr := runCmd(tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tt.args, code, stderr, tt.code, tt.want)
		}
	}
	// A bad input writes nothing.
	bad := filepath.Join(t.TempDir(), "bad.npz")
	npy.WriteNPZ(bad, map[string]*npy.Array{"depths": npy.Of([]float32{1}, 1, 1, 1)}, false)
	out := filepath.Join(t.TempDir(), "s")
	code, _, stderr := runCmd("import", "depth", "-out", out, bad)
	if code != 1 || !strings.Contains(stderr, "intrinsics: missing") || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Fatalf("exit %d: %q", code, stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatal("failed import created the scene")
	}
}

// The default --fps 30 --stride 1 keeps consecutive frames apart (issue 12, defect 8: timestamps
// rounded to 0.1 s collided, "timestamps[1]: 0 after 0"); wrong timestamps name the flags;
// --stride 0 is refused.
func TestImportDefaultTimestamps(t *testing.T) {
	t.Parallel()
	in := writeConditionNPZ(t)
	out := filepath.Join(t.TempDir(), "room")
	if code, _, stderr := runCmd("import", "depth", "--out", out, in); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	s, err := scene.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if s.Timestamps[1] != 1.0/30 || s.Timestamps[2] != 2.0/30 {
		t.Errorf("timestamps %v, want i/30", s.Timestamps)
	}
	code, _, stderr := runCmd("import", "depth", "--out", filepath.Join(t.TempDir(), "x"), "--timestamps", "0,0,1", in)
	if code != 1 || !strings.Contains(stderr, "(the timestamps are --timestamps)") {
		t.Errorf("equal timestamps: exit %d: %s", code, stderr)
	}
	if code, _, stderr := runCmd("import", "depth", "--out", filepath.Join(t.TempDir(), "x"), "--stride", "0", in); code != 2 || !strings.Contains(stderr, "--stride 0") {
		t.Errorf("--stride 0: exit %d: %s", code, stderr)
	}
}

// Re-importing over a scene while rename fails with EIO (strace fault injection, the first to
// the fifth rename) leaves the old scene or the new one, whole, and nothing beside it (issue 12,
// defect 4: an EIO on the 3rd rename left a new scene.json with the old masks.npz).
func TestImportRenameFaults(t *testing.T) {
	t.Parallel()
	strace := needStrace(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	in := writeConditionNPZ(t)
	parent := t.TempDir()
	out := filepath.Join(parent, "room")
	if code, _, stderr := runCmd("import", "depth", "--out", out, "--fps", "10", in); code != 0 {
		t.Fatal(stderr)
	}
	injected := 0
	for when := 1; when <= 5; when++ {
		fps := fmt.Sprint(20 + when)
		c := exec.Command(strace, "-f", "-o", "/dev/null", "-e", fmt.Sprintf("inject=rename,renameat,renameat2:error=EIO:when=%d", when),
			exe, "import", "depth", "--out", out, "--fps", fps, in)
		c.Env = append(os.Environ(), "DSR4D_TEST_AS_MAIN=1")
		b, err := c.CombinedOutput()
		s, lerr := scene.Load(out)
		if lerr != nil {
			t.Fatalf("rename %d failing: the scene no longer loads: %v\n%s", when, lerr, b)
		}
		switch {
		case err == nil && fmt.Sprint(s.FPS) != fps:
			t.Errorf("rename %d failing: exit 0 but fps %v, want %s", when, s.FPS, fps)
		case err != nil:
			injected++
			if !strings.Contains(string(b), out) || !strings.Contains(string(b), "input/output error") || strings.Contains(string(b), ".tmp-") {
				t.Errorf("rename %d failing: %s", when, b)
			}
		}
		if es, _ := os.ReadDir(parent); len(es) != 1 {
			t.Errorf("rename %d failing: left beside the scene: %v", when, es)
		}
	}
	if injected == 0 {
		t.Error("no injected failure reached dsr4d")
	}
}
