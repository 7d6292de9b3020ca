package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // frames and image parts
	_ "image/png"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dsr4d/dsr4d/internal/resample"
	"github.com/dsr4d/dsr4d/nn"
	"github.com/dsr4d/dsr4d/nn/dinov2"
	"github.com/dsr4d/dsr4d/nn/qwen2"
	"github.com/dsr4d/dsr4d/nn/qwenvit"
	"github.com/dsr4d/dsr4d/nn/qwenvl"
	"github.com/dsr4d/dsr4d/nn/safetensors"
	"github.com/dsr4d/dsr4d/nn/tokenizer"
	"github.com/dsr4d/dsr4d/pipeline/video"
)

func init() {
	commands["qwen"] = command{summary: "'qwen init' a random Qwen2.5-VL checkpoint (tests, benchmarks)", run: runQwen}
}

const qwenSynopsis = `qwen init --config tiny|7b --out DIR [--dtype F32|BF16|F16] [--seed N] [--layers N] [--no-vision | --dsr]

Writes a random Qwen2.5-VL checkpoint under the released names: DIR/config.json (with its
vision_config), the language model's weights (model.safetensors, or for a large model one shard
per layer), the vision tower's visual.* in model-visual.safetensors, model.safetensors.index.json,
and a tokenizer.json (byte-level, Qwen's added tokens). 'dsr4d answer' and 'dsr4d serve' load it
like a real checkpoint. The tiny config's tower is qwenvit.Tiny at the language model's width
(depth 4); the 7b's is Qwen2.5-VL-7B's (depth 32). --layers overrides the language model's depth
(a reduced-depth 7b); --no-vision writes the language model alone; --dsr writes the DSR model: the
spatial branch too (visual.spatial_encoder.*, a DINOv2 — ViT-L/14-reg for 7b, width 16 depth 2
for tiny — and the GSM's visual.q_former_*, visual.spatial_merger.*).`

func runQwen(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "init" {
		fmt.Fprintf(stderr, "Usage: dsr4d %s\n", qwenSynopsis)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return errUsage
	}
	fs := newFlagSet("qwen init", qwenSynopsis, stderr)
	config := fs.String("config", "tiny", "tiny (2 layers of width 64, vocabulary 320) or 7b (Qwen2.5-VL-7B's text sizes)")
	out := fs.String("out", "", "output directory")
	dtype := fs.String("dtype", "", "stored type of the weights: F32, BF16 or F16 (default F32 for tiny, BF16 for 7b)")
	seed := fs.Uint64("seed", 1, "random seed")
	layers := fs.Int("layers", 0, "number of language-model layers (0: the config's)")
	noVision := fs.Bool("no-vision", false, "write the language model alone (no visual.* weights)")
	dsr := fs.Bool("dsr", false, "write the DSR model (with the spatial branch: DINOv2 + GSM)")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	usage := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "dsr4d qwen init: "+format+"\n", a...)
		return errUsage
	}
	if *out == "" || fs.NArg() > 0 {
		return usage("--out is required and takes no arguments")
	}
	cfg, err := qwen2.Named(*config)
	if err != nil {
		return usage("%v", err)
	}
	if *layers < 0 {
		return usage("--layers %d: want ≥ 0", *layers)
	}
	if *layers > 0 {
		cfg.Layers = *layers
	}
	if *dtype == "" {
		*dtype = map[bool]string{true: "F32", false: "BF16"}[*config == "tiny"]
	}
	*dtype = strings.ToUpper(*dtype)
	if *dtype != "F32" && *dtype != "BF16" && *dtype != "F16" {
		return usage("--dtype %q: want F32, BF16 or F16", *dtype)
	}
	if *noVision && *dsr {
		return usage("--no-vision and --dsr exclude each other")
	}
	vision := "no vision tower"
	if *noVision {
		err = qwen2.WriteCheckpoint(*out, cfg, *seed, *dtype)
	} else {
		vc := qwenvit.Official()
		if *config == "tiny" {
			vc = qwenvl.TinyVision(cfg)
		}
		vision = fmt.Sprintf("vision tower depth %d", vc.Depth)
		var spatial *dinov2.Config
		if *dsr {
			sc := dinov2.DSRSpatial()
			if *config == "tiny" {
				sc = qwenvl.TinySpatial()
			}
			spatial = &sc
			vision += fmt.Sprintf(", DSR spatial branch (DINOv2 width %d depth %d, GSM)", sc.Dim, sc.Depth)
		}
		err = qwenvl.WriteCheckpoint(*out, cfg, vc, spatial, *seed, *dtype)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (%s config, %d layers, %s, %s)\n", *out, *config, cfg.Layers, vision, *dtype)
	return nil
}

