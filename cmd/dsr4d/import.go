package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dsr4d/dsr4d/pipeline/scene"
	"github.com/dsr4d/dsr4d/pipeline/scene/importer"
)

func init() {
	commands["import"] = command{summary: "convert π³, VGGT, depth, Grounded-SAM-2 or orientation outputs into a scene", run: runImport}
}

const importUsage = `Usage:
  dsr4d import pi3   [flags] --out SCENE INPUT   π³ outputs: .npz or directory of .npy (local_points, conf, camera_poses)
  dsr4d import vggt  [flags] --out SCENE INPUT   VGGT: extrinsic (world-to-camera), intrinsic, depth[, depth_conf]
  dsr4d import depth [flags] --out SCENE INPUT   depths, intrinsics, poses (π³ condition.npz layout)
  dsr4d import gsam2  --scene SCENE [--agents LIST] DIR   add Grounded-SAM-2 objects and masks to a scene
  dsr4d import orient --scene SCENE FILE                  add Orient Anything orientations to a scene

Geometry imports write a new dsr4d-scene/1 directory; --gsam2 and --orient add objects, masks and
orientations in the same step. Nothing is written unless the whole scene validates.

`

func runImport(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		fmt.Fprint(stderr, importUsage)
		if len(args) == 0 {
			return errUsage
		}
		return flag.ErrHelp
	}
	kind, args := args[0], args[1:]
	switch kind {
	case "pi3", "vggt", "depth":
		return runImportGeometry(kind, args, stderr)
	case "gsam2", "orient":
		return runImportAdd(kind, args, stderr)
	}
	fmt.Fprintf(stderr, "dsr4d import: unknown kind %q\n\n%s", kind, importUsage)
	return errUsage
}

