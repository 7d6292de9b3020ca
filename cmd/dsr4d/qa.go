package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dsr4d/dsr4d/pipeline/fuse"
	"github.com/dsr4d/dsr4d/pipeline/qa"
	"github.com/dsr4d/dsr4d/pipeline/scene"
	"github.com/dsr4d/dsr4d/pipeline/synth"
)

func init() {
	commands["qa"] = command{summary: "generate DSR template questions from scenes (batch, resumable, sharded; --audit against ground truth)", run: runQA}
}

const qaSynopsis = `qa [--scene DIR]... [DIR...] [--manifest FILE] [--out DIR] [--format LIST] [--per-video 10]
          [--seed 0] [--workers N] [--shard i/n|auto] [--merge-only] [--force]
          [--device auto|cpu|vulkan] [--validate] [--audit] [--oracle-centres]
          [--estimator reference|robust[:key=value,...]] [--min-confidence 0] [--orient-weights W]
       dsr4d qa --nontemplate --endpoint URL --model NAME ...   (non-template questions: dsr4d qa --nontemplate -h)

Generates the DSR Suite's 12 template question types from dsr4d-scene/1 directories: object
centres (Vulkan kernels or the CPU reference), series in the camera's or an agent's viewer frame,
answers, three distractors and a letter, exactly as the reference pipeline would on the same cues.

Each scene's questions go to OUT/scenes/<video id>.json, written atomically with the options
and the scene content hash that made them. A rerun reuses a scene's result only when it
succeeded and was made from the same scene content with the same options; failed scenes are
retried. Results made with other options (--seed, --per-video, --audit, --oracle-centres, another
dsr4d version) are refused with a message naming the flag; --force replaces them.
--shard i/n processes only the scenes whose video id hashes to i mod n (--shard auto: from a
Kubernetes Indexed Job's JOB_COMPLETION_INDEX and JOB_COMPLETIONS), so runs on one or many
machines can share one OUT, at the same time (merges take OUT/.qa.lock), or copy OUT/scenes
together. Every run then merges all of OUT/scenes, sorted by video id, into OUT's files —
identical however the work was split; --merge-only does only that:
  qa_pairs.json    the reference's {videoID: [{Type, Question, A..D, Correct}]}
  train.json       LLaVA-style training conversations
  bench.jsonl      bench table (videoID, question, options, answer, type)
  bench.parquet    the same as parquet (DSR-Bench's benchmark.parquet columns)
  questions.jsonl  dsr4d's questions with provenance (viewpoint, frames, objects, series, seed)
  summary.json     options, generated and rejected questions by reason, failed scenes
With --audit (synthetic scenes with gt.json), every answer is recomputed from the true centres
and facing: audit.json (each disagreement with both series), audit.md (agreement per type and
noise level) and audit.png. --oracle-centres generates from the true centres and facing instead
(the audit must then agree 100%).

--estimator robust takes centres and facings from all frames, in a world levelled on the
ground (see pipeline/robust), and writes each question's label confidence (the share of 32
bootstrap replicates that keep the answer) into questions.jsonl; it does not ask where a still
object is heading or how fast a resting one goes (object_still in summary.json).
On the held-out synthetic audit it agrees with the ground truth on 97.7 / 86.8 / 79.9% of the
questions (none / light / heavy noise) against the reference's 82.5 / 64.5 / 40.4%.
--min-confidence X drops questions below X (there, 0.95 kept 65% of the light-noise questions
at 100% agreement); with --audit, audit_yield.md/.png give agreement against yield per
confidence cut.`

// qaFlags are qa's options; other files add theirs to the same FlagSet (see runQA).
type qaFlags struct {
	scenes    []string
	manifest  string
	out       string
	format    string
	perVideo  int
	seed      uint64
	workers   int
	shard     string
	mergeOnly bool
	force     bool
	dev       deviceFlags
	audit     bool
	oracle    bool
	est       estimatorFlags // qa_estimate.go
}

