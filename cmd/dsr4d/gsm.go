package main

import (
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/dsr4d/dsr4d/nn/gsm"
	"github.com/dsr4d/dsr4d/nn/qwenvl"
	"github.com/dsr4d/dsr4d/nn/safetensors"
	"github.com/dsr4d/dsr4d/pipeline/scene/npy"
)

func init() {
	commands["gsm"] = command{summary: "run the Geometry Selection Module (or 'gsm init' a random checkpoint)", run: runGSM}
}

const gsmSynopsis = `gsm --weights FILE|DIR --text T.npy --features F.npy --grid t,h,w --spgt S --out G.npy [flags]
       dsr4d gsm --weights DIR --text T.npy --frames FRAMES --out G.npy [flags]
       dsr4d gsm init --config tiny|official --out W.safetensors [flags]

Runs the GSM on one sample: text embeddings T (L, D), encoder patch tokens F (2t, h·w, C) or
(2t, h, w, C) for Qwen's video grid (t, h, w); writes the geometry tokens G (32, D).
With --frames the 3-D tokens come from pixels, in process, as the DSR model computes them: the
frames (.png/.jpg in name order, 2 fps) become Qwen2.5-VL's video patches, which are
un-normalised from CLIP's and re-normalised to ImageNet's statistics for the DSR checkpoint's
DINOv2 (visual.spatial_encoder.*); --weights is then the DSR model's directory (config.json and
its weights; only the spatial branch is read).`

func runGSM(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "init" {
		return runGSMInit(args[1:], stdout, stderr)
	}
	fs := newFlagSet("gsm", gsmSynopsis, stderr)
	weights := fs.String("weights", "", "checkpoint: a .safetensors file, an index JSON or a directory")
	prefix := fs.String("prefix", "visual.", "name prefix of the GSM tensors in the checkpoint")
	config := fs.String("config", "auto", "auto (from the checkpoint), tiny or official")
	textPath := fs.String("text", "", "text token embeddings, .npy (L, D)")
	featPath := fs.String("features", "", "encoder patch tokens, .npy (2t, h·w, C) or (2t, h, w, C)")
	gridFlag := fs.String("grid", "", "video grid t,h,w (temporal steps of 2 frames, 14-px patch rows and columns)")
	spgt := fs.Float64("spgt", 1, "seconds per temporal grid step (second_per_grid_ts)")
	out := fs.String("out", "", "output .npy (32, D)")
	framesDir := fs.String("frames", "", "instead of --features/--grid/--spgt: a directory of frames, encoded in process by the checkpoint's DINOv2")
	var dev deviceFlags
	dev.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	usage := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "dsr4d gsm: "+format+"\n", a...)
		return errUsage
	}
	if fs.NArg() > 0 {
		return usage("unexpected argument %q", fs.Arg(0))
	}
	if *framesDir != "" {
		if *featPath != "" || *gridFlag != "" {
			return usage("--frames replaces --features and --grid")
		}
		if *weights == "" || *textPath == "" || *out == "" {
			return usage("--weights, --text, --frames and --out are required")
		}
		if err := dev.check(); err != nil {
			return usage("%v", err)
		}
		return runGSMFrames(*weights, *textPath, *framesDir, *out, &dev, stdout)
	}
	if *weights == "" || *textPath == "" || *featPath == "" || *gridFlag == "" || *out == "" {
		return usage("--weights, --text, --features, --grid and --out are required")
	}
	grid, err := parseGrid(*gridFlag)
	if err != nil {
		return usage("%v", err)
	}
	if err := dev.check(); err != nil {
		return usage("%v", err)
	}

	set, err := safetensors.Open(*weights)
	if err != nil {
		return err
	}
	defer set.Close()
	cfg, err := gsmConfig(*config, set, *prefix)
	if err != nil {
		return err
	}
	if err := checkWeights(set, *prefix); err != nil {
		return err
	}
	text, err := readNPY(*textPath, "text", func(s []int) bool { return len(s) == 2 && s[1] == cfg.Hidden },
		fmt.Sprintf("(L, %d)", cfg.Hidden))
	if err != nil {
		return err
	}
	frames, hw := 2*grid[0], grid[1]*grid[2]
	feats, err := readNPY(*featPath, "features", func(s []int) bool {
		return (len(s) == 3 && s[0] == frames && s[1] == hw && s[2] == cfg.SpatialDim) ||
			(len(s) == 4 && s[0] == frames && s[1] == grid[1] && s[2] == grid[2] && s[3] == cfg.SpatialDim)
	}, fmt.Sprintf("(%d, %d, %d) for grid %v", frames, hw, cfg.SpatialDim, grid))
	if err != nil {
		return err
	}

	be, _, closeBe, err := dev.backend("gsm", "the GSM runs on the CPU")
	if err != nil {
		return err
	}
	defer closeBe()
	slog.Info("gsm: loading", "weights", *weights, "device", be.Name(), "hidden", cfg.Hidden)
	start := time.Now()
	m, err := gsm.Load(be, set, *prefix, cfg)
	if err != nil {
		return err
	}
	defer m.Close()
	slog.Info("gsm: loaded", "elapsed", time.Since(start).Round(time.Millisecond))
	start = time.Now()
	slog.Info("gsm: forward", "tokens3d", grid[0]*grid[1]/2*grid[2]/2, "text", len(text)/cfg.Hidden)
	res, err := m.Forward([]gsm.Sample{{Text: text, Features: feats, Grid: grid, SecondPerGridT: float32(*spgt)}})
	if err != nil {
		return err
	}
	slog.Info("gsm: forward", "device", be.Name(), "tokens3d", grid[0]*grid[1]/2*grid[2]/2, "text", len(text)/cfg.Hidden, "elapsed", time.Since(start).Round(time.Millisecond))
	if err := npy.WriteFile(*out, npy.Of(res[0], cfg.Queries, cfg.Hidden)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (%d, %d)\n", *out, cfg.Queries, cfg.Hidden)
	return nil
}

