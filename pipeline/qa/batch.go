package qa

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/dsr4d/dsr4d/internal/atomicfile"
	"github.com/dsr4d/dsr4d/pipeline/scene"
)

// Estimator computes a scene's estimated cues (package fuse's centres on some device).
type Estimator interface {
	Cues(s *scene.Scene) (Cues, error)
	// Device names where it runs, for the results' provenance.
	Device() string
}

// Batch turns scene directories into questions in Out: one result per scene in Out/scenes, then
// every result there merged into Out's files. The contracts are in the package doc (Batches).
type Batch struct {
	Out     string
	Key     Key
	Formats []string // Formats' names; all when empty
	Workers int      // scenes in parallel (≥ 1)
	Shard   [2]int   // i, n: only scenes whose video id hashes to i mod n; {0, 0} or {0, 1}: all
	// Force replaces results made under another Key instead of refusing to run.
	Force bool
	// Open starts the estimator; called once, and only when a scene must be computed.
	Open func() (Estimator, func(), error)
	// Group names a scene's audit group (its noise setting); nil: one group "all".
	Group    func(s *scene.Scene) string
	Log      *slog.Logger          // nil: slog.Default()
	Progress func(done, total int) // nil: none
}

// Report is what Run did.
type Report struct {
	Processed int // scenes computed (new, retried after a failure, or changed)
	Reused    int // scenes whose stored result was kept
	Replaced  int // results under another Key removed or recomputed (--force)
	Device    string
	Summary   *Summary
}

// Summary is summary.json: what the merged outputs hold.
type Summary struct {
	Key          Key            `json:"key"`
	Scenes       int            `json:"scenes"`
	ScenesFailed map[string]int `json:"scenes_failed"`
	Videos       []string       `json:"videos"`
	Stats        Stats          `json:"questions"`
	Audit        []Agreement    `json:"audit,omitempty"`
}

// ErrOptions marks a refusal to mix results made under different options; its message names the
// flags.
var ErrOptions = errors.New("results made with other options")

// ResultsDir and LockFile are Out's per-scene results and the lock its merges take.
const (
	ResultsDir = "scenes"
	LockFile   = ".qa.lock"
)

func (b *Batch) log() *slog.Logger {
	if b.Log != nil {
		return b.Log
	}
	return slog.Default()
}

// Run processes this shard's scenes that have no reusable result, then merges Out.
func (b *Batch) Run(scenes []string) (*Report, error) {
	dir := filepath.Join(b.Out, ResultsDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	b.clean()
	type job struct{ dir, key string }
	var todo []job
	seen := map[string]string{}
	for _, s := range scenes {
		k := FileKey(s)
		if !InShard(k, b.Shard) {
			continue
		}
		if prev, dup := seen[k]; dup {
			return nil, fmt.Errorf("scenes %s and %s have the same video id (%s)", prev, s, k)
		}
		seen[k] = s
		todo = append(todo, job{s, k})
	}
	rep := &Report{Device: "none"}
	// Results under another key: refused, or with Force replaced.
	stored, err := b.readAll(dir, false)
	if err != nil {
		return nil, err
	}
	var other []string
	for k, r := range stored {
		if r.Key != b.Key {
			other = append(other, k)
		}
	}
	sort.Strings(other)
	if len(other) > 0 && !b.Force {
		return nil, fmt.Errorf("%w: %s holds %d result(s) made with %s (e.g. %s.json): use another --out, or --force to replace them",
			ErrOptions, dir, len(other), stored[other[0]].Key.Diff(b.Key), other[0])
	}
	for _, k := range other {
		if _, mine := seen[k]; !mine {
			if err := os.Remove(filepath.Join(dir, k+".json")); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, err
			}
		}
		delete(stored, k)
		rep.Replaced++
	}
	// A failure stored under a scene's directory name (its scene.json was unreadable then) is
	// stale once the scene has its video id.
	byDir := map[string]string{}
	for _, j := range todo {
		byDir[filepath.Clean(j.dir)] = j.key
	}
	for k, r := range stored {
		if key, ok := byDir[r.Scene]; ok && key != k && r.Error != "" {
			if err := os.Remove(filepath.Join(dir, k+".json")); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, err
			}
		}
	}
	var jobs []job
	for _, j := range todo {
		if r := stored[j.key]; r != nil && b.reusable(r, j.dir, filepath.Join(dir, j.key+".json")) {
			rep.Reused++
			continue
		}
		jobs = append(jobs, j)
	}
	if len(jobs) > 0 {
		est, closeEst, err := b.Open()
		if err != nil {
			return nil, err
		}
		defer closeEst()
		rep.Device = est.Device()
		var mu sync.Mutex
		var firstErr error
		done := 0
		next := make(chan job)
		var wg sync.WaitGroup
		for range min(max(b.Workers, 1), len(jobs)) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range next {
					r := b.process(j.dir, est)
					err := writeResult(filepath.Join(dir, j.key+".json"), r)
					mu.Lock()
					if err != nil && firstErr == nil {
						firstErr = err
					}
					if r.Error != "" {
						b.log().Warn("scene failed", "scene", j.dir, "err", r.Error)
					}
					done++
					if b.Progress != nil {
						b.Progress(done, len(jobs))
					}
					mu.Unlock()
				}
			}()
		}
		for _, j := range jobs {
			next <- j
		}
		close(next)
		wg.Wait()
		if firstErr != nil {
			return nil, firstErr
		}
	}
	rep.Processed = len(jobs)
	if rep.Summary, err = b.Merge(); err != nil {
		return nil, err
	}
	return rep, nil
}

