package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dsr4d/dsr4d/pipeline/bench"
	"github.com/dsr4d/dsr4d/pipeline/fuse"
	"github.com/dsr4d/dsr4d/pipeline/qa"
	"github.com/dsr4d/dsr4d/pipeline/scene"
	"github.com/dsr4d/dsr4d/pipeline/synth"
	"github.com/dsr4d/dsr4d/vk"
)

func init() {
	commands["qa"] = command{summary: "generate DSR template questions from scenes (batch, resumable, sharded; --audit against ground truth)", run: runQA}
}

const qaSynopsis = `qa [--scene DIR]... [DIR...] [--manifest FILE] [--out DIR] [--format LIST] [--per-video 10]
          [--seed 0] [--workers N] [--shard i/n] [--device auto|cpu|vulkan] [--audit] [--oracle-centres]
       dsr4d qa --nontemplate --endpoint URL --model NAME ...   (non-template questions: dsr4d qa --nontemplate -h)

Generates the DSR Suite's 12 template question types from dsr4d-scene/1 directories: object
centres (Vulkan kernels or the CPU reference), series in the camera's or an agent's viewer frame,
answers, three distractors and a letter, exactly as the reference pipeline would on the same cues.

Each scene's questions go to OUT/scenes/<video id>.json, written atomically; a rerun skips scenes
already there (resumable; safe after kill -9). --shard i/n processes only the scenes whose video
id hashes to i mod n, so machines can split a corpus into one OUT (or copy OUT/scenes together).
Every run then merges all of OUT/scenes, sorted by video id, into OUT's files — identical however
the work was split:
  qa_pairs.json    the reference's {videoID: [{Type, Question, A..D, Correct}]}
  train.json       LLaVA-style training conversations
  bench.jsonl      bench table (videoID, question, options, answer, type)
  bench.parquet    the same as parquet (DSR-Bench's benchmark.parquet columns)
  questions.jsonl  dsr4d's questions with provenance (viewpoint, frames, objects, series, seed)
  summary.json     generated and rejected questions by reason, failed scenes
With --audit (synthetic scenes with gt.json), every answer is recomputed from the true centres
and facing: audit.json (each disagreement with both series), audit.md (agreement per type and
noise level) and audit.png. --oracle-centres generates from the true centres and facing instead
(the audit must then agree 100%).`

type qaConfig struct {
	out      string
	formats  []string
	perVideo int
	seed     uint64
	workers  int
	shard    [2]int
	device   string
	audit    bool
	oracle   bool
}

func runQA(args []string, stdout, stderr io.Writer) error {
	if hasFlag(args, "nontemplate") {
		return runQANontemp(args, stdout, stderr) // qa_nontemp.go
	}
	fs := newFlagSet("qa", qaSynopsis, stderr)
	var scenes []string
	fs.Func("scene", "scene directory (repeatable; positional arguments too)", func(s string) error {
		scenes = append(scenes, s)
		return nil
	})
	manifest := fs.String("manifest", "", "file listing scene directories, one per line (# comments, blank lines ignored; relative to the file)")
	var cfg qaConfig
	fs.StringVar(&cfg.out, "out", "qa", "output directory")
	format := fs.String("format", "all", "formats to write, comma-separated: all or "+formatNames())
	fs.IntVar(&cfg.perVideo, "per-video", 10, "attempts per video (the reference's qa_num; failed attempts make no question)")
	fs.Uint64Var(&cfg.seed, "seed", 0, "random seed: the same seed and scenes give byte-identical outputs")
	fs.IntVar(&cfg.workers, "workers", min(runtime.NumCPU(), 4), "scenes processed in parallel")
	shard := fs.String("shard", "0/1", "process only shard i of n (i/n): scenes whose video id hashes to i mod n")
	fs.StringVar(&cfg.device, "device", "auto", "centres on: auto (Vulkan when a device exists), cpu or vulkan")
	fs.BoolVar(&cfg.audit, "audit", false, "recompute every answer from gt.json (synthetic scenes) and report agreement")
	fs.BoolVar(&cfg.oracle, "oracle-centres", false, "generate from gt.json's true centres and facing (implies --audit)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	bad := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "dsr4d qa: "+format+"\n", a...)
		return errUsage
	}
	scenes = append(scenes, fs.Args()...)
	if *manifest != "" {
		m, err := readManifest(*manifest)
		if err != nil {
			return err
		}
		scenes = append(scenes, m...)
	}
	var err error
	if cfg.formats, err = parseFormats(*format); err != nil {
		return bad("--format: %v", err)
	}
	if cfg.shard, err = parseShard(*shard); err != nil {
		return bad("--shard: %v", err)
	}
	if cfg.perVideo < 1 {
		return bad("--per-video: %d, want at least 1", cfg.perVideo)
	}
	if cfg.workers < 1 {
		return bad("--workers: %d, want at least 1", cfg.workers)
	}
	switch cfg.device {
	case "auto", "cpu", "vulkan":
	default:
		return bad("--device: %q, want auto, cpu or vulkan", cfg.device)
	}
	if cfg.oracle {
		cfg.audit = true
	}
	return qaRun(cfg, scenes, stdout, stderr)
}

