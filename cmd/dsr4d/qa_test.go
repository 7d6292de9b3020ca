package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dsr4d/dsr4d/pipeline/bench"
	"github.com/dsr4d/dsr4d/pipeline/qa"
	"github.com/dsr4d/dsr4d/pipeline/questions"
	"github.com/dsr4d/dsr4d/pipeline/synth"
	"github.com/dsr4d/dsr4d/vk"
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
	qs, err := questions.Read(bytes.NewReader(readFile(t, filepath.Join(out, "questions.jsonl"))))
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

	// Resume after a kill: one scene's result gone, half-written temporaries left behind (they
	// are removed); the failed scene is retried, the other two reused.
	files, _ := filepath.Glob(filepath.Join(one, "scenes", "synth-*.json"))
	os.Remove(files[0])
	temps := []string{filepath.Join(one, "scenes", "."+filepath.Base(files[1])+".tmp-123"), filepath.Join(one, ".train.json.tmp-77")}
	for _, tmp := range temps {
		os.WriteFile(tmp, []byte(`{"video_id":`), 0o644)
	}
	if code, stdout, stderr := runCmd(append(base, "--out", one, "--manifest", manifest)...); code != 0 {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	} else if !strings.Contains(stdout, "2 scenes processed, 2 already done") {
		t.Errorf("resume: %s", stdout)
	}
	sameOutputs(t, "resumed", ref, outputs(t, one))
	for _, tmp := range temps {
		if _, err := os.Stat(tmp); err == nil {
			t.Errorf("%s left behind", tmp)
		}
	}
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
		qs, err := questions.Read(bytes.NewReader(readFile(t, filepath.Join(out, "questions.jsonl"))))
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