// errNoVision answers vision input to a checkpoint without the tower's weights.
var errNoVision = errors.New("this checkpoint has no vision tower (no visual.* weights): it answers text only")

// qwenLM is a loaded Qwen2.5-VL (vl; nil for a checkpoint without visual.* weights, then the
// language model alone) with its tokenizer.
type qwenLM struct {
	m     *qwen2.Model
	vl    *qwenvl.Model
	tok   *tokenizer.Tokenizer
	stop  []int
	be    nn.Backend
	close func()
}

// openQwen loads DIR's config.json, weights and tokenizer.json on the device dev asks for
// command cmd.
func openQwen(cmd, dir string, dev *deviceFlags) (*qwenLM, error) {
	tok, err := tokenizer.LoadFile(filepath.Join(dir, "tokenizer.json"), tokenizer.Options{LastAddedID: tokenizer.Qwen25VLLastAddedID})
	if err != nil {
		return nil, err
	}
	q, err := tok.QwenIDs()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "tokenizer.json"), err)
	}
	be, _, closeBe, err := dev.backend(cmd, "the model runs on the CPU")
	if err != nil {
		return nil, err
	}
	var m *qwen2.Model
	var vl *qwenvl.Model
	if hasVisual(dir) {
		if vl, err = qwenvl.Load(be, dir); err == nil {
			m = vl.LM
		}
	} else {
		m, err = qwen2.Load(be, dir)
	}
	if err != nil {
		closeBe()
		return nil, err
	}
	stop := slices.Clone(m.Cfg.EOS)
	for _, id := range []int{q.ImEnd, q.EndOfText} {
		if !slices.Contains(stop, id) {
			stop = append(stop, id)
		}
	}
	return &qwenLM{m: m, vl: vl, tok: tok, stop: stop, be: be, close: func() {
		if vl != nil {
			vl.Free()
		} else {
			m.Free()
		}
		closeBe()
	}}, nil
}

// hasVisual says whether dir's weights include the vision tower.
func hasVisual(dir string) bool {
	set, err := safetensors.Open(dir)
	if err != nil {
		return false // qwen2.Load reports it
	}
	defer set.Close()
	_, err = set.Info(qwenvit.Prefix + "patch_embed.proj.weight")
	return err == nil
}

// framesClip prepares frames as one video clip (fetch_video on a list of frame images, 2 fps).
func (q *qwenLM) framesClip(frames []resample.Image) (qwenvit.Clip, error) {
	if q.vl == nil {
		return qwenvit.Clip{}, errNoVision
	}
	return q.vl.VisionCfg.FramesClip(frames, 0, 0, 0)
}

// decodeImage decodes a PNG or JPEG; name says where it came from, for errors.
func decodeImage(data []byte, name string) (resample.Image, error) {
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return resample.Image{}, fmt.Errorf("%s: %w", name, err)
	}
	return resample.FromImage(img), nil
}

// decodeDataURL decodes an image part's "data:image/…;base64,…" URL.
func decodeDataURL(url, name string) (resample.Image, error) {
	head, payload, ok := strings.Cut(url, ",")
	if !ok || !strings.HasPrefix(head, "data:image/") || !strings.HasSuffix(head, ";base64") {
		return resample.Image{}, fmt.Errorf("%s: want a data:image/…;base64, URL (remote URLs are not fetched)", name)
	}
	data, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		return resample.Image{}, fmt.Errorf("%s: base64: %w", name, err)
	}
	return decodeImage(data, name)
}

// readFramesDir decodes the .png/.jpg/.jpeg files of dir in name order.
func readFramesDir(dir string) ([]resample.Image, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var frames []resample.Image
	for _, e := range ents {
		switch strings.ToLower(filepath.Ext(e.Name())) {
		case ".png", ".jpg", ".jpeg":
		default:
			continue
		}
		p := filepath.Join(dir, e.Name())
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		img, err := decodeImage(data, p)
		if err != nil {
			return nil, err
		}
		frames = append(frames, img)
	}
	if len(frames) == 0 {
		return nil, fmt.Errorf("%s: no .png or .jpg frames", dir)
	}
	return frames, nil
}