// runGSMFrames is gsm --frames: the DSR model's spatial branch from pixels.
func runGSMFrames(dir, textPath, framesDir, out string, dev *deviceFlags, stdout io.Writer) error {
	frames, err := readFramesDir(framesDir)
	if err != nil {
		return err
	}
	be, device, closeBe, err := dev.backend("gsm", "the GSM runs on the CPU")
	if err != nil {
		return err
	}
	defer closeBe()
	start := time.Now()
	sp, vc, err := qwenvl.LoadSpatial(be, dir)
	if err != nil {
		return err
	}
	defer sp.Free(be)
	cfg := sp.GSM.Config
	slog.Info("gsm: loaded", "weights", dir, "device", device, "encoder_depth", sp.Encoder.Cfg.Depth, "elapsed", time.Since(start).Round(time.Millisecond))
	text, err := readNPY(textPath, "text", func(s []int) bool { return len(s) == 2 && s[1] == cfg.Hidden }, fmt.Sprintf("(L, %d)", cfg.Hidden))
	if err != nil {
		return err
	}
	clip, err := vc.FramesClip(frames, 0, 0, 0)
	if err != nil {
		return fmt.Errorf("%s: %w", framesDir, err)
	}
	start = time.Now()
	res, err := sp.Geometry(be, vc, text, clip)
	if err != nil {
		return err
	}
	slog.Info("gsm: forward", "device", device, "frames", len(frames), "grid", fmt.Sprint(clip.Grid), "text", len(text)/cfg.Hidden, "elapsed", time.Since(start).Round(time.Millisecond))
	if err := npy.WriteFile(out, npy.Of(res, cfg.Queries, cfg.Hidden)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (%d, %d)\n", out, cfg.Queries, cfg.Hidden)
	return nil
}

func parseGrid(s string) ([3]int, error) {
	var g [3]int
	parts := strings.Split(s, ",")
	if len(parts) != 3 {
		return g, fmt.Errorf("--grid %q: want t,h,w", s)
	}
	for i, p := range parts {
		v, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || v <= 0 || (i > 0 && v%2 != 0) {
			return g, fmt.Errorf("--grid %q: want positive t and even h, w", s)
		}
		g[i] = v
	}
	return g, nil
}

// gsmConfig picks the config: by name, from the checkpoint's metadata, or by its width.
func gsmConfig(name string, set *safetensors.Set, prefix string) (gsm.Config, error) {
	if name != "auto" {
		return gsm.Named(name)
	}
	if c, ok, err := gsm.ConfigFromMetadata(set.Metadata); ok || err != nil {
		return c, err
	}
	info, err := set.Prefix(prefix).Info("q_former_queries")
	if err != nil {
		return gsm.Config{}, err
	}
	if len(info.Shape) == 2 && info.Shape[1] == gsm.Official().Hidden {
		return gsm.Official(), nil
	}
	return gsm.Config{}, fmt.Errorf("%s: q_former_queries has shape %v and no %s metadata: pass --config", info.File, info.Shape, gsm.MetadataKey)
}

func readNPY(path, what string, ok func([]int) bool, want string) ([]float32, error) {
	a, err := npy.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if !ok(a.Shape) {
		return nil, fmt.Errorf("%s %s: shape %s, want %s", what, path, npy.ShapeString(a.Shape), want)
	}
	v, err := a.Float32()
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", what, path, err)
	}
	if i, bad := firstNonFinite(v); bad {
		return nil, fmt.Errorf("%s %s: element %d %v is %v: inputs must be finite", what, path, i, unravel(i, a.Shape), v[i])
	}
	return v, nil
}