// copyScene copies scene src to dst under another video id (links for the big files).
func copyScene(t *testing.T, src, dst, id string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dst, "frames"), 0o755); err != nil {
		t.Fatal(err)
	}
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if rel == "scene.json" {
			var m map[string]any
			json.Unmarshal(readFile(t, p), &m)
			m["video_id"] = id
			b, _ := json.Marshal(m)
			return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
		}
		return os.WriteFile(filepath.Join(dst, rel), readFile(t, p), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestQAShardRace: `--shard 0/2` and `--shard 1/2` run at the same time as two processes into
// one --out, 20 times; every time both succeed and the merged outputs are those of one run
// (issue 12, defect 1: merges without a lock lost scenes 5 times in 30).
func TestQAShardRace(t *testing.T) {
	t.Parallel()
	src := qaScenes(t)
	dir := t.TempDir()
	var scenes []string
	for i := range 6 {
		d := filepath.Join(dir, fmt.Sprintf("race-%d", i))
		copyScene(t, src[i%len(src)], d, fmt.Sprintf("race-%d", i))
		scenes = append(scenes, d)
	}
	base := []string{"qa", "--device", "cpu", "--per-video", "6", "--workers", "1"}
	ref := t.TempDir()
	if code, _, stderr := runCmd(append(append(base, "--out", ref), scenes...)...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := outputs(t, ref)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	races := 20
	if testing.Short() {
		races = 5
	}
	for r := range races {
		out := t.TempDir()
		var cmds []*exec.Cmd
		var errs [2]bytes.Buffer
		for i := range 2 {
			c := exec.Command(exe, append(append(base, "--out", out, "--shard", fmt.Sprintf("%d/2", i)), scenes...)...)
			c.Env = append(os.Environ(), "DSR4D_TEST_AS_MAIN=1")
			c.Stderr = &errs[i]
			cmds = append(cmds, c)
		}
		for _, c := range cmds {
			if err := c.Start(); err != nil {
				t.Fatal(err)
			}
		}
		for i, c := range cmds {
			if err := c.Wait(); err != nil {
				t.Fatalf("race %d shard %d: %v\n%s", r, i, err, errs[i].String())
			}
		}
		sameOutputs(t, fmt.Sprintf("race %d", r), want, outputs(t, out))
		if t.Failed() {
			return
		}
	}
}

// TestQAKill9: a run killed with SIGKILL at any moment, then rerun, gives the outputs of one
// uninterrupted run and leaves no temporary file (the crash contract of pipeline/qa's doc).
func TestQAKill9(t *testing.T) {
	t.Parallel()
	src := qaScenes(t)
	dir := t.TempDir()
	var scenes []string
	for i := range 6 {
		d := filepath.Join(dir, fmt.Sprintf("kill-%d", i))
		copyScene(t, src[i%len(src)], d, fmt.Sprintf("kill-%d", i))
		scenes = append(scenes, d)
	}
	base := []string{"qa", "--device", "cpu", "--per-video", "6", "--workers", "1"}
	ref := t.TempDir()
	if code, _, stderr := runCmd(append(append(base, "--out", ref), scenes...)...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := outputs(t, ref)
	exe, _ := os.Executable()
	for r := range 5 {
		out := t.TempDir()
		c := exec.Command(exe, append(append(base, "--out", out), scenes...)...)
		c.Env = append(os.Environ(), "DSR4D_TEST_AS_MAIN=1")
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(40+60*r) * time.Millisecond)
		c.Process.Kill()
		c.Wait()
		if code, _, stderr := runCmd(append(append(base, "--out", out), scenes...)...); code != 0 {
			t.Fatalf("kill %d: rerun exit %d: %s", r, code, stderr)
		}
		sameOutputs(t, fmt.Sprintf("kill %d", r), want, outputs(t, out))
		for _, d := range []string{out, filepath.Join(out, "scenes")} {
			es, _ := os.ReadDir(d)
			for _, e := range es {
				if strings.Contains(e.Name(), ".tmp") {
					t.Errorf("kill %d: %s left in %s", r, e.Name(), d)
				}
			}
		}
	}
}

// TestQAFullDisk: ENOSPC on a write (injected by strace on the n-th fsync, as NFS reports a full
// disk) fails the run naming the file, leaves every file whole and no temporary, and a rerun
// finishes the job.
func TestQAFullDisk(t *testing.T) {
	t.Parallel()
	strace := needStrace(t)
	scenes := qaScenes(t)
	base := []string{"qa", "--device", "cpu", "--per-video", "6", "--workers", "1"}
	ref := t.TempDir()
	if code, _, stderr := runCmd(append(append(base, "--out", ref), scenes...)...); code != 0 {
		t.Fatal(stderr)
	}
	want := outputs(t, ref)
	exe, _ := os.Executable()
	failed := 0
	for _, when := range []int{1, 3, 5, 7} {
		out := t.TempDir()
		c := exec.Command(strace, append([]string{"-f", "-o", "/dev/null", "-e", fmt.Sprintf("inject=fsync:error=ENOSPC:when=%d", when), exe},
			append(append(base, "--out", out), scenes...)...)...)
		c.Env = append(os.Environ(), "DSR4D_TEST_AS_MAIN=1")
		b, err := c.CombinedOutput()
		if err != nil {
			failed++
			if !strings.Contains(string(b), "no space left on device") || !strings.Contains(string(b), out) || strings.Contains(string(b), ".tmp-") {
				t.Errorf("fsync %d failing: %s", when, b)
			}
		}
		filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
			if err == nil && strings.Contains(d.Name(), ".tmp") {
				t.Errorf("fsync %d failing: %s left", when, p)
			}
			return nil
		})
		if code, _, stderr := runCmd(append(append(base, "--out", out), scenes...)...); code != 0 {
			t.Fatalf("fsync %d failing: rerun exit %d: %s", when, code, stderr)
		}
		sameOutputs(t, fmt.Sprintf("fsync %d failing, rerun", when), want, outputs(t, out))
	}
	if failed == 0 {
		t.Error("no injected failure reached dsr4d")
	}
}