// clean removes temporaries that killed runs left in Out and Out/scenes.
func (b *Batch) clean() {
	for _, d := range []string{b.Out, filepath.Join(b.Out, ResultsDir)} {
		if rm, err := atomicfile.CleanStale(d); err == nil && len(rm) > 0 {
			b.log().Info("removed temporary files of an interrupted run", "dir", d, "files", len(rm))
		}
	}
}

// reusable reports whether stored result r (under this run's key, at path) stands for the scene
// in dir: a success made from the same scene content. When only the fingerprint changed (files
// touched or copied) the result is kept and its fingerprint refreshed.
func (b *Batch) reusable(r *Result, dir, path string) bool {
	if r.Error != "" {
		return false
	}
	stat, err := sceneStat(dir)
	if err != nil {
		return false
	}
	if stat == r.SceneStat {
		return true
	}
	if h, err := sceneHash(dir); err != nil || h != r.SceneHash {
		return false
	}
	// r is a head only: refresh the whole stored result.
	if full, err := ReadResult(path); err == nil && full.SceneHash == r.SceneHash {
		full.SceneStat = stat
		if err := writeResult(path, full); err != nil {
			b.log().Warn("could not refresh a result's fingerprint", "err", err)
		}
	}
	return true
}

// process loads, estimates, generates and audits one scene; problems with the scene become its
// Error (the batch goes on).
func (b *Batch) process(dir string, est Estimator) *Result {
	r := &Result{Key: b.Key, Scene: filepath.Clean(dir), Device: est.Device(), Questions: []Question{}}
	// The fingerprint is taken before loading: a scene changed meanwhile is hashed anew next time.
	var err error
	if r.SceneStat, err = sceneStat(dir); err == nil {
		r.SceneHash, err = sceneHash(dir)
	}
	if err != nil {
		r.VideoID, r.Error = FileKey(dir), "scene_unreadable: "+err.Error()
		return r
	}
	s, err := scene.Load(dir)
	if err != nil {
		r.VideoID, r.Error = FileKey(dir), "scene_invalid: "+err.Error()
		return r
	}
	r.VideoID = s.VideoID
	cues, err := est.Cues(s)
	if err != nil {
		r.Error = "centres: " + err.Error()
		return r
	}
	var truth *Truth
	if b.Key.Audit {
		if truth, err = NewTruth(s.GT, s.N); err != nil {
			r.Error = "audit: " + err.Error()
			return r
		}
		r.Group = "all"
		if b.Group != nil {
			r.Group = b.Group(s)
		}
		if b.Key.Oracle {
			cues = Oracle{Gate: cues, Truth: truth}
		}
	}
	r.Questions, r.Stats = Generate(s, cues, Options{PerVideo: b.Key.PerVideo, Seed: b.Key.Seed})
	if r.Questions == nil {
		r.Questions = []Question{}
	}
	rate(r.Questions, cues) // confidence.go
	if truth != nil {
		r.Checks = Audit(r.Questions, truth)
	}
	dropUnsure(r, b.Key.MinConfidence)
	return r
}

