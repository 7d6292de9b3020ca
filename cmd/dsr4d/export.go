package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/dsr4d/dsr4d/internal/atomicfile"

	"github.com/dsr4d/dsr4d/pipeline/scene"
	"github.com/dsr4d/dsr4d/pipeline/scene/export"
)

func init() {
	commands["export"] = command{summary: "write a scene's world cloud (PLY, GLB) or camera path (TUM, KITTI)", run: runExport}
}

const exportUsage = `Usage:
  dsr4d export ply   --scene SCENE --out FILE.ply [-scalar time|object|none] [-frame-list LIST] [-step K]
  dsr4d export glb   --scene SCENE --out FILE.glb [-scalar ...] [-frame-list LIST] [-step K] [-keep-axes]
  dsr4d export tum   --scene SCENE --out FILE.txt   camera-to-world path: timestamp tx ty tz qx qy qz qw
  dsr4d export kitti --scene SCENE --out FILE.txt   camera-to-world path: 12 numbers of [R|t] per line

The cloud holds every valid pixel (sigmoid(conf) > 0.1, not a depth edge) in world coordinates,
coloured from frames/ when the scene has RGB frames.

`

func runExport(args []string, stdout, stderr io.Writer) error {
	start := time.Now()
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		fmt.Fprint(stderr, exportUsage)
		if len(args) == 0 {
			return errUsage
		}
		return flag.ErrHelp
	}
	kind, args := args[0], args[1:]
	switch kind {
	case "ply", "glb", "tum", "kitti":
	default:
		fmt.Fprintf(stderr, "dsr4d export: unknown kind %q\n\n%s", kind, exportUsage)
		return errUsage
	}
	fs := newFlagSet("export "+kind, "export "+kind+" --scene SCENE --out FILE [flags]", stderr)
	dir := fs.String("scene", "", "scene directory (required)")
	out := fs.String("out", "", "output file (required)")
	scalar := fs.String("scalar", "none", "ply/glb: per-point scalar: time, object or none")
	frames := fs.String("frame-list", "", "ply/glb: comma-separated frame indices or ranges (e.g. 0,4-7); default all")
	step := fs.Int("step", 1, "ply/glb: keep every step-th pixel in x and y")
	keepAxes := fs.Bool("keep-axes", false, "glb: keep OpenCV axes instead of converting to glTF's y-up")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	pos := fs.Args()
	if *dir == "" || *out == "" || len(pos) != 0 {
		fmt.Fprintln(stderr, "dsr4d export: want -scene SCENE and -out FILE")
		fs.Usage()
		return errUsage
	}
	if *step < 1 {
		fmt.Fprintf(stderr, "dsr4d export: --step %d: want at least 1\n", *step)
		return errUsage
	}
	s, err := scene.Load(*dir)
	if err != nil {
		return err
	}
	var write func(w io.Writer) error
	switch kind {
	case "tum":
		write = func(w io.Writer) error { return export.WriteTUM(w, s) }
	case "kitti":
		write = func(w io.Writer) error { return export.WriteKITTI(w, s) }
	default:
		opt := export.CloudOptions{Step: *step}
		if *scalar != "none" {
			opt.Scalar = export.Scalar(*scalar)
		}
		if *frames != "" {
			if opt.Frames, err = parseFrameList(*frames); err != nil {
				return fmt.Errorf("--frame-list: %w", err)
			}
		}
		c, err := export.WorldCloud(s, opt)
		if err != nil {
			return err
		}
		slog.Info("export: world cloud", "points", c.Len())
		if kind == "ply" {
			write = func(w io.Writer) error { return export.PLYEncoder{Comment: "dsr4d " + s.VideoID}.Encode(w, c) }
		} else {
			write = func(w io.Writer) error { return export.GLBEncoder{KeepAxes: *keepAxes}.Encode(w, c) }
		}
	}
	if err := atomicfile.WriteFunc(*out, write); err != nil {
		return err
	}
	slog.Info("export", "kind", kind, "out", *out, "elapsed", time.Since(start).Round(time.Millisecond))
	return nil
}

// parseFrameList parses "0,3,5-7" into frame indices.
func parseFrameList(s string) ([]int, error) {
	var out []int
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil || a < 0 {
			return nil, fmt.Errorf("%q is not a frame index or range", part)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return nil, fmt.Errorf("%q is not a frame range", part)
			}
		}
		for i := a; i <= b; i++ {
			out = append(out, i)
		}
	}
	return out, nil
}
