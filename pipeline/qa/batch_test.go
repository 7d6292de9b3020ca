package qa_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dsr4d/dsr4d/pipeline/qa"
)

func TestKeyDiffNamesFlags(t *testing.T) {
	t.Parallel()
	a, b := qa.NewKey(1, 10, false, false), qa.NewKey(2, 10, true, false)
	d := a.Diff(b)
	if !strings.Contains(d, "--seed 1 (this run: 2)") || !strings.Contains(d, "--audit false (this run: true)") || strings.Contains(d, "--per-video") {
		t.Errorf("Diff: %q", d)
	}
	if o := qa.NewKey(0, 10, false, true); !o.Audit {
		t.Error("--oracle-centres implies --audit")
	}
}

func TestReadResultRejects(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, content := range map[string]string{
		"empty.json": `{}`,
		"other.json": `{"video_id":"v","key":{"version":1},"extra":1}`,
		"trunc.json": `{"video_id":`,
		"nokey.json": `{"video_id":"v","stats":{}}`,
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o644)
		if _, err := qa.ReadResult(p); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: %v", name, err)
		}
	}
	p := filepath.Join(dir, "ok.json")
	os.WriteFile(p, []byte(`{"video_id":"v","key":{"version":1,"seed":3},"stats":{},"questions":[]}`), 0o644)
	if r, err := qa.ReadResult(p); err != nil || r.Key.Seed != 3 {
		t.Errorf("ok: %+v %v", r, err)
	}
}

func TestFileKeyAndShards(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "d")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "scene.json"), []byte(`{"video_id":"../a b"}`), 0o644)
	k := qa.FileKey(dir)
	if strings.ContainsAny(k, "/ ") || strings.HasPrefix(k, ".") {
		t.Errorf("FileKey %q is not a safe file name", k)
	}
	n := 0
	for i := range 3 {
		if qa.InShard(k, [2]int{i, 3}) {
			n++
		}
	}
	if n != 1 || !qa.InShard(k, [2]int{0, 1}) {
		t.Errorf("%q is in %d of 3 shards", k, n)
	}
}