// readAll reads every result in dir by file key; a file removed meanwhile is skipped. Without
// full, results keep only their head (no questions or checks), so a scan of a big OUT stays small.
func (b *Batch) readAll(dir string, full bool) (map[string]*Result, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	out := map[string]*Result{}
	for _, n := range names {
		r, err := ReadResult(n)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if !full {
			r.Questions, r.Checks = nil, nil
		}
		out[strings.TrimSuffix(filepath.Base(n), ".json")] = r
	}
	return out, nil
}

// Merge writes Out's files from every result in Out/scenes, under Out's lock and from one
// snapshot: concurrent merges serialise, and the last one holds every result written before it.
// A Batch with a zero Key (merge only) takes the results' key; all must share one.
func (b *Batch) Merge() (*Summary, error) {
	if _, err := os.Stat(filepath.Join(b.Out, ResultsDir)); err != nil {
		return nil, fmt.Errorf("%s: no results to merge (%w)", filepath.Join(b.Out, ResultsDir), err)
	}
	unlock, err := atomicfile.Lock(filepath.Join(b.Out, LockFile))
	if errors.Is(err, atomicfile.ErrNoLocks) {
		b.log().Warn("merging without a lock: concurrent runs into this --out may lose scenes", "err", err)
		unlock, err = func() {}, nil
	}
	if err != nil {
		return nil, err
	}
	defer unlock()
	dir := filepath.Join(b.Out, ResultsDir)
	stored, err := b.readAll(dir, true)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(stored))
	for k := range stored {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	key := b.Key
	if key == (Key{}) {
		if len(keys) == 0 {
			return nil, fmt.Errorf("%s: no results to merge", dir)
		}
		key = stored[keys[0]].Key
	}
	results := make([]*Result, 0, len(keys))
	for _, k := range keys {
		r := stored[k]
		if r.Key != key {
			return nil, fmt.Errorf("%w: %s was made with %s", ErrOptions, filepath.Join(dir, k+".json"), r.Key.Diff(key))
		}
		results = append(results, r)
	}
	sort.SliceStable(results, func(i, j int) bool { return results[i].VideoID < results[j].VideoID })
	sum := &Summary{Key: key, ScenesFailed: map[string]int{}, Videos: []string{}, Stats: Stats{ByType: map[string]int{}, Rejected: map[string]int{}}}
	var qs []Question
	groups := map[string]*Agreement{}
	var checks []Check
	all := map[string][]Check{} // every audited question, kept or not: the yield curve
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
		if key.Audit {
			g := groups[r.Group]
			if g == nil {
				g = &Agreement{Group: r.Group}
				groups[r.Group] = g
			}
			g.Tally(kept(r.Checks, key.MinConfidence))
			all[r.Group] = append(all[r.Group], r.Checks...)
			for _, c := range kept(r.Checks, key.MinConfidence) {
				if !c.Agree {
					checks = append(checks, c)
				}
			}
		}
	}
	formats := b.Formats
	if len(formats) == 0 {
		for _, f := range Formats {
			formats = append(formats, f.Name)
		}
	}
	for _, f := range formats {
		if err := atomicfile.WriteFunc(filepath.Join(b.Out, FileName(f)), func(w io.Writer) error { return Write(w, f, sum.Videos, qs) }); err != nil {
			return nil, err
		}
	}
	if key.Audit {
		for _, g := range groups {
			sum.Audit = append(sum.Audit, *g)
		}
		SortGroups(sum.Audit)
		js, _ := json.MarshalIndent(struct {
			Agreement     []Agreement `json:"agreement"`
			Disagreements []Check     `json:"disagreements"`
		}{append([]Agreement{}, sum.Audit...), append([]Check{}, checks...)}, "", " ")
		if err := atomicfile.Write(filepath.Join(b.Out, "audit.json"), append(js, '\n')); err != nil {
			return nil, err
		}
		if err := atomicfile.Write(filepath.Join(b.Out, "audit.md"), []byte(AgreementTable(sum.Audit))); err != nil {
			return nil, err
		}
		if err := writeYield(b.Out, all); err != nil {
			return nil, err
		}
		if len(sum.Audit) > 0 {
			png, err := AgreementChart(sum.Audit)
			if err != nil {
				return nil, err
			}
			if err := atomicfile.Write(filepath.Join(b.Out, "audit.png"), png); err != nil {
				return nil, err
			}
		}
	}
	js, _ := json.MarshalIndent(sum, "", " ")
	if err := atomicfile.Write(filepath.Join(b.Out, "summary.json"), append(js, '\n')); err != nil {
		return nil, err
	}
	return sum, nil
}
