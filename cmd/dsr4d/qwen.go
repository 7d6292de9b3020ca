package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dsr4d/dsr4d/nn"
	"github.com/dsr4d/dsr4d/nn/qwen2"
	"github.com/dsr4d/dsr4d/nn/tokenizer"
)

func init() {
	commands["qwen"] = command{summary: "'qwen init' a random Qwen2.5-VL language-model checkpoint (tests, benchmarks)", run: runQwen}
}

const qwenSynopsis = `qwen init --config tiny|7b --out DIR [--dtype F32|BF16|F16] [--seed N] [--layers N]

Writes a random checkpoint of Qwen2.5-VL's language model under the released names: DIR/config.json,
the weights (model.safetensors, or for a large model one shard per layer and
model.safetensors.index.json) and a tokenizer.json (byte-level, Qwen's added tokens). 'dsr4d answer'
and 'dsr4d serve' load it like a real checkpoint. --layers overrides the depth (a reduced-depth 7b).`

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
	layers := fs.Int("layers", 0, "number of layers (0: the config's)")
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
	if err := qwen2.WriteCheckpoint(*out, cfg, *seed, *dtype); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (%s config, %d layers, %s)\n", *out, *config, cfg.Layers, *dtype)
	return nil
}

// errNoVision is the answer to any vision input until the Qwen2.5-VL vision tower lands.
var errNoVision = errors.New("video input needs the vision tower (not built yet)")

// qwenLM is a loaded language model with its tokenizer.
type qwenLM struct {
	m     *qwen2.Model
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
	d, closeDev, err := dev.open(cmd, "the model runs on the CPU")
	if err != nil {
		return nil, err
	}
	var be nn.Backend = nn.NewCPU()
	if d != nil {
		v, err := nn.NewVulkan(d)
		if err != nil {
			closeDev()
			return nil, err
		}
		be = v
	}
	m, err := qwen2.Load(be, dir)
	if err != nil {
		be.Close()
		closeDev()
		return nil, err
	}
	stop := slices.Clone(m.Cfg.EOS)
	for _, id := range []int{q.ImEnd, q.EndOfText} {
		if !slices.Contains(stop, id) {
			stop = append(stop, id)
		}
	}
	return &qwenLM{m: m, tok: tok, stop: stop, be: be, close: func() {
		m.Free()
		be.Close()
		closeDev()
	}}, nil
}

// generate answers the chat msgs, sending the reply's text to onText piece by piece as it is
// decoded (nil: not streamed; returning false stops). A reply ends at a stop token, at
// opt.MaxTokens, or where it first contains one of stops (cut before it).
func (q *qwenLM) generate(msgs []tokenizer.Message, opt qwen2.GenOptions, stops []string, onText func(string) bool) (string, qwen2.Result, error) {
	ids, err := q.tok.EncodeChat(msgs, tokenizer.ChatOptions{AddGenerationPrompt: true}, nil, nil, q.m.Cfg.SpatialMerge)
	if err != nil {
		return "", qwen2.Result{}, err
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
	res, err := q.m.Generate(ids, nil, opt)
	if err != nil {
		return "", res, err
	}
	if !stopped {
		text.WriteString(st.Flush())
		emit(true)
	}
	return text.String(), res, nil
}