func (f *qaFlags) register(fs *flag.FlagSet) {
	fs.Func("scene", "scene directory (repeatable; positional arguments too)", func(s string) error {
		f.scenes = append(f.scenes, s)
		return nil
	})
	fs.StringVar(&f.manifest, "manifest", "", "file listing scene directories, one per line (# comments, blank lines ignored; relative to the file)")
	fs.StringVar(&f.out, "out", "qa", "output directory")
	fs.StringVar(&f.format, "format", "all", "formats to write, comma-separated: all or "+formatNames())
	fs.IntVar(&f.perVideo, "per-video", 10, "attempts per video (the reference's qa_num; failed attempts make no question)")
	fs.Uint64Var(&f.seed, "seed", 0, "random seed: the same seed and scenes give byte-identical outputs")
	fs.IntVar(&f.workers, "workers", min(runtime.NumCPU(), 4), "scenes processed in parallel")
	fs.StringVar(&f.shard, "shard", "0/1", "process only shard i of n (i/n): scenes whose video id hashes to i mod n;\nauto: i = $JOB_COMPLETION_INDEX, n = $JOB_COMPLETIONS (Kubernetes Indexed Job)")
	fs.BoolVar(&f.mergeOnly, "merge-only", false, "process no scene: merge the results in OUT/scenes into OUT's files")
	fs.BoolVar(&f.force, "force", false, "replace results in OUT/scenes made with other options instead of refusing")
	f.dev.register(fs)
	fs.BoolVar(&f.audit, "audit", false, "recompute every answer from gt.json (synthetic scenes) and report agreement")
	fs.BoolVar(&f.oracle, "oracle-centres", false, "generate from gt.json's true centres and facing (implies --audit)")
	f.est.register(fs)
}

func runQA(args []string, stdout, stderr io.Writer) error {
	if hasFlag(args, "nontemplate") {
		return runQANontemp(args, stdout, stderr) // qa_nontemp.go
	}
	fs := newFlagSet("qa", qaSynopsis, stderr)
	var f qaFlags
	f.register(fs)
	var of orientFlags
	of.register(fs, "orient-weights") // orient.go
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	bad := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "dsr4d qa: "+format+"\n", a...)
		return errUsage
	}
	b := &qa.Batch{Out: f.out, Workers: f.workers, Force: f.force, Group: noiseGroup, Log: slog.Default()}
	var err error
	if b.Formats, err = parseFormats(f.format); err != nil {
		return bad("--format: %v", err)
	}
	if f.perVideo < 1 {
		return bad("--per-video: %d, want at least 1", f.perVideo)
	}
	if f.workers < 1 {
		return bad("--workers: %d, want at least 1", f.workers)
	}
	if err := f.dev.check(); err != nil {
		return bad("%v", err)
	}
	if err := of.check(); err != nil {
		return bad("%v", err)
	}
	if f.mergeOnly {
		// The results' own options apply; the scene flags are ignored (a Job's merge step may
		// share the workers' arguments).
		start := time.Now()
		sum, err := b.Merge()
		if err != nil {
			return err
		}
		slog.Info("qa: merge", "scenes", sum.Scenes, "elapsed", time.Since(start).Round(time.Millisecond))
		printSummary(stdout, sum, f.out)
		return nil
	}
	if b.Shard, err = parseShard(f.shard, os.Getenv); err != nil {
		return bad("--shard: %v", err)
	}
	scenes := append(f.scenes, fs.Args()...)
	if f.manifest != "" {
		m, err := readManifest(f.manifest)
		if err != nil {
			return err
		}
		scenes = append(scenes, m...)
	}
	b.Key = qa.NewKey(f.seed, f.perVideo, f.audit, f.oracle)
	b.Open = func() (qa.Estimator, func(), error) { return openEstimator(&f.dev, f.workers) }
	if err := f.est.apply(b); err != nil {
		return bad("%v", err)
	}
	if of.weights != "" { // after the estimator is chosen: orientations come before its cues
		if b.Key.OrientWeights, err = qa.FileSHA256(of.weights); err != nil {
			return err
		}
		b.Open = of.withOrient(b.Open, &f.dev)
	}
	var bar *progress
	b.Progress = func(done, total int) {
		if bar == nil {
			bar = newProgress(stderr, total, "scenes")
		}
		bar.step(done)
	}
	start := time.Now()
	rep, err := b.Run(scenes)
	if bar != nil {
		bar.done()
	}
	if err != nil {
		return err
	}
	slog.Info("qa", "scenes", rep.Processed, "reused", rep.Reused, "replaced", rep.Replaced, "device", rep.Device, "elapsed", time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(stdout, "this run: %d scenes processed, %d already done (skipped)\n", rep.Processed, rep.Reused)
	printSummary(stdout, rep.Summary, f.out)
	if s := rep.Summary; s.Scenes > 0 && len(s.Videos) == 0 {
		// Partial failures are counted and the batch goes on; a batch where nothing worked
		// must not look like a success to a script.
		return fmt.Errorf("all %d scene(s) failed (reasons above and in %s)", s.Scenes, filepath.Join(f.out, "summary.json"))
	}
	return nil
}