func formatNames() string {
	var n []string
	for _, f := range qa.Formats {
		n = append(n, f.Name)
	}
	return strings.Join(n, ", ")
}

func parseFormats(s string) ([]string, error) {
	if s == "all" {
		var all []string
		for _, f := range qa.Formats {
			all = append(all, f.Name)
		}
		return all, nil
	}
	var out []string
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if qa.FileName(f) == "" {
			return nil, fmt.Errorf("unknown format %q (want all or %s)", f, formatNames())
		}
		out = append(out, f)
	}
	return out, nil
}

func parseShard(s string) ([2]int, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return [2]int{}, fmt.Errorf("%q: want i/n with 0 ≤ i < n", s)
	}
	return [2]int{i, n}, nil
}

func readManifest(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !filepath.IsAbs(line) {
			line = filepath.Join(filepath.Dir(path), line)
		}
		out = append(out, line)
	}
	return out, sc.Err()
}

// sceneResult is one scene's output, OUT/scenes/<key>.json.
type sceneResult struct {
	VideoID   string        `json:"video_id"`
	Scene     string        `json:"scene"`
	Error     string        `json:"error,omitempty"`
	Group     string        `json:"noise,omitempty"` // gt.json's noise setting (audit group)
	Stats     qa.Stats      `json:"stats"`
	Questions []qa.Question `json:"questions"`
	Checks    []qa.Check    `json:"checks,omitempty"`
}

var unsafeKey = regexp.MustCompile(`[^A-Za-z0-9._-]`)

// sceneKey names a scene's result file: its video id (read from scene.json), made file-safe,
// or the directory name when scene.json is unreadable.
func sceneKey(dir string) string {
	id := filepath.Base(filepath.Clean(dir))
	if b, err := os.ReadFile(filepath.Join(dir, scene.MetaFile)); err == nil {
		var m struct {
			VideoID string `json:"video_id"`
		}
		if json.Unmarshal(b, &m) == nil && m.VideoID != "" {
			id = m.VideoID
		}
	}
	k := unsafeKey.ReplaceAllString(id, "_")
	if k != id {
		h := fnv.New32a()
		h.Write([]byte(id))
		k = fmt.Sprintf("%s-%08x", k, h.Sum32())
	}
	return k
}

func inShard(key string, shard [2]int) bool {
	h := fnv.New64a()
	h.Write([]byte(key))
	return int(h.Sum64()%uint64(shard[1])) == shard[0]
}

// centresFunc computes a scene's centres on the chosen device.
type centresFunc func(s *scene.Scene) (*fuse.Centres, error)

func openCentres(device string, workers int) (centresFunc, string, func(), error) {
	cpu := func(s *scene.Scene) (*fuse.Centres, error) {
		return fuse.CPU(s, max(1, runtime.GOMAXPROCS(0)/workers)), nil
	}
	if device == "cpu" {
		return cpu, "cpu", func() {}, nil
	}
	d, err := vk.Open(vk.Options{})
	if errors.Is(err, vk.ErrNoDevice) && device == "auto" {
		slog.Warn("no Vulkan device; centres on the CPU reference", "err", err)
		return cpu, "cpu", func() {}, nil
	}
	if err != nil {
		return nil, "", nil, err
	}
	v, err := fuse.NewVulkan(d)
	if err != nil {
		d.Close()
		return nil, "", nil, err
	}
	return v.Centres, "vulkan: " + d.Info().Name, func() { v.Release(); d.Close() }, nil
}