// TestQAOptionsKeyResults: results are keyed by the options that made them (issue 12, defect 2):
// a rerun with another --seed, or with --audit after a run without, is refused naming the flag;
// --force recomputes, and the outputs then say the new options.
func TestQAOptionsKeyResults(t *testing.T) {
	t.Parallel()
	scenes := qaScenes(t)
	out := t.TempDir()
	base := []string{"qa", "--device", "cpu", "--per-video", "8", "--out", out}
	for _, s := range scenes {
		base = append(base, "--scene", s)
	}
	if code, _, stderr := runCmd(append(base, "--seed", "1")...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	seed1 := outputs(t, out)
	code, _, stderr := runCmd(append(base, "--seed", "2")...)
	if code != 1 || !strings.Contains(stderr, "--seed 1 (this run: 2)") || !strings.Contains(stderr, "--force") {
		t.Fatalf("--seed 2 over --seed 1: exit %d: %s", code, stderr)
	}
	sameOutputs(t, "after the refusal", seed1, outputs(t, out))
	if code, stdout, stderr := runCmd(append(base, "--seed", "2", "--force")...); code != 0 || !strings.Contains(stdout, "3 scenes processed") {
		t.Fatalf("--force: exit %d: %s%s", code, stdout, stderr)
	}
	qs, err := questions.Read(bytes.NewReader(readFile(t, filepath.Join(out, "questions.jsonl"))))
	if err != nil || len(qs) == 0 {
		t.Fatal(len(qs), err)
	}
	for _, q := range qs {
		if q.Seed != 2 {
			t.Fatalf("question of %s says seed %d after --seed 2 --force", q.VideoID, q.Seed)
		}
	}
	if bytes.Equal(seed1["questions.jsonl"], readFile(t, filepath.Join(out, "questions.jsonl"))) {
		t.Error("--seed 2 --force left the --seed 1 questions")
	}
	code, _, stderr = runCmd(append(base, "--seed", "2", "--audit")...)
	if code != 1 || !strings.Contains(stderr, "--audit false (this run: true)") {
		t.Fatalf("--audit over a run without: exit %d: %s", code, stderr)
	}
	if code, _, stderr := runCmd(append(base, "--seed", "2", "--audit", "--force")...); code != 0 {
		t.Fatalf("--audit --force: exit %d: %s", code, stderr)
	}
	var audit struct {
		Agreement []qa.Agreement `json:"agreement"`
	}
	if err := json.Unmarshal(readFile(t, filepath.Join(out, "audit.json")), &audit); err != nil || len(audit.Agreement) == 0 || audit.Agreement[0].N == 0 {
		t.Errorf("audit.json after --audit --force: %+v %v", audit, err)
	}
	// A stray file in OUT/scenes is named, never merged as a video "".
	os.WriteFile(filepath.Join(out, "scenes", "stray.json"), []byte("{}"), 0o644)
	if code, _, stderr := runCmd("qa", "--merge-only", "--out", out); code != 1 || !strings.Contains(stderr, "stray.json: not a dsr4d qa result") {
		t.Errorf("stray {}: exit %d: %s", code, stderr)
	}
}

// TestQARetriesFailures: a scene that failed (a bad orient.json, a manifest entry not there yet)
// is retried once fixed, and a scene whose content changed is recomputed (issue 12, defect 3).
func TestQARetriesFailures(t *testing.T) {
	t.Parallel()
	src := qaScenes(t)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	copyScene(t, src[0], a, "retry-a")
	orient := readFile(t, filepath.Join(a, "orient.json"))
	os.WriteFile(filepath.Join(a, "orient.json"), []byte(`{"1": "nope"}`), 0o644)
	manifest := filepath.Join(dir, "m.txt")
	os.WriteFile(manifest, []byte("a\nb\n"), 0o644)
	out := t.TempDir()
	args := []string{"qa", "--device", "cpu", "--per-video", "8", "--out", out, "--manifest", manifest}
	code, stdout, stderr := runCmd(args...)
	if code != 1 || !strings.Contains(stderr, "all 2 scene(s) failed") {
		t.Fatalf("exit %d: %s%s", code, stdout, stderr)
	}
	os.WriteFile(filepath.Join(a, "orient.json"), orient, 0o644)
	copyScene(t, src[1], b, "retry-b")
	code, stdout, stderr = runCmd(args...)
	if code != 0 || !strings.Contains(stdout, "2 scenes processed, 0 already done") || !strings.Contains(stdout, "2 scenes (0 failed)") {
		t.Fatalf("after the fix: exit %d: %s%s", code, stdout, stderr)
	}
	if code, stdout, _ = runCmd(args...); code != 0 || !strings.Contains(stdout, "0 scenes processed, 2 already done") {
		t.Fatalf("unchanged rerun: %s", stdout)
	}
	// Files touched (or copied) but the same: reused, by content hash.
	later := time.Now().Add(time.Hour)
	os.Chtimes(filepath.Join(a, "masks.npz"), later, later)
	if code, stdout, _ = runCmd(args...); code != 0 || !strings.Contains(stdout, "0 scenes processed, 2 already done") {
		t.Fatalf("touched scene: %s", stdout)
	}
	// Another scene under the same directory and video id: recomputed.
	os.RemoveAll(b)
	copyScene(t, src[2], b, "retry-b")
	if code, stdout, _ = runCmd(args...); code != 0 || !strings.Contains(stdout, "1 scenes processed, 1 already done") {
		t.Fatalf("changed scene: %s", stdout)
	}
}

// TestQAShardAutoMergeOnly: --shard auto reads a Kubernetes Indexed Job's variables (and names
// the one missing or wrong); --merge-only merges what the shards wrote.
func TestQAShardAutoMergeOnly(t *testing.T) {
	scenes := qaScenes(t)
	out := t.TempDir()
	base := []string{"qa", "--device", "cpu", "--per-video", "8", "--out", out, "--shard", "auto"}
	for _, s := range scenes {
		base = append(base, "--scene", s)
	}
	for _, tc := range []struct{ index, completions, want string }{
		{"", "2", "$JOB_COMPLETION_INDEX is not set"},
		{"0", "", "$JOB_COMPLETIONS is not set"},
		{"x", "2", `$JOB_COMPLETION_INDEX="x"`},
		{"2", "2", "$JOB_COMPLETION_INDEX=2, want < $JOB_COMPLETIONS=2"},
		{"0", "0", `$JOB_COMPLETIONS="0"`},
	} {
		t.Setenv("JOB_COMPLETION_INDEX", tc.index)
		t.Setenv("JOB_COMPLETIONS", tc.completions)
		if code, _, stderr := runCmd(base...); code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q/%q: exit %d: %s", tc.index, tc.completions, code, stderr)
		}
	}
	if code, _, _ := runCmd("qa", "--merge-only", "--out", t.TempDir()); code != 1 {
		t.Errorf("--merge-only on nothing: exit %d, want 1", code)
	}
	total := 0
	for i := range 2 {
		t.Setenv("JOB_COMPLETION_INDEX", fmt.Sprint(i))
		t.Setenv("JOB_COMPLETIONS", "2")
		code, stdout, stderr := runCmd(base...)
		if code != 0 && !strings.Contains(stderr, "all 0") {
			t.Fatalf("shard %d: exit %d: %s", i, code, stderr)
		}
		var n int
		fmt.Sscanf(stdout, "this run: %d scenes", &n)
		total += n
	}
	if total != len(scenes) {
		t.Errorf("the two shards processed %d scenes, want %d", total, len(scenes))
	}
	os.Remove(filepath.Join(out, "summary.json"))
	if code, stdout, stderr := runCmd("qa", "--merge-only", "--out", out, "--format", "bench"); code != 0 || !strings.Contains(stdout, fmt.Sprintf("%d scenes (0 failed)", len(scenes))) {
		t.Fatalf("--merge-only: exit %d: %s%s", code, stdout, stderr)
	}
	ref := t.TempDir()
	if code, _, stderr := runCmd(append([]string{"qa", "--device", "cpu", "--per-video", "8", "--out", ref}, scenes...)...); code != 0 {
		t.Fatal(stderr)
	}
	if !bytes.Equal(readFile(t, filepath.Join(ref, "bench.jsonl")), readFile(t, filepath.Join(out, "bench.jsonl"))) {
		t.Error("merged shards differ from one run")
	}
}

