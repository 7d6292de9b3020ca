package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/dsr4d/dsr4d/pipeline/bench"
	"github.com/dsr4d/dsr4d/pipeline/qa"
	"github.com/dsr4d/dsr4d/pipeline/synth"
)

var (
	qaScenesOnce sync.Once
	qaScenesDir  string
	qaScenesErr  error
)

// qaScenes writes three small synthetic scenes (one with light noise) once per test binary.
func qaScenes(t *testing.T) []string {
	t.Helper()
	qaScenesOnce.Do(func() {
		qaScenesDir, qaScenesErr = os.MkdirTemp("", "dsr4d-qa-test")
		if qaScenesErr != nil {
			return
		}
		for i, noise := range []string{"none", "none", "light"} {
			cfg := synth.DefaultConfig()
			cfg.Seed = uint64(40 + i)
			cfg.Frames, cfg.Size, cfg.PointsSize = 12, [2]int{128, 72}, [2]int{64, 36}
			if cfg.Noise, qaScenesErr = synth.ParseNoise(noise); qaScenesErr != nil {
				return
			}
			r, err := synth.Generate(cfg, synth.CPU{})
			if err != nil {
				qaScenesErr = err
				return
			}
			if qaScenesErr = synth.Write(filepath.Join(qaScenesDir, cfg.ID()), r); qaScenesErr != nil {
				return
			}
		}
	})
	if qaScenesErr != nil {
		t.Fatal(qaScenesErr)
	}
	m, _ := filepath.Glob(filepath.Join(qaScenesDir, "synth-*"))
	if len(m) != 3 {
		t.Fatalf("scenes: %v", m)
	}
	return m
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// outputs returns the merged files of an output directory by name.
func outputs(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	m := map[string][]byte{}
	for _, f := range qa.Formats {
		m[f.File] = readFile(t, filepath.Join(dir, f.File))
	}
	m["summary.json"] = readFile(t, filepath.Join(dir, "summary.json"))
	return m
}

func sameOutputs(t *testing.T, what string, a, b map[string][]byte) {
	t.Helper()
	for k, v := range a {
		if !bytes.Equal(v, b[k]) {
			t.Errorf("%s: %s differs", what, k)
		}
	}
}

func TestQAFormatsAndBenchBaselines(t *testing.T) {
	t.Parallel()
	scenes := qaScenes(t)
	out := t.TempDir()
	code, stdout, stderr := runCmd("qa", "--device", "cpu", "--per-video", "40", "--seed", "1", "--out", out, scenes[0])
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "questions written") || !strings.Contains(stdout, "rejected") {
		t.Errorf("summary: %s", stdout)
	}
	qs, err := qa.ReadDSR4D(bytes.NewReader(readFile(t, filepath.Join(out, "questions.jsonl"))))
	if err != nil || len(qs) == 0 {
		t.Fatalf("%d questions, %v", len(qs), err)
	}
	// Every answer recomputed from its provenance.
	for i, q := range qs {
		if a, err := qa.Answer(q.Type, q.Series); err != nil || a != q.AnswerText() {
			t.Errorf("question %d: recomputed %q (%v), stored %q", i, a, err, q.AnswerText())
		}
	}
	// The bench reader reads every table format; oracle scores 100%, always-A the share of A.
	shareA := 0
	for _, q := range qs {
		if q.Correct == "A" {
			shareA++
		}
	}
	for _, f := range []string{"bench.jsonl", "bench.parquet", "qa_pairs.json"} {
		b, err := bench.ReadBench(filepath.Join(out, f), bench.ReadOptions{})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if len(b.Questions) != len(qs) {
			t.Fatalf("%s: %d questions, want %d", f, len(b.Questions), len(qs))
		}
		for kind, want := range map[bench.Baseline]int{bench.BaselineOracle: len(qs), bench.BaselineAlwaysA: shareA} {
			replies, err := bench.BaselineReplies(b, kind, 0)
			if err != nil {
				t.Fatal(err)
			}
			r, err := bench.Score(b, replies, bench.FallbackReference, string(kind))
			if err != nil {
				t.Fatal(err)
			}
			if r.Overall.Correct != want {
				t.Errorf("%s %s: %d correct, want %d", f, kind, r.Overall.Correct, want)
			}
		}
	}
	train := string(readFile(t, filepath.Join(out, "train.json")))
	if !strings.Contains(train, `"value": "<video>\n`) || !strings.Contains(train, `.mp4"`) {
		t.Errorf("train.json: %.300s", train)
	}
	pairs := string(readFile(t, filepath.Join(out, "qa_pairs.json")))
	if !strings.HasPrefix(pairs, "{\n    \"synth-") || !strings.Contains(pairs, "\n            \"Correct\": ") {
		t.Errorf("qa_pairs.json: %.300s", pairs)
	}
}