// videoClip samples path as qwen-vl-utils' fetch_video does (smart_nframes at 2 fps, torch's
// linspace indices), decodes those frames with ffmpeg (as JPEG) and sizes them by its pixel
// budget.
func (q *qwenLM) videoClip(ctx context.Context, path string) (qwenvit.Clip, error) {
	if q.vl == nil {
		return qwenvit.Clip{}, errNoVision
	}
	info, err := video.Probe(ctx, path)
	if err != nil {
		return qwenvit.Clip{}, err
	}
	var o qwenvit.VideoOptions
	n, err := o.Frames(info.Frames, info.FPS)
	if err != nil {
		return qwenvit.Clip{}, fmt.Errorf("%s: %w", path, err)
	}
	idx := qwenvit.FrameIndices(info.Frames, n)
	tmp, err := os.MkdirTemp("", "dsr4d-answer-*")
	if err != nil {
		return qwenvit.Clip{}, err
	}
	defer os.RemoveAll(tmp)
	names := make([]string, len(idx))
	for i := range names {
		names[i] = fmt.Sprintf("%05d.jpg", i)
	}
	paths, err := video.Extract(ctx, path, idx, tmp, names, 0)
	if err != nil {
		return qwenvit.Clip{}, err
	}
	frames := make([]resample.Image, len(paths))
	for i, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return qwenvit.Clip{}, err
		}
		if frames[i], err = decodeImage(data, p); err != nil {
			return qwenvit.Clip{}, err
		}
	}
	return q.vl.VisionCfg.VideoClip(frames, info.Frames, info.FPS, o)
}

// generate answers the chat msgs, whose "video" parts are clips in order, sending the reply's text to onText piece by piece as it is
// decoded (nil: not streamed; returning false stops). A reply ends at a stop token, at
// opt.MaxTokens, or where it first contains one of stops (cut before it).
func (q *qwenLM) generate(msgs []tokenizer.Message, clips []qwenvit.Clip, opt qwen2.GenOptions, stops []string, onText func(string) bool) (string, qwen2.Result, error) {
	if len(clips) > 0 && q.vl == nil {
		return "", qwen2.Result{}, errNoVision
	}
	grids := make([]tokenizer.Grid, len(clips))
	for i, c := range clips {
		grids[i] = tokenizer.Grid{T: c.Grid[0], H: c.Grid[1], W: c.Grid[2]}
	}
	ids, err := q.tok.EncodeChat(msgs, tokenizer.ChatOptions{AddGenerationPrompt: true}, nil, grids, q.m.Cfg.SpatialMerge)
	if err != nil {
		return "", qwen2.Result{}, err
	}
	if len(clips) > 0 {
		ids = q.vl.PromptIDs(ids) // the DSR model's geometry slots
	}
	opt.Stop = q.stop
	st := q.tok.NewStream(true)
	var text strings.Builder
	sent := 0 // bytes of text handed to onText
	stopped := false
	emit := func(final bool) bool {
		s := text.String()
		for _, stop := range stops {
			if i := strings.Index(s, stop); stop != "" && i >= 0 {
				stopped = true
				text.Reset()
				text.WriteString(s[:i])
				if onText != nil && i > sent {
					onText(s[sent:i])
				}
				sent = i
				return false
			}
		}
		// Hold back what could be the start of a stop string.
		hold := 0
		if !final {
			for _, stop := range stops {
				for k := min(len(stop)-1, len(s)); k > hold; k-- {
					if strings.HasSuffix(s, stop[:k]) {
						hold = k
						break
					}
				}
			}
		}
		if onText != nil && len(s)-hold > sent {
			ok := onText(s[sent : len(s)-hold])
			sent = len(s) - hold
			return ok
		}
		return true
	}
	opt.OnToken = func(id int) bool {
		text.WriteString(st.Next(id))
		return emit(false)
	}
	var res qwen2.Result
	if len(clips) > 0 {
		res, err = q.vl.Generate(ids, clips, opt)
	} else {
		res, err = q.m.Generate(ids, nil, opt)
	}
	if err != nil {
		return "", res, err
	}
	if !stopped {
		text.WriteString(st.Flush())
		emit(true)
	}
	return text.String(), res, nil
}
