package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/dsr4d/dsr4d/pipeline/bench"
	"github.com/dsr4d/dsr4d/pipeline/curate"
	"github.com/dsr4d/dsr4d/pipeline/llm"
	"github.com/dsr4d/dsr4d/pipeline/video"
)

func init() {
	commands["curate"] = command{summary: "filter videos for motion and classify agents/objects with a model behind an endpoint (the DSR Suite's curation)", run: runCurate}
}

const curateUsage = `Usage:
  dsr4d curate CAPTIONS.csv --endpoint URL --model NAME --out DIR [--stage motion,agent]
  dsr4d curate --videos DIR --agents agent_object.csv --endpoint URL --model NAME --out DIR

The DSR Suite's curation stage, with its prompts and answer parsing (see pipeline/curate):

From captions (a CSV with videoID and caption columns, the reference's koala_videos.csv):
  motion  data/deepseek_motion.py: keep a video when the reply's last line says "yes" and not
          "no"; writes DIR/dynamic_videos.json (the kept video ids).
  agent   data/deepseek_agent.py: the reply's two lines are the agent classes and the object
          classes ("." separated, "None" for none); writes DIR/agent_object.csv, which
          'dsr4d import gsam2 --agents DIR/agent_object.csv' reads.
From videos (data/gemini_motion.py): each video of --videos whose agent_object.csv row has
  agents is sent as frames (--nframe/--fps) with the reference prompt; "yes" keeps it under the
  category of the second line; writes DIR/dynamic_videos.json ({category: [file names]}).

Replies are cached (default DIR/cache): a rerun asks nothing already answered. Rows that got no
usable reply are listed in DIR/failures.json and no output file is written (rerun to retry).

Flags:
`

func runCurate(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("curate", "curate", stderr)
	var lf llmFlags
	lf.add(fs, "OUT/cache")
	out := fs.String("out", "", "output directory (required)")
	stages := fs.String("stage", "motion,agent", "with captions: motion, agent or both (comma-separated)")
	videos := fs.String("videos", "", "directory of videos to filter (instead of a captions CSV)")
	agents := fs.String("agents", "", "with --videos: agent_object.csv (from the agent stage)")
	nframe := fs.Int("nframe", 32, "with --videos: frames sent per video, evenly spaced")
	fps := fs.Float64("fps", 0, "with --videos: instead of --nframe, frames per second of video")
	maxSide := fs.Int("max-side", 0, "scale frames down to at most this many pixels on their longer side (0: as decoded)")
	fs.Usage = func() {
		fmt.Fprint(stderr, curateUsage)
		fs.PrintDefaults()
	}
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	usageErr := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "dsr4d curate: "+format+"\nRun 'dsr4d curate -h' for the flags.\n", a...)
		return errUsage
	}
	if err := lf.check(stderr, "curate"); err != nil {
		return err
	}
	switch {
	case *out == "":
		return usageErr("--out is required")
	case (len(pos) == 1) == (*videos != ""):
		return usageErr("give a captions CSV or --videos (one of them)")
	case len(pos) > 1:
		return usageErr("one captions CSV, got %q", pos)
	case *videos != "" && *agents == "":
		return usageErr("--videos needs --agents agent_object.csv")
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	client, err := lf.client(filepath.Join(*out, "cache"))
	if err != nil {
		return usageErr("%v", err)
	}
	defer func() { logStats(client.Stats()) }()
	ctx := context.Background()
	if *videos != "" {
		samp := video.Sampling{NFrame: *nframe, FPS: *fps}
		if err := samp.Validate(); err != nil {
			return usageErr("%v", err)
		}
		src := &video.Source{Sampling: samp, MaxSide: *maxSide, VideoDir: *videos, CacheDir: filepath.Join(*out, "frames")}
		return curateVideos(ctx, client, &lf, src, *agents, *out, stdout, stderr)
	}
	caps, err := curate.ReadCaptions(pos[0])
	if err != nil {
		return err
	}
	var doMotion, doAgent bool
	for _, s := range splitList(*stages) {
		switch s {
		case "motion":
			doMotion = true
		case "agent":
			doAgent = true
		default:
			return usageErr("unknown --stage %q (want motion, agent)", s)
		}
	}
	if !doMotion && !doAgent {
		return usageErr("--stage is empty")
	}
	var files []outFile
	var failures []curateFailure
	if doMotion {
		keep := make([]bool, len(caps))
		errs := runEach(len(caps), lf.concurrency, client, "curate motion", stderr, func(i int) error {
			r, err := client.Complete(ctx, lf.request(llm.System(curate.System), llm.User(llm.Text(curate.MotionPrompt(caps[i].Caption)))))
			keep[i] = err == nil && curate.MotionKeep(r.Text)
			return err
		})
		var ids []string
		for i, c := range caps {
			if keep[i] {
				ids = append(ids, c.VideoID)
			}
		}
		failures = append(failures, collectFailures("motion", errs, func(i int) string { return caps[i].VideoID })...)
		files = append(files, outFile{"dynamic_videos.json", curate.DynamicList(ids)})
		fmt.Fprintf(stdout, "motion: %d of %d videos kept\n", len(ids), len(caps))
	}
	if doAgent {
		rows := make([]curate.AgentObject, len(caps))
		errs := runEach(len(caps), lf.concurrency, client, "curate agent", stderr, func(i int) error {
			req := lf.request(llm.System(curate.System), llm.User(llm.Text(curate.AgentPrompt(caps[i].Caption))))
			req.Validate = func(s string) error { _, _, err := curate.ParseAgents(s); return err }
			r, err := client.Complete(ctx, req)
			if err != nil {
				return err
			}
			a, o, _ := curate.ParseAgents(r.Text)
			rows[i] = curate.AgentObject{VideoID: caps[i].VideoID, Agent: a, Obj: o}
			return nil
		})
		failures = append(failures, collectFailures("agent", errs, func(i int) string { return caps[i].VideoID })...)
		var b bytes.Buffer
		if err := curate.WriteAgentObjects(&b, rows); err != nil {
			return err
		}
		files = append(files, outFile{"agent_object.csv", b.Bytes()})
		fmt.Fprintf(stdout, "agent: %d videos classified\n", len(rows))
	}
	return finishCurate(*out, files, failures)
}