func runImportGeometry(kind string, args []string, stderr io.Writer) error {
	start := time.Now()
	fs := newFlagSet("import "+kind, "import "+kind+" [flags] --out SCENE INPUT", stderr)
	out := fs.String("out", "", "scene directory to write (required)")
	videoID := fs.String("video-id", "", "video id (default: the base name of -out)")
	fps := fs.Float64("fps", 30, "frames per second of the source video")
	stride := fs.Float64("stride", 1, "video frames between consecutive imported frames (timestamps are i·stride/fps)")
	times := fs.String("timestamps", "", "comma-separated timestamps in seconds, one per frame (overrides -stride)")
	imageSize := fs.String("image-size", "", "video resolution WxH when there are no masks (default: the point-map size)")
	gsam2 := fs.String("gsam2", "", "Grounded-SAM-2 output directory (mask_data/, json_data/) for objects and masks")
	orient := fs.String("orient", "", "Orient Anything results JSON for the agents")
	agents := fs.String("agents", strings.Join(importer.DefaultAgentClasses, ","), "comma-separated classes that are agents, or the agent_object.csv of dsr4d curate (the row of this video)")
	frames := fs.String("frames-dir", "", "directory of RGB frames (png/jpg, one per frame, name order) to copy into the scene")
	confMin := fs.Float64("conf-min", 0, "vggt: depth_conf below this marks a pixel invalid")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	pos := fs.Args()
	if *out == "" || len(pos) != 1 {
		fmt.Fprintln(stderr, "dsr4d import: want -out SCENE and exactly one INPUT")
		fs.Usage()
		return errUsage
	}
	if !(*fps > 0) || math.IsInf(*fps, 0) {
		fmt.Fprintf(stderr, "dsr4d import: --fps %v: want a positive number\n", *fps)
		return errUsage
	}
	if !(*stride > 0) || math.IsInf(*stride, 0) {
		fmt.Fprintf(stderr, "dsr4d import: --stride %v: want a positive number\n", *stride)
		return errUsage
	}
	var g *importer.Geometry
	var err error
	switch kind {
	case "pi3":
		g, err = importer.Pi3(pos[0])
	case "vggt":
		g, err = importer.VGGT(pos[0], *confMin)
	case "depth":
		g, err = importer.Depth(pos[0])
	}
	if err != nil {
		return err
	}
	opt := importer.Options{VideoID: *videoID, FPS: *fps, Stride: *stride}
	if opt.VideoID == "" {
		opt.VideoID = filepath.Base(filepath.Clean(*out))
	}
	if *times != "" {
		for _, f := range strings.Split(*times, ",") {
			v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil {
				return fmt.Errorf("-timestamps: %q is not a number", f)
			}
			opt.Timestamps = append(opt.Timestamps, v)
		}
	}
	if *imageSize != "" {
		var w, h int
		if _, err := fmt.Sscanf(*imageSize, "%dx%d", &w, &h); err != nil {
			return fmt.Errorf("-image-size: %q, want WxH such as 1280x720", *imageSize)
		}
		opt.ImageSize = [2]int{w, h}
	}
	if *frames != "" {
		ents, err := os.ReadDir(*frames)
		if err != nil {
			return fmt.Errorf("--frames-dir: %w", err)
		}
		for _, e := range ents {
			switch strings.ToLower(filepath.Ext(e.Name())) {
			case ".png", ".jpg", ".jpeg":
				opt.Frames = append(opt.Frames, filepath.Join(*frames, e.Name()))
			}
		}
		slices.Sort(opt.Frames)
	}
	var m *importer.Masks
	if *gsam2 != "" {
		classes, err := agentList(*agents, opt.VideoID) // curate.go: a list or agent_object.csv
		if err != nil {
			return err
		}
		if m, err = importer.GSAM2(*gsam2, classes); err != nil {
			return err
		}
	}
	var o map[int][]scene.Orientation
	if *orient != "" {
		if o, err = importer.Orientations(*orient); err != nil {
			return err
		}
	}
	s, err := importer.Assemble(g, m, o, opt)
	if err != nil && strings.Contains(err.Error(), "timestamps") {
		if *times != "" {
			return fmt.Errorf("%w (the timestamps are --timestamps)", err)
		}
		return fmt.Errorf("%w (the timestamps are i·stride/fps from --fps %g and --stride %g; set those or --timestamps)", err, *fps, *stride)
	}
	if err != nil {
		return err
	}
	if err := scene.Save(*out, s); err != nil {
		return err
	}
	slog.Info("import", "kind", kind, "scene", *out, "frames", s.N, "objects", len(s.Objects), "elapsed", time.Since(start).Round(time.Millisecond))
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func runImportAdd(kind string, args []string, stderr io.Writer) error {
	start := time.Now()
	fs := newFlagSet("import "+kind, "import "+kind+" --scene SCENE INPUT", stderr)
	dir := fs.String("scene", "", "scene directory to update (required)")
	agents := fs.String("agents", strings.Join(importer.DefaultAgentClasses, ","), "gsam2: comma-separated classes that are agents, or the agent_object.csv of dsr4d curate (the row of this video)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	pos := fs.Args()
	if *dir == "" || len(pos) != 1 {
		fmt.Fprintln(stderr, "dsr4d import: want -scene SCENE and exactly one INPUT")
		fs.Usage()
		return errUsage
	}
	s, err := scene.Load(*dir)
	if err != nil {
		return err
	}
	switch kind {
	case "gsam2":
		classes, err := agentList(*agents, s.VideoID) // curate.go: a list or agent_object.csv
		if err != nil {
			return err
		}
		m, err := importer.GSAM2(pos[0], classes)
		if err != nil {
			return err
		}
		if m.N != s.N {
			return fmt.Errorf("%s: %d frames of masks, the scene has %d", pos[0], m.N, s.N)
		}
		s.ImageSize, s.Objects, s.Masks = m.ImageSize, m.Objects, m.Masks
		s.Orient = map[int][]scene.Orientation{} // ids may have changed
	case "orient":
		o, err := importer.Orientations(pos[0])
		if err != nil {
			return err
		}
		s.Orient = o
	}
	if err := scene.Save(*dir, s); err != nil {
		return err
	}
	slog.Info("import", "kind", kind, "scene", *dir, "objects", len(s.Objects), "agents_oriented", len(s.Orient), "elapsed", time.Since(start).Round(time.Millisecond))
	return nil
}
