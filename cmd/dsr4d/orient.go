package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	_ "image/jpeg" // frames may be JPEG
	_ "image/png"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/dsr4d/dsr4d/internal/atomicfile"
	"github.com/dsr4d/dsr4d/internal/resample"
	"github.com/dsr4d/dsr4d/nn/orient"
	"github.com/dsr4d/dsr4d/nn/torchfile"
	"github.com/dsr4d/dsr4d/pipeline/qa"
	"github.com/dsr4d/dsr4d/pipeline/scene"
)

func init() {
	commands["orient"] = command{summary: "compute a scene's agent orientations with Orient Anything (orient.json)", run: runOrient}
}

const orientSynopsis = `orient --scene DIR --weights dino_weight.pt [flags]

Runs Orient Anything (the DSR Suite's extract_orient: mask crop, DINOv2 processor, DINOv2-large
and its MLP head, get_3angle) on every agent of the scene at every frame where its mask has
pixels — every (agent, frame) the QA generator may ask for — and writes DIR/orient.json.
The scene needs its RGB frames (frames/). --weights is the released state dict (.pt) or the
same tensors as .safetensors. Empty masks are skipped and counted.`

func runOrient(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("orient", orientSynopsis, stderr)
	dir := fs.String("scene", "", "scene directory (required)")
	var o orientFlags
	o.register(fs, "weights")
	var dev deviceFlags
	dev.register(fs)
	force := fs.Bool("force", false, "replace an existing orient.json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *dir == "" || o.weights == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "dsr4d orient: --scene and --weights are required; no arguments")
		return errUsage
	}
	for _, err := range []error{o.check(), dev.check()} {
		if err != nil {
			fmt.Fprintln(stderr, "dsr4d orient:", err)
			return errUsage
		}
	}
	s, err := scene.Load(*dir)
	if err != nil {
		return err
	}
	if len(s.Orient) > 0 && !*force {
		return fmt.Errorf("%s already has %s (pass --force to replace it)", *dir, scene.OrientFile)
	}
	or, err := o.open(&dev)
	if err != nil {
		return err
	}
	defer or.close()
	or.progress = stderr
	st, err := or.scene(s)
	if err != nil {
		return err
	}
	if err := writeOrient(*dir, s); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %d orientations of %d agents (%d crops/s on %s)%s\n",
		filepath.Join(*dir, scene.OrientFile), st.done, len(s.Orient), int(st.rate()), or.device, st.skipped())
	return nil
}

// orientFlags are the model's flags, shared by orient and qa (the device is --device).
type orientFlags struct {
	weights      string
	batch, heads int
}

func (o *orientFlags) register(fs *flag.FlagSet, weightsFlag string) {
	fs.StringVar(&o.weights, weightsFlag, "", "Orient Anything checkpoint: dino_weight.pt (PyTorch state dict) or .safetensors")
	fs.IntVar(&o.batch, "orient-batch", 8, "crops per forward pass")
	fs.IntVar(&o.heads, "orient-heads", 0, "attention heads (0: width/64, as every released DINOv2)")
}

func (o *orientFlags) check() error {
	if o.batch < 1 {
		return fmt.Errorf("--orient-batch %d: want at least 1", o.batch)
	}
	return nil
}

// orienter runs the model on scenes, one at a time (qa's workers share it).
type orienter struct {
	mu       sync.Mutex
	m        *orient.Model
	batch    int
	device   string
	progress io.Writer // nil: none; a TTY gets a bar, a log every 10% otherwise
	close    func()
}

func (o *orientFlags) open(dev *deviceFlags) (*orienter, error) {
	f, err := torchfile.Open(o.weights)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cfg, err := orient.ConfigFrom(f, o.heads)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", o.weights, err)
	}
	be, device, closeBe, err := dev.backend("orient", "Orient Anything on the CPU")
	if err != nil {
		return nil, err
	}
	start := time.Now()
	m, err := orient.Load(be, f, cfg)
	if err != nil {
		closeBe()
		return nil, fmt.Errorf("%s: %w", o.weights, err)
	}
	slog.Info("orient: loaded", "weights", o.weights, "layers", cfg.Encoder.Depth, "width", cfg.Encoder.Dim, "device", device, "seconds", time.Since(start).Seconds())
	return &orienter{m: m, batch: o.batch, device: device, close: func() { m.Free(); closeBe() }}, nil
}

type orientStats struct {
	done, empty int
	elapsed     time.Duration
}

func (s orientStats) rate() float64 { return float64(s.done) / max(s.elapsed.Seconds(), 1e-9) }

func (s orientStats) skipped() string {
	if s.empty == 0 {
		return ""
	}
	return fmt.Sprintf("; skipped %d: empty_mask", s.empty)
}

