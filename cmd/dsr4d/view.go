package main

import (
	"flag"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/dsr4d/dsr4d/internal/atomicfile"
	"github.com/dsr4d/dsr4d/pipeline/scene"
	"github.com/dsr4d/dsr4d/viewer"
)

func init() {
	// GLFW (the viewer's window) must run on the main OS thread; main's goroutine starts there.
	runtime.LockOSThread()
	commands["view"] = command{summary: "show a scene in 4D (window or headless screenshots), optionally with a question", run: runView}
}

const viewSynopsis = `view --scene DIR [--qa FILE --question N] [--frame K] [--mode accumulate] [--color rgb]
             [--screenshot out.png [--size WxH] | --frames-out DIR]

Opens a window (GLFW + Vulkan) showing the scene's point maps over time, the camera path and
frustums, object centres, trails and facing arrows. With --qa it highlights question N's
objects over its interval, draws its viewpoint's axes (x forward red, y left green, z up blue)
and shows the question, options and answer. --screenshot and --frames-out render offscreen
without a window or display.

Keys:
` + viewer.KeysHelp

func runView(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("view", viewSynopsis, stderr)
	dir := fs.String("scene", "", "scene directory (dsr4d-scene/1)")
	qaFile := fs.String("qa", "", "dsr4d QA JSONL file (see package viewer's Question for the fields read)")
	question := fs.Int("question", 0, "question number in --qa (0-based)")
	shot := fs.String("screenshot", "", "render one frame offscreen to this PNG and exit")
	framesOut := fs.String("frames-out", "", "render every frame offscreen to DIR/frame_000.png... and exit")
	frame := fs.Int("frame", -1, "frame to show (default: 0, or the question's first frame)")
	size := fs.String("size", "1280x720", "window or image size WxH")
	mode := fs.String("mode", "accumulate", "points drawn: current, accumulate (background of all frames) or trail")
	trail := fs.Int("trail", 4, "frames in trail mode and of object trails")
	color := fs.String("color", "rgb", "point colours: rgb, object, time or confidence")
	pointSize := fs.Float64("point-size", 2, "point size in pixels")
	stride := fs.Int("stride", 1, "draw every N-th point")
	confPct := fs.Float64("conf-pct", 0, "hide points below this confidence percentile (0-100)")
	through := fs.Bool("through", false, "look through the scene's camera")
	noHUD := fs.Bool("no-hud", false, "hide the text overlay")
	play := fs.Bool("play", false, "start playing (window)")
	keepInvalid := fs.Bool("keep-invalid", false, "keep points that fail the validity rule (low confidence, depth edges)")
	validate := fs.Bool("validate", false, "enable the Vulkan validation layer (also DSR4D_VALIDATE=1)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	bad := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "dsr4d view: "+format+"\n", a...)
		return errUsage
	}
	if fs.NArg() > 0 {
		return bad("unexpected argument %q", fs.Arg(0))
	}
	if *dir == "" {
		return bad("--scene is required")
	}
	wh, err := parseSize(*size)
	if err != nil {
		return bad("--size: %v", err)
	}
	set := viewer.DefaultSettings()
	if set.Mode, err = viewer.ParseMode(*mode); err != nil {
		return bad("--mode: %v", err)
	}
	if set.ColorBy, err = viewer.ParseColorBy(*color); err != nil {
		return bad("--color: %v", err)
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if given["frame"] && *frame < 0 {
		return bad("--frame %d: want a frame index ≥ 0", *frame)
	}
	// Written so that NaN fails every check.
	if *trail < 1 || *stride < 1 || !(*pointSize > 0 && *pointSize <= 1e4) || !(*confPct >= 0 && *confPct <= 100) {
		return bad("--trail and --stride must be ≥ 1, --point-size > 0, --conf-pct in 0..100")
	}
	if *shot != "" && *framesOut != "" {
		return bad("--screenshot and --frames-out are exclusive")
	}
	set.Trail, set.ObjTrail, set.PointSize, set.Stride, set.ConfPct, set.HUD = *trail, max(*trail, 8), float32(*pointSize), *stride, *confPct, !*noHUD

	start := time.Now()
	s, err := scene.Load(*dir)
	if err != nil {
		return err
	}
	var q *viewer.Question
	if *qaFile != "" {
		if q, err = viewer.ReadQuestion(*qaFile, *question); err != nil {
			return err
		}
		if err := q.Check(s); err != nil {
			return err
		}
	}
	geo, err := viewer.Build(s, viewer.BuildOptions{Question: q, KeepInvalid: *keepInvalid})
	if err != nil {
		return err
	}
	slog.Info("view", "scene", s.VideoID, "frames", s.N, "points", len(geo.Points), "elapsed", time.Since(start).Round(time.Millisecond))
	st := viewer.NewState(geo)
	st.Settings = set
	st.Question = q
	st.Playing = *play
	switch {
	case *frame >= 0:
		if *frame >= s.N {
			return bad("--frame %d: the scene has frames 0..%d", *frame, s.N-1)
		}
		st.Frame = *frame
	case q != nil:
		st.Frame = q.Start
	}
	if *through {
		st.Cam.Through = st.Frame
	}

	if *shot == "" && *framesOut == "" {
		return viewer.RunWindow(geo, st, wh[0], wh[1], *validate)
	}
	o, err := viewer.NewOffscreen(geo, wh[0], wh[1], *validate)
	if err != nil {
		return err
	}
	defer o.Close()
	if *shot != "" {
		img, err := o.Render(st)
		if err != nil {
			return err
		}
		if err := writePNG(*shot, img); err != nil {
			return err
		}
		fmt.Fprintln(stdout, *shot)
	} else {
		if err := os.MkdirAll(*framesOut, 0o755); err != nil {
			return err
		}
		bar := newProgress(stderr, s.N, "frames")
		for i := range s.N {
			st.Frame = i
			img, err := o.Render(st)
			if err != nil {
				return err
			}
			if err := writePNG(filepath.Join(*framesOut, fmt.Sprintf("frame_%03d.png", i)), img); err != nil {
				return err
			}
			bar.step(i + 1)
		}
		bar.done()
		fmt.Fprintf(stdout, "%s: %d frames\n", *framesOut, s.N)
	}
	if m := o.Messages(); m.Total() > 0 {
		return fmt.Errorf("%d Vulkan validation messages, first: %v", m.Total(), m.Texts[0])
	}
	return nil
}

// writePNG writes img to path atomically, mode 0644.
func writePNG(path string, img image.Image) error {
	return atomicfile.WriteFunc(path, func(w io.Writer) error { return png.Encode(w, img) })
}
