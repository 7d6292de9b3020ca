package scene

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// A failure at the step that puts the new scene in place (an I/O error on the rename, as
// `strace -e inject=renameat:error=EIO` gave) leaves the old scene loadable and no temporaries
// (issue 12, defect 4: it used to leave a new scene.json beside the old masks.npz).
func TestSaveFailureKeepsOldScene(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "s")
	old := testScene(1, 4, 5, 6)
	if err := Save(dir, old); err != nil {
		t.Fatal(err)
	}
	defer func(f func(string, string) error) { swap = f }(swap)
	swap = func(tmp, dir string) error { return &os.LinkError{Op: "rename", Old: tmp, New: dir, Err: syscall.EIO} }
	if err := Save(dir, testScene(2, 3, 4, 5)); !errors.Is(err, syscall.EIO) {
		t.Fatalf("Save: %v, want the I/O error", err)
	}
	got, err := Load(dir)
	if err != nil || got.N != old.N || got.VideoID != old.VideoID {
		t.Fatalf("after the failed Save: %v, %v; want the old scene", got, err)
	}
	if es, _ := os.ReadDir(filepath.Dir(dir)); len(es) != 1 {
		t.Errorf("left beside the scene: %v", es)
	}
}

// Saves of two scenes into one directory at the same time leave one of them, whole (the old
// code gave an invalid scene 1 time in 40).
func TestSaveConcurrent(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "s")
	a, b := testScene(3, 3, 4, 5), testScene(4, 5, 4, 5)
	for r := range 40 {
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, s := range []*Scene{a, b} {
			wg.Go(func() { errs[i] = Save(dir, s) })
		}
		wg.Wait()
		if errs[0] != nil || errs[1] != nil {
			t.Fatalf("round %d: %v, %v", r, errs[0], errs[1])
		}
		got, err := Load(dir)
		if err != nil {
			t.Fatalf("round %d: %v", r, err)
		}
		if got.VideoID != a.VideoID && got.VideoID != b.VideoID {
			t.Fatalf("round %d: %s", r, got.VideoID)
		}
	}
	if es, _ := os.ReadDir(filepath.Dir(dir)); len(es) != 1 {
		t.Errorf("left beside the scene: %v", es)
	}
}

// Save removes what a killed Save left, and refuses to replace a directory holding other files.
func TestSaveStaleAndForeign(t *testing.T) {
	t.Parallel()
	parent := t.TempDir()
	dir := filepath.Join(parent, "synth-default-1")
	stale := filepath.Join(parent, ".synth-default-1.tmp-42")
	os.MkdirAll(stale, 0o755)
	os.WriteFile(filepath.Join(stale, MetaFile), []byte("{"), 0o644)
	if err := Save(dir, testScene(5, 3, 4, 5)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Error("a killed Save's temporary directory is still there")
	}
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644)
	err := Save(dir, testScene(6, 3, 4, 5))
	if err == nil || !strings.Contains(err.Error(), "notes.txt is not a scene file") {
		t.Errorf("Save over a directory with other files: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "notes.txt")); string(b) != "mine" {
		t.Error("notes.txt lost")
	}
}