type outFile struct {
	name string
	data []byte
}

// curateFailure is one row that got no usable reply.
type curateFailure struct {
	Stage string `json:"stage"`
	Video string `json:"video"`
	Error string `json:"error"`
}

func collectFailures(stage string, errs []error, name func(int) string) []curateFailure {
	var out []curateFailure
	for i, err := range errs {
		if err != nil {
			out = append(out, curateFailure{stage, name(i), err.Error()})
		}
	}
	return out
}

// finishCurate writes the outputs, or only failures.json when rows failed.
func finishCurate(dir string, files []outFile, failures []curateFailure) error {
	fpath := filepath.Join(dir, "failures.json")
	if len(failures) > 0 {
		data, _ := json.MarshalIndent(failures, "", "  ")
		if err := bench.WriteFileAtomic(fpath, data); err != nil {
			return err
		}
		return fmt.Errorf("%d rows got no usable reply (listed in %s); no output written — rerun the same command to retry them (answered rows are cached)", len(failures), fpath)
	}
	os.Remove(fpath)
	for _, f := range files {
		if err := bench.WriteFileAtomic(filepath.Join(dir, f.name), f.data); err != nil {
			return err
		}
		slog.Info("wrote", "file", filepath.Join(dir, f.name))
	}
	return nil
}

// curateVideos is gemini_motion.py over the files of src.VideoDir.
func curateVideos(ctx context.Context, client *llm.Client, lf *llmFlags, src *video.Source, agentsCSV, out string, stdout, stderr io.Writer) error {
	rows, err := curate.ReadAgentObjects(agentsCSV)
	if err != nil {
		return err
	}
	ents, err := os.ReadDir(src.VideoDir)
	if err != nil {
		return err
	}
	var names []string
	for _, e := range ents {
		if !e.IsDir() && !strings.HasPrefix(e.Name(), ".") && len(e.Name()) > 4 {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names) // the reference takes os.listdir's order
	cat := make([]string, len(names))
	reason := make([]string, len(names))
	errs := runEach(len(names), lf.concurrency, client, "curate videos", stderr, func(i int) error {
		id := names[i][:len(names[i])-4] // the reference's video[:-4]
		row, ok := curate.Find(rows, id)
		switch {
		case !ok:
			reason[i] = "not_in_agent_object_csv" // the reference's IndexError, swallowed
			return nil
		case row.AgentNA:
			reason[i] = "no_agents"
			return nil
		}
		fr, err := src.Frames(ctx, id)
		if err != nil {
			return err
		}
		parts := make([]llm.Part, 0, len(fr)+1)
		for _, f := range fr {
			data, err := os.ReadFile(f.Path)
			if err != nil {
				return err
			}
			parts = append(parts, llm.Image(imageMIME(f.Path), data))
		}
		parts = append(parts, llm.Text(curate.VideoPrompt(row.Agent, row.Obj, row.ObjNA)))
		req := lf.request(llm.User(parts...))
		req.Validate = curate.ValidateVideoMotion
		r, err := client.Complete(ctx, req)
		if err != nil {
			return err
		}
		cat[i], reason[i], _ = curate.ParseVideoMotion(r.Text)
		return nil
	})
	by := map[string][]string{}
	kept := 0
	dropped := map[string]int{}
	for i, n := range names {
		if cat[i] != "" {
			by[cat[i]] = append(by[cat[i]], n)
			kept++
		} else if errs[i] == nil {
			dropped[reason[i]]++
		}
	}
	fmt.Fprintf(stdout, "videos: %d of %d kept; dropped %v\n", kept, len(names), dropped)
	return finishCurate(out, []outFile{{"dynamic_videos.json", curate.DynamicByClass(by)}},
		collectFailures("video", errs, func(i int) string { return names[i] }))
}

// agentList reads an --agents flag of dsr4d import: comma-separated classes, or the
// agent_object.csv of `dsr4d curate`, whose row for videoID lists the agent classes.
func agentList(flag, videoID string) ([]string, error) {
	if !strings.HasSuffix(strings.ToLower(flag), ".csv") {
		return splitList(flag), nil
	}
	rows, err := curate.ReadAgentObjects(flag)
	if err != nil {
		return nil, err
	}
	r, ok := curate.Find(rows, videoID)
	if !ok {
		return nil, fmt.Errorf("%s: no row for video %q", flag, videoID)
	}
	return r.AgentClasses(), nil
}