func qaRun(cfg qaConfig, scenes []string, stdout, stderr io.Writer) error {
	start := time.Now()
	dir := filepath.Join(cfg.out, "scenes")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// Pick this shard's scenes; skip finished ones.
	type job struct{ dir, key string }
	var jobs []job
	seen := map[string]string{}
	resumed := 0
	for _, s := range scenes {
		k := sceneKey(s)
		if !inShard(k, cfg.shard) {
			continue
		}
		if prev, dup := seen[k]; dup {
			return fmt.Errorf("scenes %s and %s have the same video id (%s)", prev, s, k)
		}
		seen[k] = s
		if _, err := readResult(filepath.Join(dir, k+".json")); err == nil {
			resumed++
			continue
		}
		jobs = append(jobs, job{s, k})
	}
	var centres centresFunc
	device := "none"
	if len(jobs) > 0 {
		var closeDev func()
		var err error
		if centres, device, closeDev, err = openCentres(cfg.device, cfg.workers); err != nil {
			return err
		}
		defer closeDev()
	}
	bar := newProgress(stderr, len(jobs))
	var mu sync.Mutex
	done := 0
	var firstErr error
	next := make(chan job)
	var wg sync.WaitGroup
	for range min(cfg.workers, max(len(jobs), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				r := processScene(j.dir, centres, cfg)
				err := writeResult(filepath.Join(dir, j.key+".json"), r)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				if r.Error != "" {
					slog.Warn("scene skipped", "scene", j.dir, "err", r.Error)
				}
				done++
				bar.step(done)
				mu.Unlock()
			}
		}()
	}
	for _, j := range jobs {
		next <- j
	}
	close(next)
	wg.Wait()
	bar.done()
	if firstErr != nil {
		return firstErr
	}
	sum, err := qaMerge(cfg, dir)
	if err != nil {
		return err
	}
	slog.Info("qa", "scenes", len(jobs), "resumed", resumed, "device", device, "elapsed", time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(stdout, "this run: %d scenes processed, %d already done (skipped)\n", len(jobs), resumed)
	printSummary(stdout, sum, cfg)
	if sum.Scenes > 0 && len(sum.Videos) == 0 {
		// Partial failures are counted and the batch goes on; a batch where nothing worked
		// must not look like a success to a script.
		return fmt.Errorf("all %d scene(s) failed (reasons above and in %s)", sum.Scenes, filepath.Join(cfg.out, "summary.json"))
	}
	return nil
}

// processScene loads, fuses, generates and audits one scene; problems with the scene become
// its Error (the batch goes on).
func processScene(dir string, centres centresFunc, cfg qaConfig) sceneResult {
	r := sceneResult{Scene: filepath.Clean(dir), Questions: []qa.Question{}}
	s, err := scene.Load(dir)
	if err != nil {
		r.VideoID, r.Error = sceneKey(dir), "scene_invalid: "+err.Error()
		return r
	}
	r.VideoID = s.VideoID
	c, err := centres(s)
	if err != nil {
		r.Error = "centres: " + err.Error()
		return r
	}
	var cues qa.Cues = c.Cues(s)
	var truth *qa.Truth
	if cfg.audit {
		if truth, err = qa.NewTruth(s.GT, s.N); err != nil {
			r.Error = "audit: " + err.Error()
			return r
		}
		var g synth.GT
		if json.Unmarshal(s.GT, &g) == nil {
			r.Group = noiseName(g.Noise)
		}
		if cfg.oracle {
			cues = qa.Oracle{Gate: cues, Truth: truth}
		}
	}
	r.Questions, r.Stats = qa.Generate(s, cues, qa.Options{PerVideo: cfg.perVideo, Seed: cfg.seed})
	if r.Questions == nil {
		r.Questions = []qa.Question{}
	}
	if truth != nil {
		r.Checks = qa.Audit(r.Questions, truth)
	}
	return r
}

// noiseName names a scene's noise setting: a level's name (none, light, heavy) or its
// key=value form.
func noiseName(n synth.Noise) string {
	for name, l := range synth.NoiseLevels {
		if l == n {
			return name
		}
	}
	return n.String()
}

func writeResult(path string, r sceneResult) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return bench.WriteFileAtomic(path, append(b, '\n'))
}

func readResult(path string) (*sceneResult, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r sceneResult
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &r, nil
}

// qaSummary is summary.json: what the merged outputs hold.
type qaSummary struct {
	Scenes       int            `json:"scenes"`
	ScenesFailed map[string]int `json:"scenes_failed"`
	Videos       []string       `json:"videos"`
	Stats        qa.Stats       `json:"questions"`
	Audit        []qa.Agreement `json:"audit,omitempty"`
}

