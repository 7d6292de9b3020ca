package main

import (
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/dsr4d/dsr4d/pipeline/synth"
)

func init() {
	commands["synth"] = command{summary: "generate synthetic 4D scenes with exact ground truth (ray-cast on Vulkan)", run: runSynth}
}

// defaultSynthOut is where `dsr4d synth` with no flags writes the built-in example scene.
const defaultSynthOut = "out/example"

const synthSynopsis = `synth [--out DIR] [--seed N] [--frames 32] [--fps 4] [--size 640x360] [--points-size 320x180]
             [--objects 4] [--preset NAME] [--noise LEVEL,KEY=VALUE,...] [--count M] [--device auto|cpu|vulkan]

Writes dsr4d-scene/1 directories (geometry.npz, masks.npz, orient.json, frames/, gt.json) of
procedural scenes: a ground plane, buildings, K dynamic objects with motions, tracked static
objects and a moving camera. With no flags it writes the default example scene to ` + defaultSynthOut + `.
With --count M > 1 it writes DIR/<video id> for seeds N..N+M-1.`

func runSynth(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("synth", synthSynopsis, stderr)
	def := synth.DefaultConfig()
	out := fs.String("out", defaultSynthOut, "output scene directory (the parent directory with --count > 1)")
	seed := fs.Uint64("seed", def.Seed, "random seed: the same seed and flags give a byte-identical directory")
	frames := fs.Int("frames", def.Frames, "number of frames N")
	fps := fs.Float64("fps", def.FPS, "frames per second of the sampled clip")
	size := fs.String("size", sizeString(def.Size), "video (mask and RGB) size WxH")
	pointsSize := fs.String("points-size", sizeString(def.PointsSize), "point-map size WxH")
	objects := fs.Int("objects", def.Objects, "number of dynamic objects (the preset adds tracked static ones)")
	preset := fs.String("preset", def.Preset, "scene family: "+strings.Join(synth.PresetNames(), ", "))
	noise := fs.String("noise", "none", "noise: none, light, heavy and/or key=value with keys depth, jitter, rot, drift, mask, orient, occlude (e.g. light,orient=5)")
	fov := fs.Float64("fov", def.FOV, "horizontal field of view in degrees")
	count := fs.Int("count", 1, "number of scenes M (seeds N..N+M-1)")
	var dev deviceFlags
	dev.register(fs)
	id := fs.String("id", "", "video id (default synth-<preset>-<seed>; only with --count 1)")
	usage := fs.Usage
	fs.Usage = func() {
		usage()
		fmt.Fprintf(stderr, "\nPresets:\n%s\nNoise levels: light = %s\n              heavy = %s\n",
			synth.PresetHelp(), synth.NoiseLevels["light"], synth.NoiseLevels["heavy"])
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	bad := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "dsr4d synth: "+format+"\n", a...)
		return errUsage
	}
	if fs.NArg() > 0 {
		return bad("unexpected argument %q", fs.Arg(0))
	}
	cfg := def
	cfg.Seed, cfg.Frames, cfg.FPS, cfg.Objects, cfg.Preset, cfg.FOV, cfg.VideoID = *seed, *frames, *fps, *objects, *preset, *fov, *id
	var err error
	if cfg.Size, err = parseSize(*size); err != nil {
		return bad("--size: %v", err)
	}
	if cfg.PointsSize, err = parseSize(*pointsSize); err != nil {
		return bad("--points-size: %v", err)
	}
	if cfg.Noise, err = synth.ParseNoise(*noise); err != nil {
		return bad("--%v", err)
	}
	if *count < 1 {
		return bad("--count: %d, want at least 1", *count)
	}
	if *count > 1 && *id != "" {
		return bad("--id needs --count 1")
	}
	if err := cfg.Validate(); err != nil {
		return bad("--%v", err)
	}

	if err := dev.check(); err != nil {
		return bad("%v", err)
	}
	caster, closeCaster, err := openCaster(&dev)
	if err != nil {
		return err
	}
	defer closeCaster()
	bar := newProgress(stderr, *count, "scenes")
	start := time.Now()
	for i := range *count {
		c := cfg
		c.Seed = cfg.Seed + uint64(i)
		dir := *out
		if *count > 1 {
			dir = filepath.Join(*out, c.ID())
		}
		t0 := time.Now()
		r, err := synth.Generate(c, caster)
		if err != nil {
			return err
		}
		if err := synth.Write(dir, r); err != nil {
			return err
		}
		if *count == 1 {
			slog.Info("synth", "out", dir, "preset", c.Preset, "seed", c.Seed, "frames", c.Frames,
				"objects", len(r.Scene.Objects), "renderer", caster.Name(), "elapsed", time.Since(t0).Round(time.Millisecond))
		}
		bar.step(i + 1)
	}
	bar.done()
	if *count > 1 {
		slog.Info("synth", "scenes", *count, "out", *out, "renderer", caster.Name(), "elapsed", time.Since(start).Round(time.Millisecond))
	}
	return nil
}

// openCaster opens the Vulkan ray caster, or the CPU reference with cpu or without a device.
func openCaster(dev *deviceFlags) (synth.Caster, func(), error) {
	d, closeDev, err := dev.open("synth", "ray-casting with the CPU reference")
	if err != nil || d == nil {
		return synth.CPU{}, closeDev, err
	}
	g, err := synth.NewGPU(d)
	if err != nil {
		closeDev()
		return nil, nil, err
	}
	return g, func() { g.Release(); closeDev() }, nil
}

func sizeString(s [2]int) string { return fmt.Sprintf("%dx%d", s[0], s[1]) }

// parseSize reads "WxH" with positive sides.
func parseSize(s string) ([2]int, error) {
	a, b, ok := strings.Cut(strings.ToLower(s), "x")
	w, err1 := strconv.Atoi(a)
	h, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil {
		return [2]int{}, fmt.Errorf("%q: want WIDTHxHEIGHT, e.g. 640x360", s)
	}
	if w < 1 || h < 1 || w > synth.MaxSide || h > synth.MaxSide {
		return [2]int{}, fmt.Errorf("%q: each side must be in 1..%d", s, synth.MaxSide)
	}
	return [2]int{w, h}, nil
}
