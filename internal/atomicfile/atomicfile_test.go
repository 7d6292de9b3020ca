package atomicfile_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/dsr4d/dsr4d/internal/atomicfile"
)

func TestWriteWholeOrNothing(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.json")
	if err := atomicfile.Write(p, []byte("old")); err != nil {
		t.Fatal(err)
	}
	err := atomicfile.WriteFunc(p, func(w io.Writer) error {
		w.Write([]byte("half of the new"))
		return errors.New("boom")
	})
	if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "boom") {
		t.Errorf("error %v: want the path and the cause", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "old" {
		t.Errorf("after a failed write: %q, want the old content", b)
	}
	if es, _ := os.ReadDir(dir); len(es) != 1 {
		t.Errorf("%d entries left, want only the file", len(es))
	}
	if err := atomicfile.Write(p, []byte("new")); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(p)
	if b, _ := os.ReadFile(p); string(b) != "new" || st.Mode().Perm() != 0o644 {
		t.Errorf("%q mode %v, want \"new\" 0644", b, st.Mode().Perm())
	}
}

// A failure to rename (here: path is a non-empty directory) names path, not the temporary.
func TestErrorNamesPath(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "taken")
	os.MkdirAll(filepath.Join(p, "x"), 0o755)
	err := atomicfile.Write(p, []byte("x"))
	if err == nil || !strings.HasPrefix(err.Error(), p+":") || strings.Contains(err.Error(), ".tmp-") {
		t.Errorf("error %q: want it to start with %s and not name the temporary", err, p)
	}
	if es, _ := os.ReadDir(dir); len(es) != 1 {
		t.Errorf("%d entries left, want 1", len(es))
	}
	if err := atomicfile.Write(filepath.Join(dir, "no", "such"), nil); err == nil || strings.Contains(err.Error(), ".tmp-") {
		t.Errorf("missing dir: %v", err)
	}
}

// CleanStale removes what a killed writer left (lock free) and keeps a live writer's temporary.
func TestCleanStale(t *testing.T) {
	dir := t.TempDir()
	live, err := atomicfile.Create(filepath.Join(dir, "live.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer live.Abort()
	dead := filepath.Join(dir, ".train.json.tmp-123")
	os.WriteFile(dead, []byte("{"), 0o644)
	deadDir := filepath.Join(dir, ".scene.tmp-9")
	os.MkdirAll(filepath.Join(deadDir, "frames"), 0o755)
	legacy := filepath.Join(dir, ".train.json.tmp3141592") // what earlier dsr4d versions left
	os.WriteFile(legacy, []byte("["), 0o644)
	other := filepath.Join(dir, ".hidden")
	os.WriteFile(other, nil, 0o644)
	removed, err := atomicfile.CleanStale(dir)
	if err != nil || len(removed) != 3 {
		t.Fatalf("removed %v, %v; want the two dead temporaries", removed, err)
	}
	for _, p := range []string{dead, deadDir, legacy} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still there", p)
		}
	}
	if _, err := os.Stat(other); err != nil {
		t.Error("a file that is not a temporary was removed")
	}
	live.Write([]byte("ok"))
	if err := live.Commit(); err != nil {
		t.Fatalf("the live writer lost its file: %v", err)
	}
}

func TestLockExcludes(t *testing.T) {
	p := filepath.Join(t.TempDir(), ".lock")
	unlock, err := atomicfile.Lock(p)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(p)
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err == nil {
		t.Error("a second holder got the lock")
	}
	unlock()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Errorf("after unlock: %v", err)
	}
}
