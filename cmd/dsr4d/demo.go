package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dsr4d/dsr4d/vk"
)

func init() {
	commands["demo"] = command{summary: "the main job on the built-in example: synth → qa (+audit) → eval → view", run: runDemo}
}

// demoStep is one command line of the demo and the outputs it leaves.
type demoStep struct {
	name    string
	args    []string
	outputs []string // paths relative to the demo directory
}

func runDemo(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("demo", "demo [--out out] [--seed 1] [--frames 32] [--device auto|cpu|vulkan] [--validate]", stderr)
	out := fs.String("out", "out", "output directory; its scene/, qa/, eval/ and view/ are replaced on every run")
	seed := fs.Uint64("seed", 1, "seed of the synthetic scene and of the questions")
	frames := fs.Int("frames", 32, "frames of the synthetic scene")
	var dev deviceFlags
	dev.register(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: dsr4d demo [--out out] [--seed 1] [--frames 32] [--device auto|cpu|vulkan] [--validate]

Runs dsr4d's main job on the built-in example, each step being the dsr4d command shown:
  1. synth   the default synthetic scene with exact ground truth          → OUT/scene
  2. qa      questions in every format, audited against the ground truth  → OUT/qa
  3. eval    the random, always-A and oracle baselines, with reports      → OUT/eval/<baseline>
  4. view    a headless screenshot of the first question in its scene     → OUT/view
then prints what was made, where, and on which Vulkan device.

`)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := dev.check(); err != nil {
		fmt.Fprintf(stderr, "dsr4d demo: %v\n", err)
		return errUsage
	}
	if *frames < 8 {
		fmt.Fprintf(stderr, "dsr4d demo: --frames %d: want at least 8\n", *frames)
		return errUsage
	}
	dir := *out
	for _, sub := range []string{"scene", "qa", "eval", "view"} {
		if err := os.RemoveAll(filepath.Join(dir, sub)); err != nil {
			return err
		}
	}
	p := func(parts ...string) string { return filepath.Join(append([]string{dir}, parts...)...) }
	s := fmt.Sprint(*seed)
	devArgs := []string{"--device", dev.device}
	if dev.validate {
		devArgs = append(devArgs, "--validate")
	}
	steps := []demoStep{
		{"synth", append([]string{"synth", "--out", p("scene"), "--seed", s, "--frames", fmt.Sprint(*frames)}, devArgs...),
			[]string{"scene/scene.json", "scene/geometry.npz", "scene/masks.npz", "scene/orient.json", "scene/gt.json", "scene/frames"}},
		{"qa", append([]string{"qa", "--scene", p("scene"), "--out", p("qa"), "--seed", s, "--audit"}, devArgs...),
			[]string{"qa/qa_pairs.json", "qa/train.json", "qa/bench.jsonl", "qa/bench.parquet", "qa/questions.jsonl", "qa/summary.json", "qa/audit.md", "qa/audit.png"}},
	}
	for _, b := range []string{"random", "always-a", "oracle"} {
		steps = append(steps, demoStep{"eval " + b,
			[]string{"eval", "--bench", p("qa", "bench.jsonl"), "--baseline", b, "--seed", s, "--out", p("eval", b)},
			[]string{"eval/" + b + "/report.md", "eval/" + b + "/per_type.png"}})
	}
	steps = append(steps, demoStep{"view", []string{"view", "--scene", p("scene"), "--qa", p("qa", "questions.jsonl"),
		"--question", "0", "--screenshot", p("view", "question0.png")}, []string{"view/question0.png"}})

	if err := os.MkdirAll(p("view"), 0o755); err != nil {
		return err
	}
	var took []time.Duration
	for i, st := range steps {
		fmt.Fprintf(stderr, "[%d/%d] dsr4d %s\n", i+1, len(steps), strings.Join(st.args, " "))
		start := time.Now()
		cmd := commands[st.args[0]]
		if err := cmd.run(st.args[1:], io.Discard, stderr); err != nil {
			return fmt.Errorf("step %q: %w", st.name, err)
		}
		took = append(took, time.Since(start))
	}
	device := "none (CPU fallbacks)"
	if infos, err := vk.Devices(vk.Options{}); err == nil {
		for _, d := range infos {
			if d.Selected {
				device = fmt.Sprintf("%s (%s, %s)", d.Name, d.Type, d.Driver)
			}
		}
	}
	return writeDemoSummary(stdout, dir, device, steps, took)
}

func writeDemoSummary(w io.Writer, dir, device string, steps []demoStep, took []time.Duration) error {
	fmt.Fprintf(w, "\ndsr4d demo: everything is under %s/ (Vulkan device: %s)\n\n", dir, device)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "step\ttime\toutput\tsize")
	for i, st := range steps {
		for j, o := range st.outputs {
			name, t := "", ""
			if j == 0 {
				name, t = st.name, fmt.Sprintf("%.1fs", took[i].Seconds())
			}
			size, err := pathSize(filepath.Join(dir, o))
			if err != nil {
				return fmt.Errorf("step %q did not write %s: %w", st.name, o, err)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", name, t, filepath.Join(dir, o), byteSize(uint64(size)))
		}
	}
	return tw.Flush()
}

// pathSize is a file's size or the total size of a directory's files.
func pathSize(path string) (int64, error) {
	info, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	if !info.IsDir() {
		return info.Size(), nil
	}
	var total int64
	entries, err := os.ReadDir(path)
	if err != nil {
		return 0, err
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	for _, e := range entries {
		n, err := pathSize(filepath.Join(path, e.Name()))
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}
