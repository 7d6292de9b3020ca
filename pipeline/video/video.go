package video

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Sampling chooses frames: NFrame evenly spaced frames, or FPS frames per second of video.
type Sampling struct {
	NFrame int
	FPS    float64
}

// Validate reports a sampling that selects no mode.
func (s Sampling) Validate() error {
	if s.FPS > 0 || s.NFrame > 0 {
		return nil
	}
	return fmt.Errorf("video: no frame sampling: set a frame count (nframe > 0) or a rate (fps > 0)")
}

// Mode names the sampling, as the cache directory does: "nframe32" or "fps2".
func (s Sampling) Mode() string {
	if s.FPS > 0 {
		return "fps" + strconv.FormatFloat(s.FPS, 'g', -1, 64)
	}
	return "nframe" + strconv.Itoa(s.NFrame)
}

// Indices returns the 0-based frame indices the reference samples from a video of n frames at
// an average rate of fps frames per second (fps is used in fps mode only).
func (s Sampling) Indices(n int, fps float64) ([]int, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if n <= 0 {
		return nil, fmt.Errorf("video: %d frames", n)
	}
	var out []int
	if s.NFrame > 0 && s.FPS <= 0 {
		step := float64(n) / float64(s.NFrame+1)
		for i := 1; i <= s.NFrame; i++ {
			out = append(out, int(float64(i)*step))
		}
		return out, nil
	}
	if !(fps > 0) {
		return nil, fmt.Errorf("video: fps sampling needs the video's frame rate, got %v", fps)
	}
	duration := float64(n) / fps
	required := int(duration * s.FPS)
	step := fps / s.FPS
	for i := range required {
		out = append(out, int(float64(i)*step))
	}
	return out, nil
}

// names are VLMEvalKit's frame file names for k sampled frames.
func (s Sampling) names(k int) []string {
	out := make([]string, k)
	for i := range out {
		if s.FPS > 0 {
			out[i] = fmt.Sprintf("frame-%d-of-%d-%sfps.jpg", i+1, k, strconv.FormatFloat(s.FPS, 'g', -1, 64))
		} else {
			out[i] = fmt.Sprintf("frame-%d-of-%d.jpg", i+1, k)
		}
	}
	return out
}

// Info is what Probe reads of a video's first video stream.
type Info struct {
	Frames int     `json:"frames"`
	FPS    float64 `json:"fps"` // average frame rate
}

// ErrNoFFmpeg is returned when the ffmpeg or ffprobe command is missing.
var ErrNoFFmpeg = errors.New("video: ffmpeg/ffprobe not found on PATH: install the Debian package ffmpeg (apt-get install -y ffmpeg)")

func tool(name string) (string, error) {
	p, err := exec.LookPath(name)
	if err != nil {
		return "", ErrNoFFmpeg
	}
	return p, nil
}

// runTool runs a command and returns its standard output; a failure quotes its standard error.
func runTool(ctx context.Context, name string, args ...string) ([]byte, error) {
	p, err := tool(name)
	if err != nil {
		return nil, err
	}
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, p, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(errb.String())
		if len(msg) > 400 {
			msg = msg[len(msg)-400:]
		}
		return nil, fmt.Errorf("%s: %v: %s", name, err, msg)
	}
	return out.Bytes(), nil
}

