package qa

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/dsr4d/dsr4d/internal/atomicfile"
	"github.com/dsr4d/dsr4d/pipeline/scene"
)

// ResultVersion is the version of the generator's output: bump it whenever a change makes the
// same scene and options give other questions, so that stored results are recomputed.
const ResultVersion = 1

// Key is everything besides the scene that determines a scene's result. Results are reused only
// under an equal Key; a new option that changes results must be added here (with its flag name
// in keyFlags).
type Key struct {
	Version  int    `json:"version"`         // ResultVersion
	Build    string `json:"build,omitempty"` // the dsr4d build (module version, VCS revision)
	Seed     uint64 `json:"seed"`
	PerVideo int    `json:"per_video"`
	Audit    bool   `json:"audit"`
	Oracle   bool   `json:"oracle_centres"`

	Estimator     string  `json:"estimator,omitempty"`      // "" is the reference's (package fuse)
	MinConfidence float64 `json:"min_confidence,omitempty"` // label-confidence cut (robust estimator)
	OrientWeights string  `json:"orient_weights,omitempty"` // SHA-256 of the Orient Anything checkpoint (FileSHA256)
}

// NewKey returns the key of a run with these options in this build.
func NewKey(seed uint64, perVideo int, audit, oracle bool) Key {
	return Key{Version: ResultVersion, Build: buildID(), Seed: seed, PerVideo: perVideo, Audit: audit || oracle, Oracle: oracle}
}

func buildID() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	id := bi.Main.Version
	for _, s := range bi.Settings {
		switch {
		case s.Key == "vcs.revision":
			id += " " + s.Value
		case s.Key == "vcs.modified" && s.Value == "true":
			id += "+modified"
		}
	}
	return id
}

// keyFlags names Key's fields as the flags that set them.
var keyFlags = []struct {
	flag string
	get  func(Key) any
}{
	{"--seed", func(k Key) any { return k.Seed }},
	{"--per-video", func(k Key) any { return k.PerVideo }},
	{"--audit", func(k Key) any { return k.Audit }},
	{"--oracle-centres", func(k Key) any { return k.Oracle }},
	{"--estimator", func(k Key) any { return k.Estimator }},
	{"--min-confidence", func(k Key) any { return k.MinConfidence }},
	{"--orient-weights", func(k Key) any { return k.OrientWeights }},
	{"the dsr4d version", func(k Key) any { return fmt.Sprintf("%d %s", k.Version, k.Build) }},
}

// Diff describes how k differs from run, the key of this run: "--seed 1 (this run: 2)".
func (k Key) Diff(run Key) string {
	var d []string
	for _, f := range keyFlags {
		if a, b := f.get(k), f.get(run); a != b {
			d = append(d, fmt.Sprintf("%s %v (this run: %v)", f.flag, a, b))
		}
	}
	return strings.Join(d, ", ")
}

// Result is one scene's stored result, OUT/scenes/<file key>.json.
type Result struct {
	Key     Key    `json:"key"`
	VideoID string `json:"video_id"`
	Scene   string `json:"scene"`
	// SceneHash is the SHA-256 of the scene's files (names and contents); SceneStat their names,
	// sizes and modification times, which spares re-hashing an unchanged scene.
	SceneHash string     `json:"scene_hash,omitempty"`
	SceneStat string     `json:"scene_stat,omitempty"`
	Device    string     `json:"device,omitempty"` // where the centres were computed
	Error     string     `json:"error,omitempty"`  // "reason: detail"; failures are retried
	Group     string     `json:"noise,omitempty"`  // gt.json's noise setting (audit group)
	Stats     Stats      `json:"stats"`
	Questions []Question `json:"questions"`
	Checks    []Check    `json:"checks,omitempty"`
}

var unsafeKey = regexp.MustCompile(`[^A-Za-z0-9._-]`)

// FileKey names a scene's result file: its video id (from scene.json) made file-safe, or the
// directory name when scene.json is unreadable.
func FileKey(dir string) string {
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
	if k != id || strings.HasPrefix(k, ".") {
		h := fnv.New32a()
		h.Write([]byte(id))
		k = fmt.Sprintf("%s-%08x", strings.TrimLeft(k, "."), h.Sum32())
	}
	return k
}

// InShard reports whether the scene with file key k belongs to shard i of n.
func InShard(k string, shard [2]int) bool {
	if shard[1] <= 1 {
		return true
	}
	h := fnv.New64a()
	h.Write([]byte(k))
	return int(h.Sum64()%uint64(shard[1])) == shard[0]
}

// sceneFiles lists a scene's regular files (recursively, sorted), skipping temporaries.
func sceneFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir && atomicfile.IsTemp(p) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

func sceneStat(dir string) (string, error) {
	files, err := sceneFiles(dir)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil {
			return "", err
		}
		rel, _ := filepath.Rel(dir, f)
		fmt.Fprintf(h, "%q %d %d\n", rel, st.Size(), st.ModTime().UnixNano())
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// FileSHA256 is the hex SHA-256 of a file's content: the key of a checkpoint whose outputs a
// result depends on (--orient-weights), so that another checkpoint under the same name is not
// served old results.
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func sceneHash(dir string) (string, error) {
	files, err := sceneFiles(dir)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, f := range files {
		rel, _ := filepath.Rel(dir, f)
		fmt.Fprintf(h, "%q\n", rel)
		fh, err := os.Open(f)
		if err != nil {
			return "", err
		}
		n, err := io.Copy(h, fh)
		fh.Close()
		if err != nil {
			return "", fmt.Errorf("%s: %w", f, err)
		}
		fmt.Fprintf(h, "\n%d\n", n)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func writeResult(path string, r *Result) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return atomicfile.Write(path, append(b, '\n'))
}

// maxResult bounds one stored result (a scene's questions with their series).
const maxResult = 256 << 20

// ReadResult reads and checks one stored result.
func ReadResult(path string) (*Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxResult+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(b) > maxResult {
		return nil, fmt.Errorf("%s: over %d MiB, not a dsr4d qa result", path, maxResult>>20)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	var r Result
	if err := d.Decode(&r); err != nil {
		return nil, fmt.Errorf("%s: not a dsr4d qa result: %w", path, err)
	}
	if r.VideoID == "" || r.Key.Version < 1 {
		return nil, fmt.Errorf("%s: not a dsr4d qa result (no video_id or key); remove it", path)
	}
	return &r, nil
}
