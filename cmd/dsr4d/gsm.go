package main

import (
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/dsr4d/dsr4d/nn"
	"github.com/dsr4d/dsr4d/nn/gsm"
	"github.com/dsr4d/dsr4d/nn/safetensors"
	"github.com/dsr4d/dsr4d/pipeline/scene/npy"
	"github.com/dsr4d/dsr4d/vk"
)

func init() {
	commands["gsm"] = command{summary: "run the Geometry Selection Module (or 'gsm init' a random checkpoint)", run: runGSM}
}

const gsmSynopsis = `gsm --weights FILE|DIR --text T.npy --features F.npy --grid t,h,w --spgt S --out G.npy [flags]
       dsr4d gsm init --config tiny|official --out W.safetensors [flags]

Runs the GSM on one sample: text embeddings T (L, D), encoder patch tokens F (2t, h·w, C) or
(2t, h, w, C) for Qwen's video grid (t, h, w); writes the geometry tokens G (32, D).`

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
	device := fs.String("device", "vulkan", "cpu or vulkan")
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
	if *weights == "" || *textPath == "" || *featPath == "" || *gridFlag == "" || *out == "" {
		return usage("--weights, --text, --features, --grid and --out are required")
	}
	grid, err := parseGrid(*gridFlag)
	if err != nil {
		return usage("%v", err)
	}
	if *device != "cpu" && *device != "vulkan" {
		return usage("--device %q: want cpu or vulkan", *device)
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

	var be nn.Backend = nn.NewCPU()
	if *device == "vulkan" {
		d, err := vk.Open(vk.Options{})
		if err != nil {
			return err
		}
		defer d.Close()
		g, err := nn.NewVulkan(d)
		if err != nil {
			return err
		}
		defer g.Close()
		be = g
		slog.Info("gsm: device", "name", d.Info().Name)
	}
	start := time.Now()
	m, err := gsm.Load(be, set, *prefix, cfg)
	if err != nil {
		return err
	}
	defer m.Close()
	slog.Info("gsm: loaded", "weights", *weights, "hidden", cfg.Hidden, "seconds", time.Since(start).Seconds())
	start = time.Now()
	res, err := m.Forward([]gsm.Sample{{Text: text, Features: feats, Grid: grid, SecondPerGridT: float32(*spgt)}})
	if err != nil {
		return err
	}
	slog.Info("gsm: forward", "device", be.Name(), "tokens3d", grid[0]*grid[1]/2*grid[2]/2, "text", len(text)/cfg.Hidden, "seconds", time.Since(start).Seconds())
	if err := npy.WriteFile(*out, npy.Of(res[0], cfg.Queries, cfg.Hidden)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (%d, %d)\n", *out, cfg.Queries, cfg.Hidden)
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
	return a.Float32()
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