// qaMerge merges every finished scene in dir into cfg.out's files.
func qaMerge(cfg qaConfig, dir string) (*qaSummary, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	var results []*sceneResult
	for _, n := range names {
		r, err := readResult(n)
		if err != nil {
			return nil, err
		}
		results = append(results, r)
	}
	sort.Slice(results, func(i, j int) bool { return results[i].VideoID < results[j].VideoID })
	sum := &qaSummary{ScenesFailed: map[string]int{}, Videos: []string{}, Stats: qa.Stats{ByType: map[string]int{}, Rejected: map[string]int{}}}
	var qs []qa.Question
	groups := map[string]*qa.Agreement{}
	var checks []qa.Check
	for _, r := range results {
		sum.Scenes++
		if r.Error != "" {
			reason, _, _ := strings.Cut(r.Error, ":")
			sum.ScenesFailed[reason]++
			continue
		}
		sum.Videos = append(sum.Videos, r.VideoID)
		sum.Stats.Add(r.Stats)
		qs = append(qs, r.Questions...)
		if cfg.audit && r.Checks != nil {
			g := groups[r.Group]
			if g == nil {
				g = &qa.Agreement{Group: r.Group}
				groups[r.Group] = g
			}
			g.Tally(r.Checks)
			for _, c := range r.Checks {
				if !c.Agree {
					checks = append(checks, c)
				}
			}
		}
	}
	for _, f := range cfg.formats {
		var b bytes.Buffer
		if err := qa.Write(&b, f, sum.Videos, qs); err != nil {
			return nil, err
		}
		if err := bench.WriteFileAtomic(filepath.Join(cfg.out, qa.FileName(f)), b.Bytes()); err != nil {
			return nil, err
		}
	}
	if cfg.audit {
		for _, g := range groups {
			sum.Audit = append(sum.Audit, *g)
		}
		qa.SortGroups(sum.Audit)
		b, _ := json.MarshalIndent(struct {
			Agreement     []qa.Agreement `json:"agreement"`
			Disagreements []qa.Check     `json:"disagreements"`
		}{sum.Audit, append([]qa.Check{}, checks...)}, "", " ")
		if err := bench.WriteFileAtomic(filepath.Join(cfg.out, "audit.json"), append(b, '\n')); err != nil {
			return nil, err
		}
		table := qa.AgreementTable(sum.Audit)
		if err := bench.WriteFileAtomic(filepath.Join(cfg.out, "audit.md"), []byte(table)); err != nil {
			return nil, err
		}
		if len(sum.Audit) > 0 {
			png, err := qa.AgreementChart(sum.Audit)
			if err != nil {
				return nil, err
			}
			if err := bench.WriteFileAtomic(filepath.Join(cfg.out, "audit.png"), png); err != nil {
				return nil, err
			}
		}
	}
	b, _ := json.MarshalIndent(sum, "", " ")
	if err := bench.WriteFileAtomic(filepath.Join(cfg.out, "summary.json"), append(b, '\n')); err != nil {
		return nil, err
	}
	return sum, nil
}

func printSummary(w io.Writer, s *qaSummary, cfg qaConfig) {
	fmt.Fprintf(w, "%d scenes (%d failed), %d attempts, %d questions written to %s\n", s.Scenes, s.Scenes-len(s.Videos), s.Stats.Attempts, s.Stats.Generated, cfg.out)
	if s.Stats.NearThreshold > 0 {
		fmt.Fprintf(w, "  %d questions have a value within %g (relative) of a threshold: float32 centres could flip them\n", s.Stats.NearThreshold, qa.NearTol)
	}
	for _, kv := range sortedCounts(s.ScenesFailed) {
		fmt.Fprintf(w, "  scenes failed %-22s %d\n", kv.k, kv.v)
	}
	for _, kv := range sortedCounts(s.Stats.Rejected) {
		fmt.Fprintf(w, "  rejected %-27s %d\n", kv.k, kv.v)
	}
	if cfg.audit {
		fmt.Fprintf(w, "\naudit (answers agreeing with gt.json):\n%s", qa.AgreementTable(s.Audit))
	}
}

type kv struct {
	k string
	v int
}

func sortedCounts(m map[string]int) []kv {
	var out []kv
	for k, v := range m {
		out = append(out, kv{k, v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].v != out[j].v {
			return out[i].v > out[j].v
		}
		return out[i].k < out[j].k
	})
	return out
}
