package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/dsr4d/dsr4d/nn"
	"github.com/dsr4d/dsr4d/nn/pi3"
	"github.com/dsr4d/dsr4d/nn/safetensors"
	"github.com/dsr4d/dsr4d/pipeline/scene"
	"github.com/dsr4d/dsr4d/pipeline/scene/importer"
	"github.com/dsr4d/dsr4d/pipeline/video"
)

func init() {
	commands["reconstruct"] = command{summary: "run π³ on video frames and write a scene (poses, point maps, confidence)", run: runReconstruct}
}

const reconstructSynopsis = `reconstruct (--frames DIR | --video FILE) --weights pi3.safetensors --out SCENE [flags]

Runs π³ (the DSR Suite's reconstruction model) in-process and writes a dsr4d-scene/1 directory
(geometry.npz, frames/, scene.json) as 'dsr4d import pi3' would from π³'s outputs. Frames are
prepared as π³'s load_images_as_tensor (about 255000 pixels, sides multiples of 14, LANCZOS).
--video samples --num-frames frames as the DSR Suite's sample_uniform_frames (indices
round(linspace(0, n−1, k)), timestamps idx/fps rounded to 0.1 s) through ffmpeg.`

func runReconstruct(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("reconstruct", reconstructSynopsis, stderr)
	framesDir := fs.String("frames", "", "directory of frames (png/jpg; numeric names in numeric order, as the DSR Suite's 000.jpg…)")
	videoPath := fs.String("video", "", "video file to sample frames from (needs ffmpeg)")
	weights := fs.String("weights", "", "π³ checkpoint (model.safetensors of yyfz233/Pi3, or a small one made by scripts/golden_pi3.py)")
	out := fs.String("out", "", "scene directory to write")
	numFrames := fs.Int("num-frames", 32, "--video: frames to sample (the DSR Suite's 32)")
	fps := fs.Float64("fps", 1, "--frames: frame rate of the source video, for scene.json and the timestamps (default 1: frames a second apart)")
	stride := fs.Float64("stride", 1, "--frames: video frames between consecutive frames (timestamps are i·stride/fps)")
	videoID := fs.String("video-id", "", "video id (default: the base name of --out)")
	var dev deviceFlags
	dev.register(fs)
	batch := fs.Int("batch", 8, "frames the encoder and heads take at a time (the decoder always sees all frames)")
	limit := fs.Int("pixel-limit", pi3.PixelLimit, "π³'s PIXEL_LIMIT")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	usage := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "dsr4d reconstruct: "+format+"\n", a...)
		return errUsage
	}
	if err := dev.check(); err != nil {
		return usage("%v", err)
	}
	switch {
	case fs.NArg() > 0:
		return usage("unexpected argument %q", fs.Arg(0))
	case (*framesDir == "") == (*videoPath == ""):
		return usage("want exactly one of --frames and --video")
	case *weights == "" || *out == "":
		return usage("--weights and --out are required")
	case *numFrames <= 0 || *fps <= 0 || *stride <= 0 || *limit < 196:
		return usage("--num-frames, --fps and --stride must be positive, --pixel-limit at least 196")
	}
	opt := importer.Options{VideoID: *videoID, FPS: *fps, Stride: *stride}
	if opt.VideoID == "" {
		opt.VideoID = filepath.Base(filepath.Clean(*out))
	}

	// Frames first: bad input fails before the weights are read.
	var paths []string
	var err error
	if *videoPath != "" {
		tmp, err := os.MkdirTemp("", "dsr4d-reconstruct-*")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		paths, opt.Timestamps, opt.FPS, err = sampleVideo(*videoPath, *numFrames, tmp)
		if err != nil {
			return err
		}
	} else if paths, err = pi3.FrameFiles(*framesDir); err != nil {
		return err
	}
	frames, err := pi3.LoadFrames(paths, *limit)
	if err != nil {
		return err
	}
	opt.Frames = paths
	opt.ImageSize = [2]int{frames.OrigW, frames.OrigH}

	set, err := safetensors.Open(*weights)
	if err != nil {
		return err
	}
	defer set.Close()
	cfg, err := pi3.ConfigFrom(set.Metadata)
	if err != nil {
		return fmt.Errorf("%s: %w", *weights, err)
	}
	be, device, closeBe, err := dev.backend("reconstruct", "π³ runs on the CPU")
	if err != nil {
		return err
	}
	defer closeBe()
	slog.Info("reconstruct: device", "name", device)
	start := time.Now()
	m := pi3.New(cfg)
	if err := nn.Load(be, set, m); err != nil {
		return err
	}
	defer nn.Free(be, m)
	slog.Info("reconstruct: loaded", "weights", *weights, "seconds", time.Since(start).Seconds())

	start = time.Now()
	res, err := m.Forward(be, frames.Pix, frames.N, frames.H, frames.W, pi3.Options{Batch: *batch, Progress: progressLine(stderr)})
	if err != nil {
		return err
	}
	g := &importer.Geometry{N: res.N, H: res.H, W: res.W, LocalPoints: res.LocalPoints, Conf: res.Conf, Poses: res.Poses,
		Source: map[string]any{"importer": "reconstruct", "model": "pi3", "weights": *weights, "device": be.Name()}}
	s, err := importer.Assemble(g, nil, nil, opt)
	if err != nil {
		return err
	}
	if err := scene.Save(*out, s); err != nil {
		return err
	}
	slog.Info("reconstruct: done", "scene", *out, "frames", res.N, "size", fmt.Sprintf("%dx%d", res.W, res.H),
		"device", be.Name(), "seconds", time.Since(start).Seconds(), "peak_rss_mib", peakRSSMiB())
	fmt.Fprintf(stdout, "wrote %s: %d frames at %d×%d\n", *out, res.N, res.W, res.H)
	return nil
}