// parseShard reads i/n, or with "auto" the Kubernetes Indexed Job variables.
func parseShard(s string, getenv func(string) string) ([2]int, error) {
	if s == "auto" {
		var v [2]int
		for k, name := range []string{"JOB_COMPLETION_INDEX", "JOB_COMPLETIONS"} {
			e := getenv(name)
			n, err := strconv.Atoi(e)
			if e == "" {
				return v, fmt.Errorf("auto: $%s is not set (set by a Kubernetes Indexed Job; or pass --shard i/n)", name)
			}
			if err != nil || n < k { // index ≥ 0, completions ≥ 1
				return v, fmt.Errorf("auto: $%s=%q, want an integer ≥ %d", name, e, k)
			}
			v[k] = n
		}
		if v[0] >= v[1] {
			return v, fmt.Errorf("auto: $JOB_COMPLETION_INDEX=%d, want < $JOB_COMPLETIONS=%d", v[0], v[1])
		}
		return v, nil
	}
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return [2]int{}, fmt.Errorf("%q: want i/n with 0 ≤ i < n, or auto", s)
	}
	return [2]int{i, n}, nil
}

// estimator computes centres with package fuse on one device.
type estimator struct {
	centres func(s *scene.Scene) (*fuse.Centres, error)
	device  string
}

func (e estimator) Cues(s *scene.Scene) (qa.Cues, error) {
	c, err := e.centres(s)
	if err != nil {
		return nil, err
	}
	return &qa.Estimated{S: s, Centres: c}, nil
}

func (e estimator) Device() string { return e.device }

func openEstimator(dev *deviceFlags, workers int) (qa.Estimator, func(), error) {
	d, closeDev, err := dev.open("qa", "centres on the CPU reference")
	if err != nil {
		return nil, nil, err
	}
	if d == nil {
		return estimator{func(s *scene.Scene) (*fuse.Centres, error) {
			return fuse.CPU(s, max(1, runtime.GOMAXPROCS(0)/workers)), nil
		}, "cpu"}, closeDev, nil
	}
	v, err := fuse.NewVulkan(d)
	if err != nil {
		closeDev()
		return nil, nil, err
	}
	return estimator{v.Centres, "vulkan: " + d.Info().Name}, func() { v.Release(); closeDev() }, nil
}

// noiseGroup is a synthetic scene's audit group: its noise setting.
func noiseGroup(s *scene.Scene) string {
	var g scene.GT
	var n synth.Noise
	if json.Unmarshal(s.GT, &g) != nil || json.Unmarshal(g.Noise, &n) != nil {
		return "unknown"
	}
	return noiseName(n)
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

func readManifest(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	var out []string
	for n, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.ContainsRune(line, 0) {
			return nil, fmt.Errorf("%s:%d: not a text line (NUL byte)", path, n+1)
		}
		if !filepath.IsAbs(line) {
			line = filepath.Join(filepath.Dir(path), line)
		}
		out = append(out, line)
	}
	return out, nil
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

func printSummary(w io.Writer, s *qa.Summary, out string) {
	fmt.Fprintf(w, "%d scenes (%d failed), %d attempts, %d questions written to %s\n", s.Scenes, s.Scenes-len(s.Videos), s.Stats.Attempts, s.Stats.Generated, out)
	if s.Stats.NearThreshold > 0 {
		fmt.Fprintf(w, "  %d questions have a value within %g (relative) of a threshold: float32 centres could flip them\n", s.Stats.NearThreshold, qa.NearTol)
	}
	for _, kv := range sortedCounts(s.ScenesFailed) {
		fmt.Fprintf(w, "  scenes failed %-22s %d\n", kv.k, kv.v)
	}
	for _, kv := range sortedCounts(s.Stats.Rejected) {
		fmt.Fprintf(w, "  rejected %-27s %d\n", kv.k, kv.v)
	}
	if s.Key.Audit {
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