// A manifest line over 64 KiB is read (it used to fail with "bufio.Scanner: token too long"
// without file:line); a NUL byte names the file and line.
func TestQAManifestLongLine(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m := filepath.Join(dir, "m.txt")
	long := strings.Repeat("d/", 40000) + "scene"
	os.WriteFile(m, []byte("# corpus\n"+long+"\n"), 0o644)
	got, err := readManifest(m)
	if err != nil || len(got) != 1 || got[0] != filepath.Join(dir, long) {
		t.Errorf("long line: %d entries, %v", len(got), err)
	}
	os.WriteFile(m, []byte("a\nb\x00c\n"), 0o644)
	if _, err := readManifest(m); err == nil || !strings.Contains(err.Error(), m+":2:") {
		t.Errorf("NUL: %v", err)
	}
}

// Every command reports the validation messages of the devices it opened; under CI a non-zero
// count is an error (issue 12, defect 10).
func TestReportValidation(t *testing.T) {
	var e bytes.Buffer
	validation.on, validation.total, validation.first = true, 2, "error: [VUID-x] bad"
	t.Setenv("CI", "true")
	err := reportValidation("qa", &e, nil)
	if err == nil || !strings.Contains(e.String(), "dsr4d qa: 2 Vulkan validation messages, first: error: [VUID-x] bad") {
		t.Errorf("under CI: %v, %q", err, e.String())
	}
	e.Reset()
	validation.on = true
	if err := reportValidation("qa", &e, nil); err != nil || !strings.Contains(e.String(), "0 Vulkan validation messages") {
		t.Errorf("none: %v, %q", err, e.String())
	}
	e.Reset()
	if err := reportValidation("qa", &e, nil); err != nil || e.Len() != 0 {
		t.Errorf("not validating: %v, %q", err, e.String())
	}
	// A real run: qa on Vulkan with the layer reports its count.
	if _, err := vk.Devices(vk.Options{}); err != nil || !vk.ValidationLayerInstalled() {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set and there is no Vulkan device or validation layer: %v", err)
		}
		t.Skip("no Vulkan device or validation layer")
	}
	scenes := qaScenes(t)
	code, _, stderr := runCmd("qa", "--device", "vulkan", "--validate", "--per-video", "4", "--out", t.TempDir(), scenes[0])
	if code != 0 || !strings.Contains(stderr, "dsr4d qa: 0 Vulkan validation messages") {
		t.Errorf("qa --validate: exit %d: %s", code, stderr)
	}
}