// Probe reads a video's frame count and average frame rate with ffprobe.
func Probe(ctx context.Context, path string) (Info, error) {
	if _, err := os.Stat(path); err != nil {
		return Info{}, fmt.Errorf("video: %w", err)
	}
	read := func(count bool) (Info, error) {
		args := []string{"-v", "error", "-select_streams", "v:0", "-of", "json", "-show_entries",
			"stream=nb_frames,nb_read_packets,avg_frame_rate"}
		if count {
			args = append(args, "-count_packets")
		}
		out, err := runTool(ctx, "ffprobe", append(args, path)...)
		if err != nil {
			return Info{}, fmt.Errorf("video: %s: %w", path, err)
		}
		var v struct {
			Streams []struct {
				NbFrames      string `json:"nb_frames"`
				NbReadPackets string `json:"nb_read_packets"`
				AvgFrameRate  string `json:"avg_frame_rate"`
			} `json:"streams"`
		}
		if err := json.Unmarshal(out, &v); err != nil || len(v.Streams) == 0 {
			return Info{}, fmt.Errorf("video: %s: no video stream", path)
		}
		st := v.Streams[0]
		var inf Info
		inf.FPS = ratio(st.AvgFrameRate)
		inf.Frames, _ = strconv.Atoi(st.NbFrames)
		if count {
			inf.Frames, _ = strconv.Atoi(st.NbReadPackets)
		}
		return inf, nil
	}
	inf, err := read(false)
	if err == nil && inf.Frames <= 0 {
		inf, err = read(true)
	}
	if err != nil {
		return Info{}, err
	}
	if inf.Frames <= 0 || !(inf.FPS > 0) {
		return Info{}, fmt.Errorf("video: %s: frame count %d, frame rate %v: not a readable video", path, inf.Frames, inf.FPS)
	}
	return inf, nil
}

// ratio parses ffprobe's "30000/1001".
func ratio(s string) float64 {
	num, den, ok := strings.Cut(s, "/")
	a, err1 := strconv.ParseFloat(num, 64)
	if !ok {
		if err1 != nil {
			return 0
		}
		return a
	}
	b, err2 := strconv.ParseFloat(den, 64)
	if err1 != nil || err2 != nil || b == 0 {
		return 0
	}
	return a / b
}

// Extract decodes path once and writes the frames at indices (ascending or not, repeats
// allowed) as JPEG files dir/names[k]; it returns the paths in the order of indices. maxSide > 0
// scales frames down (never up) so that their longer side is at most maxSide pixels.
func Extract(ctx context.Context, path string, indices []int, dir string, names []string, maxSide int) ([]string, error) {
	if len(indices) == 0 {
		return nil, fmt.Errorf("video: %s: no frames to extract", path)
	}
	uniq := append([]int(nil), indices...)
	sort.Ints(uniq)
	uniq = compact(uniq)
	terms := make([]string, len(uniq))
	for i, x := range uniq {
		terms[i] = "eq(n\\," + strconv.Itoa(x) + ")"
	}
	tmp, err := os.MkdirTemp(dir, ".extract-*")
	if err != nil {
		return nil, fmt.Errorf("video: %w", err)
	}
	defer os.RemoveAll(tmp)
	filter := "select='" + strings.Join(terms, "+") + "'"
	if maxSide > 0 {
		m := strconv.Itoa(maxSide)
		filter += ",scale=w='min(iw," + m + ")':h='min(ih," + m + ")':force_original_aspect_ratio=decrease"
	}
	_, err = runTool(ctx, "ffmpeg", "-nostdin", "-v", "error", "-i", path,
		"-vf", filter, "-fps_mode", "passthrough",
		"-q:v", "2", filepath.Join(tmp, "%06d.jpg"))
	if err != nil {
		return nil, fmt.Errorf("video: %s: %w", path, err)
	}
	got, _ := filepath.Glob(filepath.Join(tmp, "*.jpg"))
	if len(got) != len(uniq) {
		return nil, fmt.Errorf("video: %s: asked for %d frames (up to index %d), ffmpeg decoded %d", path, len(uniq), uniq[len(uniq)-1], len(got))
	}
	sort.Strings(got)
	out := make([]string, len(indices))
	for k, x := range indices {
		j := sort.SearchInts(uniq, x)
		data, err := os.ReadFile(got[j])
		if err != nil {
			return nil, fmt.Errorf("video: %w", err)
		}
		out[k] = filepath.Join(dir, names[k])
		if err := os.WriteFile(out[k], data, 0o644); err != nil {
			return nil, fmt.Errorf("video: %w", err)
		}
	}
	return out, nil
}

func compact(s []int) []int {
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}