func TestQABatchShardResume(t *testing.T) {
	t.Parallel()
	scenes := qaScenes(t)
	bad := filepath.Join(t.TempDir(), "broken")
	if err := os.MkdirAll(bad, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(bad, "scene.json"), []byte(`{"format":"dsr4d-scene/1"}`), 0o644)
	all := append(append([]string{}, scenes...), bad)
	manifest := filepath.Join(t.TempDir(), "scenes.txt")
	os.WriteFile(manifest, []byte("# scenes\n"+strings.Join(all, "\n")+"\n"), 0o644)
	base := []string{"qa", "--device", "cpu", "--per-video", "12", "--seed", "9"}

	one := t.TempDir()
	if code, stdout, stderr := runCmd(append(base, "--out", one, "--workers", "1", "--manifest", manifest)...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	} else if !strings.Contains(stdout, "4 scenes (1 failed)") || !strings.Contains(stdout, "scene_invalid") {
		t.Errorf("summary: %s", stdout)
	}
	ref := outputs(t, one)

	two := t.TempDir()
	if code, _, stderr := runCmd(append(base, "--out", two, "--workers", "2", "--manifest", manifest)...); code != 0 {
		t.Fatalf("workers 2: exit %d: %s", code, stderr)
	}
	sameOutputs(t, "--workers 2", ref, outputs(t, two))

	// Shards into separate directories, then their scenes/ gathered and merged.
	merged := t.TempDir()
	for i := range 3 {
		dir := t.TempDir()
		if code, _, stderr := runCmd(append(base, "--out", dir, "--shard", []string{"0/3", "1/3", "2/3"}[i], "--manifest", manifest)...); code != 0 {
			t.Fatalf("shard %d: exit %d: %s", i, code, stderr)
		}
		files, _ := filepath.Glob(filepath.Join(dir, "scenes", "*.json"))
		for _, f := range files {
			os.MkdirAll(filepath.Join(merged, "scenes"), 0o755)
			os.WriteFile(filepath.Join(merged, "scenes", filepath.Base(f)), readFile(t, f), 0o644)
		}
	}
	if code, _, stderr := runCmd(append(base, "--out", merged, "--manifest", manifest)...); code != 0 {
		t.Fatalf("merge: exit %d: %s", code, stderr)
	}
	sameOutputs(t, "shards merged", ref, outputs(t, merged))

	// Resume after a kill: one scene's result gone, a half-written temp file left behind.
	files, _ := filepath.Glob(filepath.Join(one, "scenes", "synth-*.json"))
	os.Remove(files[0])
	os.WriteFile(filepath.Join(one, "scenes", "."+filepath.Base(files[1])+".tmp123"), []byte(`{"video_id":`), 0o644)
	if code, stdout, stderr := runCmd(append(base, "--out", one, "--manifest", manifest)...); code != 0 {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	} else if !strings.Contains(stdout, "1 scenes processed, 3 already done") {
		t.Errorf("resume: %s", stdout)
	}
	sameOutputs(t, "resumed", ref, outputs(t, one))
}

