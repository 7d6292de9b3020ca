package video

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/dsr4d/dsr4d/internal/atomicfile"
)

// Frame is one sampled frame.
type Frame struct {
	Index int    `json:"index"` // 0-based frame number in the video
	Path  string `json:"path"`  // JPEG (or, from a frames directory, whatever image it is)
}

// Source gives a video's sampled frames, by video id.
type Source struct {
	Sampling Sampling
	// VideoDir holds <videoID>.mp4 (or another extension); CacheDir receives the extracted
	// frames (default: VideoDir/.frames).
	VideoDir, CacheDir string
	// FramesDir, instead of VideoDir, holds <videoID>/ directories of every frame of each video,
	// sorted by name; DirFPS is their rate (needed in fps mode).
	FramesDir string
	DirFPS    float64
	// MaxSide > 0 scales extracted frames down to at most this many pixels on their longer
	// side (not applied to a frames directory).
	MaxSide int

	mu    sync.Mutex
	locks map[string]*sync.Mutex
}

// videoExts are the extensions tried after .mp4, the reference's.
var videoExts = []string{".mp4", ".mkv", ".webm", ".mov", ".avi"}

// imageExts are the files a frames directory is read for.
var imageExts = map[string]bool{".jpg": true, ".jpeg": true, ".png": true, ".webp": true}

// lock serialises the work on one video.
func (s *Source) lock(id string) func() {
	s.mu.Lock()
	if s.locks == nil {
		s.locks = map[string]*sync.Mutex{}
	}
	l := s.locks[id]
	if l == nil {
		l = &sync.Mutex{}
		s.locks[id] = l
	}
	s.mu.Unlock()
	l.Lock()
	return l.Unlock
}

// Frames returns the sampled frames of video id.
func (s *Source) Frames(ctx context.Context, id string) ([]Frame, error) {
	if err := s.Sampling.Validate(); err != nil {
		return nil, err
	}
	if id == "" || strings.ContainsAny(id, `/\`) || id == "." || id == ".." {
		return nil, fmt.Errorf("video: bad video id %q", id)
	}
	if s.FramesDir != "" {
		return s.fromDir(id)
	}
	defer s.lock(id)()
	cache := s.CacheDir
	if cache == "" {
		cache = filepath.Join(s.VideoDir, ".frames")
	}
	mode := s.Sampling.Mode()
	if s.MaxSide > 0 {
		mode += "-max" + strconv.Itoa(s.MaxSide)
	}
	dir := filepath.Join(cache, id, mode)
	manifest := filepath.Join(dir, "frames.json")
	if data, err := os.ReadFile(manifest); err == nil {
		var fr []Frame
		if json.Unmarshal(data, &fr) == nil && len(fr) > 0 && allExist(dir, fr) {
			for i := range fr {
				fr[i].Path = filepath.Join(dir, fr[i].Path)
			}
			return fr, nil
		}
	}
	path, err := s.find(id)
	if err != nil {
		return nil, err
	}
	inf, err := Probe(ctx, path)
	if err != nil {
		return nil, err
	}
	idx, err := s.Sampling.Indices(inf.Frames, inf.FPS)
	if err != nil {
		return nil, fmt.Errorf("video: %s: %w", path, err)
	}
	if len(idx) == 0 {
		return nil, fmt.Errorf("video: %s: %d frames at %.3g fps give no frame at %s", path, inf.Frames, inf.FPS, s.Sampling.Mode())
	}
	// Extract into a fresh directory and rename it into place: no partial frame set survives a kill.
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("video: %w", err)
	}
	// atomicfile's temporaries are locked while in use, so a later run's CleanStale removes only
	// those a killed run left.
	tmp, release, err := atomicfile.TempDir(dir)
	if err != nil {
		return nil, fmt.Errorf("video: %w", err)
	}
	defer release()
	defer os.RemoveAll(tmp)
	names := s.Sampling.names(len(idx))
	if _, err := Extract(ctx, path, idx, tmp, names, s.MaxSide); err != nil {
		return nil, err
	}
	fr := make([]Frame, len(idx))
	for i := range idx {
		fr[i] = Frame{Index: idx[i], Path: names[i]}
	}
	data, _ := json.MarshalIndent(fr, "", " ")
	if err := atomicfile.Write(filepath.Join(tmp, "frames.json"), data); err != nil {
		return nil, fmt.Errorf("video: %w", err)
	}
	os.RemoveAll(dir)
	if err := os.Rename(tmp, dir); err != nil {
		return nil, fmt.Errorf("video: %w", err)
	}
	for i := range fr {
		fr[i].Path = filepath.Join(dir, fr[i].Path)
	}
	return fr, nil
}

func allExist(dir string, fr []Frame) bool {
	for _, f := range fr {
		if _, err := os.Stat(filepath.Join(dir, f.Path)); err != nil {
			return false
		}
	}
	return true
}

// find returns the video file of id.
func (s *Source) find(id string) (string, error) {
	if s.VideoDir == "" {
		return "", errors.New("video: no video directory")
	}
	for _, ext := range videoExts {
		p := filepath.Join(s.VideoDir, id+ext)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, nil
		}
	}
	return "", fmt.Errorf("video: no video %q in %s (looked for %s.mp4 and other extensions)", id, s.VideoDir, id)
}

// fromDir samples a frames directory.
func (s *Source) fromDir(id string) ([]Frame, error) {
	dir := filepath.Join(s.FramesDir, id)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("video: frames of %q: %w", id, err)
	}
	var files []string
	for _, e := range ents {
		if !e.IsDir() && imageExts[strings.ToLower(filepath.Ext(e.Name()))] {
			files = append(files, e.Name())
		}
	}
	sort.Strings(files)
	if len(files) == 0 {
		return nil, fmt.Errorf("video: %s: no frame images (.jpg, .png, .webp)", dir)
	}
	idx, err := s.Sampling.Indices(len(files), s.DirFPS)
	if err != nil {
		return nil, fmt.Errorf("video: %s: %w", dir, err)
	}
	fr := make([]Frame, len(idx))
	for i, x := range idx {
		fr[i] = Frame{Index: x, Path: filepath.Join(dir, files[x])}
	}
	return fr, nil
}