// sampleVideo is the DSR Suite's sample_uniform_frames: indices round(linspace(0, n−1, k)) (numpy
// rounds half to even), a repeated index is an error, timestamps idx/fps rounded to 0.1 s; the
// frames are extracted into dir as 000.jpg, 001.jpg, ….
func sampleVideo(path string, k int, dir string) (paths []string, times []float64, fps float64, err error) {
	ctx := context.Background()
	info, err := video.Probe(ctx, path)
	if err != nil {
		return nil, nil, 0, err
	}
	if info.Frames <= 0 || info.FPS <= 0 {
		return nil, nil, 0, fmt.Errorf("%s: invalid frame count %d or fps %g", path, info.Frames, info.FPS)
	}
	idx := make([]int, k)
	names := make([]string, k)
	step := 0.0
	if k > 1 {
		step = float64(info.Frames-1) / float64(k-1)
	}
	for i := range k {
		v := float64(i) * step
		if i == k-1 {
			v = float64(info.Frames - 1)
		}
		idx[i] = int(math.RoundToEven(v))
		if i > 0 && idx[i] == idx[i-1] {
			return nil, nil, 0, fmt.Errorf("%s: %d frames, fewer than the %d to sample (repeat frame %d)", path, info.Frames, k, idx[i])
		}
		t, _ := strconv.ParseFloat(strconv.FormatFloat(float64(idx[i])/info.FPS, 'f', 1, 64), 64)
		times = append(times, t)
		names[i] = fmt.Sprintf("%03d.jpg", i)
	}
	paths, err = video.Extract(ctx, path, idx, dir, names, 0)
	return paths, times, info.FPS, err
}

// progressLine reports π³'s stages on one rewritten line when w is a terminal.
func progressLine(w io.Writer) func(stage string, done, total int) {
	f, ok := w.(*os.File)
	if !ok {
		return nil
	}
	if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return func(stage string, done, total int) {
		fmt.Fprintf(w, "\rπ³ %-8s %d/%d\x1b[K", stage, done, total)
		if stage == "heads" && done == total {
			fmt.Fprintln(w)
		}
	}
}

// peakRSSMiB is the process's peak resident memory (VmHWM), 0 where /proc does not say.
func peakRSSMiB() int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return kb / 1024
		}
	}
	return 0
}