// firstNonFinite returns the index of the first NaN or ±Inf in v.
func firstNonFinite(v []float32) (int, bool) {
	for i, x := range v {
		if x-x != 0 { // NaN or ±Inf
			return i, true
		}
	}
	return 0, false
}

// unravel turns flat index i into its C-order index in shape.
func unravel(i int, shape []int) []int {
	idx := make([]int, len(shape))
	for k := len(shape) - 1; k >= 0; k-- {
		idx[k] = i % shape[k]
		i /= shape[k]
	}
	return idx
}

// checkWeights refuses a checkpoint with a NaN or ±Inf among the float tensors under prefix.
func checkWeights(set *safetensors.Set, prefix string) error {
	view := set.Prefix(prefix)
	for _, name := range view.Names() {
		info, err := view.Info(name)
		if err != nil {
			return err
		}
		if info.DType != "F32" && info.DType != "F16" && info.DType != "BF16" {
			continue
		}
		v, err := view.Float32(name)
		if err != nil {
			return err
		}
		if i, bad := firstNonFinite(v); bad {
			return fmt.Errorf("weights %s: %s: element %d %v is %v: weights must be finite", info.File, info.Name, i, unravel(i, info.Shape), v[i])
		}
	}
	return nil
}

func runGSMInit(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("gsm init", "gsm init --config tiny|official --out W.safetensors [flags]\n\nWrites a random checkpoint under the released names.", stderr)
	config := fs.String("config", "tiny", "tiny or official")
	out := fs.String("out", "", "output .safetensors")
	prefix := fs.String("prefix", "visual.", "name prefix")
	seed := fs.Uint64("seed", 1, "random seed")
	dtype := fs.String("dtype", "F32", "stored type: F32, BF16 or F16")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "dsr4d gsm init: --out is required and takes no arguments")
		return errUsage
	}
	cfg, err := gsm.Named(*config)
	if err != nil {
		fmt.Fprintln(stderr, "dsr4d gsm init:", err)
		return errUsage
	}
	*dtype = strings.ToUpper(*dtype)
	if *dtype != "F32" && *dtype != "BF16" && *dtype != "F16" {
		fmt.Fprintf(stderr, "dsr4d gsm init: --dtype %q: want F32, BF16 or F16\n", *dtype)
		return errUsage
	}
	ts := gsm.Random(cfg, *seed)
	for i := range ts {
		ts[i].Name = *prefix + ts[i].Name
		ts[i].DType = *dtype
	}
	if err := safetensors.Write(*out, ts, cfg.Metadata()); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (%s config, %d tensors, %s)\n", *out, *config, len(ts), *dtype)
	return nil
}