// scene fills s.Orient for every agent at every frame where its mask has pixels.
func (o *orienter) scene(s *scene.Scene) (orientStats, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var st orientStats
	if len(s.Frames) != s.N {
		return st, fmt.Errorf("scene %q has no %s/ (Orient Anything needs the RGB frames)", s.VideoID, scene.FramesDir)
	}
	var agents []int
	for _, ob := range s.Objects {
		if ob.Agent {
			agents = append(agents, ob.ID)
		}
	}
	slices.Sort(agents)
	w, h := s.ImageSize[0], s.ImageSize[1]
	type item struct{ id, frame int }
	var (
		pending []item
		x       []float32
		out     = map[int][]scene.Orientation{}
	)
	total := len(agents) * s.N
	step, done := func(int) {}, func() {} // qa shows its own progress per scene
	if o.progress != nil {
		bar := newProgress(o.progress, total, "(agent, frame) pairs")
		step, done = bar.step, bar.done
	}
	start := time.Now()
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		logits, err := o.m.Forward(x, len(pending))
		if err != nil {
			return err
		}
		for k, it := range pending {
			a := orient.Decode(logits[k*orient.Logits : (k+1)*orient.Logits])
			out[it.id] = append(out[it.id], scene.Orientation{Frame: it.frame, Azimuth: a.Azimuth, Polar: a.Polar, Rotation: a.Rotation, Confidence: a.Confidence})
		}
		st.done += len(pending)
		pending, x = pending[:0], x[:0]
		return nil
	}
	for i := range s.N {
		var frame resample.Image
		for _, id := range agents {
			step(st.done + st.empty + len(pending))
			mask := s.Mask(id, i)
			if !slices.Contains(mask, true) {
				st.empty++
				continue
			}
			if frame.Pix == nil {
				var err error
				if frame, err = readFrame(s.Frames[i], w, h); err != nil {
					return st, err
				}
			}
			var err error
			x, err = orient.Preprocess(x, frame, mask)
			if errors.Is(err, orient.ErrEmptyMask) { // a one-pixel-thin mask on the top/left border
				st.empty++
				continue
			}
			if err != nil {
				return st, fmt.Errorf("%s: object %d: %w", s.Frames[i], id, err)
			}
			pending = append(pending, item{id, i})
			if len(pending) == o.batch {
				if err := flush(); err != nil {
					return st, err
				}
			}
		}
	}
	if err := flush(); err != nil {
		return st, err
	}
	done()
	st.elapsed = time.Since(start)
	s.Orient = out
	slog.Info("orient", "scene", s.VideoID, "orientations", st.done, "empty_mask", st.empty, "crops/s", st.rate())
	return st, nil
}

// readFrame decodes a frame and checks it has the masks' size.
func readFrame(path string, w, h int) (resample.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return resample.Image{}, err
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return resample.Image{}, fmt.Errorf("%s: %w", path, err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		return resample.Image{}, fmt.Errorf("%s: frame is %d×%d, the masks are %d×%d (%s image_size)", path, b.Dx(), b.Dy(), w, h, scene.MetaFile)
	}
	return resample.FromImage(img), nil
}

// writeOrient validates s and replaces dir/orient.json atomically, in Save's layout.
func writeOrient(dir string, s *scene.Scene) error {
	if err := s.Validate(); err != nil {
		return err
	}
	o := make(map[string][]scene.Orientation, len(s.Orient))
	for id, l := range s.Orient {
		o[strconv.Itoa(id)] = l
	}
	b, err := json.MarshalIndent(o, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, scene.OrientFile), append(b, '\n'))
}

// orientEstimator fills a scene's orientations before the centres' estimator runs, when the
// scene has no orient.json (qa --orient-weights).
type orientEstimator struct {
	qa.Estimator
	o *orienter
}

func (e orientEstimator) Cues(s *scene.Scene) (qa.Cues, error) {
	if len(s.Orient) == 0 {
		if _, err := e.o.scene(s); err != nil {
			return nil, fmt.Errorf("orient: %w", err)
		}
	}
	return e.Estimator.Cues(s)
}

// Device names both devices, for the results' provenance.
func (e orientEstimator) Device() string {
	return e.Estimator.Device() + "; orient: " + e.o.device
}

// withOrient wraps qa's estimator opener: the model is loaded when the first scene is computed.
func (o *orientFlags) withOrient(open func() (qa.Estimator, func(), error), dev *deviceFlags) func() (qa.Estimator, func(), error) {
	return func() (qa.Estimator, func(), error) {
		or, err := o.open(dev)
		if err != nil {
			return nil, nil, err
		}
		est, closeEst, err := open()
		if err != nil {
			or.close()
			return nil, nil, err
		}
		return orientEstimator{est, or}, func() { closeEst(); or.close() }, nil
	}
}