func TestQAAuditOracle(t *testing.T) {
	t.Parallel()
	scenes := qaScenes(t)
	out := t.TempDir()
	code, stdout, stderr := runCmd(append([]string{"qa", "--device", "cpu", "--oracle-centres", "--per-video", "60", "--out", out}, scenes...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "| all | 100.0%") || strings.Contains(stdout, "| 9") && !strings.Contains(stdout, "100.0%") {
		t.Errorf("oracle audit is not 100%%:\n%s", stdout)
	}
	for _, f := range []string{"audit.json", "audit.md", "audit.png"} {
		if len(readFile(t, filepath.Join(out, f))) == 0 {
			t.Errorf("%s empty", f)
		}
	}
	table := string(readFile(t, filepath.Join(out, "audit.md")))
	for _, line := range strings.Split(table, "\n") {
		if strings.HasPrefix(line, "| ") && !strings.HasPrefix(line, "| type") && strings.Contains(line, "%") && strings.Count(line, "100.0%")+strings.Count(line, "—") != strings.Count(line, "|")-2 {
			t.Errorf("oracle disagreement: %s", line)
		}
	}
}

func TestQAUsage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"qa", "--shard", "2/2"}, {"qa", "--format", "xml"}, {"qa", "--device", "tpu"}, {"qa", "--per-video", "0"}} {
		if code, _, _ := runCmd(args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	if code, _, stderr := runCmd("qa", "-h"); code != 0 || !strings.Contains(stderr, "--oracle-centres") {
		t.Errorf("-h: exit %d: %s", code, stderr)
	}
}

// TestQADefaultScene: on the default synthetic scene (`dsr4d synth` with no flags but --out),
// `dsr4d qa` writes every format on Vulkan and on the CPU with the same answers, and every
// answer is recomputed from its provenance. Not parallel: it builds Vulkan pipelines (see
// TestSynth).
func TestQADefaultScene(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "example")
	if code, _, stderr := runCmd("synth", "--out", dir); code != 0 {
		t.Fatalf("synth: exit %d: %s", code, stderr)
	}
	outs := map[string]string{}
	for _, dev := range []string{"vulkan", "cpu"} {
		out := filepath.Join(t.TempDir(), dev)
		code, stdout, stderr := runCmd("qa", "--device", dev, "--out", out, dir)
		if code != 0 {
			if dev == "vulkan" && os.Getenv("CI") == "" && strings.Contains(stderr, "no Vulkan device") {
				t.Log("no Vulkan device: CPU only")
				continue
			}
			t.Fatalf("%s: exit %d: %s", dev, code, stderr)
		}
		t.Logf("%s: %s", dev, stdout)
		outs[dev] = out
		for _, f := range qa.Formats {
			if st, err := os.Stat(filepath.Join(out, f.File)); err != nil || st.Size() == 0 {
				t.Errorf("%s: %s missing or empty", dev, f.File)
			}
		}
		qs, err := qa.ReadDSR4D(bytes.NewReader(readFile(t, filepath.Join(out, "questions.jsonl"))))
		if err != nil || len(qs) == 0 {
			t.Fatalf("%s: %d questions, %v", dev, len(qs), err)
		}
		for i, q := range qs {
			if a, err := qa.Answer(q.Type, q.Series); err != nil || a != q.AnswerText() {
				t.Errorf("%s question %d: recomputed %q (%v), stored %q", dev, i, a, err, q.AnswerText())
			}
		}
	}
	if outs["vulkan"] != "" && !bytes.Equal(readFile(t, filepath.Join(outs["vulkan"], "qa_pairs.json")), readFile(t, filepath.Join(outs["cpu"], "qa_pairs.json"))) {
		t.Error("qa_pairs.json differs between --device vulkan and --device cpu")
	}
}
