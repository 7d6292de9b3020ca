package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExport(t *testing.T) {
	t.Parallel()
	dir := importedScene(t)
	outDir := t.TempDir()
	for _, tc := range []struct {
		kind, file, prefix string
		extra              []string
	}{
		{"ply", "c.ply", "ply\nformat binary_little_endian 1.0\n", []string{"-scalar", "time", "-frame-list", "0,1-2"}},
		{"glb", "c.glb", "glTF", nil},
		{"tum", "c.tum", "# timestamp tx ty tz qx qy qz qw\n0 0 0 0 0 0 0 1\n1 0.5 0 0 0 0 0 1\n", nil},
		{"kitti", "c.kitti", "1 0 0 0 0 1 0 0 0 0 1 0\n1 0 0 0.5 0 1 0 0 0 0 1 0\n", nil},
	} {
		out := filepath.Join(outDir, tc.file)
		args := append([]string{"export", tc.kind, "-scene", dir, "-out", out}, tc.extra...)
		if code, _, stderr := runCmd(args...); code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.kind, code, stderr)
		}
		b, err := os.ReadFile(out)
		if err != nil || !strings.HasPrefix(string(b), tc.prefix) {
			t.Fatalf("%s: %q, want prefix %q", tc.kind, b[:min(len(b), 80)], tc.prefix)
		}
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"export", "obj", "-scene", dir, "-out", "x"}, 2, `unknown kind "obj"`},
		{[]string{"export", "ply", "-scene", dir}, 2, "want -scene SCENE and -out FILE"},
		{[]string{"export", "ply", "-scene", dir, "-out", filepath.Join(outDir, "bad.ply"), "-scalar", "speed"}, 1, `scalar "speed"`},
		{[]string{"export", "ply", "-scene", dir, "-out", filepath.Join(outDir, "bad.ply"), "-frame-list", "9"}, 1, "frame 9, want 0..2"},
		{[]string{"export", "tum", "-scene", filepath.Join(outDir, "none"), "-out", filepath.Join(outDir, "bad.tum")}, 1, "missing"},
	} {
		code, _, stderr := runCmd(tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, %q; want %d and %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(outDir, "bad.ply")); !os.IsNotExist(err) {
		t.Fatal("failed export left a file")
	}
}
