package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/dsr4d/dsr4d/pipeline/bench"
	"github.com/dsr4d/dsr4d/pipeline/llm"
	"github.com/dsr4d/dsr4d/pipeline/qa"
	"github.com/dsr4d/dsr4d/pipeline/video"
)

const evalEndpointUsage = `Usage:
  dsr4d eval --endpoint URL --model NAME --bench FILE (--videos DIR | --frames-dir DIR) --out DIR [flags]

Runs a model served behind an OpenAI-compatible chat-completions endpoint (vLLM, llama.cpp's
llama-server, SGLang, Ollama, a hosted API) on a DSR-Bench table and scores it like
'dsr4d eval --pred'. Per question: the frames of <videoID>.mp4 sampled as the DSR Suite's
evaluation samples them (--nframe N evenly spaced frames, the first and last never, or --fps F
frames per second; extracted once per video with ffmpeg and cached), then one user message with
the frames as JPEG data URLs, the reference instruction and the question block — the text
'dsr4d eval --prompts' writes (the reference's empty system text is left out). Every reply is stored the moment it arrives (the reply cache,
default OUT/cache): a rerun, after a crash or a kill, asks nothing already answered.

OUT receives replies.jsonl ({"id", "reply", "hash", "model", ...} per question, usable as
--pred), the report files of 'dsr4d eval --out' and, when questions failed, failures.jsonl (and
no report: rerun to retry them; stored replies are not asked again).

--limit N takes the first N questions (after --shard); --shard i/n takes the questions of the
videos whose id hashes to i (mod n), so shards split videos and their frame extraction.

Flags:
`

// hasFlag reports whether args set the flag name (-name, --name, -name=…).
func hasFlag(args []string, name string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		a = strings.TrimLeft(a, "-")
		if a == name || strings.HasPrefix(a, name+"=") {
			return true
		}
	}
	return false
}

// endpointResult is one line of replies.jsonl.
type endpointResult struct {
	ID      string `json:"id"`
	VideoID string `json:"videoID"`
	Reply   string `json:"reply"`
	Hash    string `json:"hash"`
	Model   string `json:"model"`
	Frames  []int  `json:"frames"`
	Cached  bool   `json:"cached"`
	Tokens  [2]int `json:"tokens"` // prompt, completion
	Error   string `json:"error,omitempty"`
}

func runEvalEndpoint(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("eval", "eval --endpoint", stderr)
	var lf llmFlags
	lf.add(fs, "OUT/cache")
	benchPath := fs.String("bench", "", "bench table (JSONL, parquet or qa_pairs.json)")
	format := fs.String("format", "auto", "bench table format: auto, jsonl, parquet or qa_pairs")
	videos := fs.String("videos", "", "directory of the bench's videos, <videoID>.mp4")
	frames := fs.String("frames-dir", "", "instead of --videos: directory of <videoID>/ folders holding every frame of each video")
	framesFPS := fs.Float64("frames-fps", 0, "with --frames-dir and --fps: the frame rate of those folders")
	frameCache := fs.String("frame-cache", "", "where extracted frames are cached (default: OUT/frames)")
	maxSide := fs.Int("max-side", 0, "scale frames down to at most this many pixels on their longer side (0: as decoded)")
	nframe := fs.Int("nframe", 32, "frames per video, evenly spaced (the reference's nframe mode; its run.py uses 32)")
	fps := fs.Float64("fps", 0, "instead of --nframe: frames per second of video (the reference's fps mode)")
	out := fs.String("out", "", "output directory (replies, report, cache)")
	limit := fs.Int("limit", 0, "ask at most this many questions (0: all)")
	shardFlag := fs.String("shard", "", "i/n: only the questions of videos in shard i of n")
	fallback := fs.String("fallback", string(bench.FallbackReference), "option-text fallback of the scorer: reference or options")
	name := fs.String("name", "", "model name shown in the report (default: --model)")
	compare := fs.String("compare", "", "comparison rows: 'paper' or a JSON file (as dsr4d eval)")
	fs.Usage = func() {
		fmt.Fprint(stderr, evalEndpointUsage)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	usageErr := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "dsr4d eval: "+format+"\nRun 'dsr4d eval --endpoint x -h' for the flags.\n", a...)
		return errUsage
	}
	if err := lf.check(stderr, "eval"); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usageErr("unexpected arguments %q", fs.Args())
	case *benchPath == "":
		return usageErr("--bench is required")
	case *out == "":
		return usageErr("--out is required with --endpoint")
	case (*videos == "") == (*frames == ""):
		return usageErr("give one of --videos and --frames-dir")
	case *limit < 0:
		return usageErr("--limit must be ≥ 0")
	}
	bf, ok := bench.ParseFormat(*format)
	if !ok {
		return usageErr("unknown --format %q", *format)
	}
	mode, ok := bench.ParseFallbackMode(*fallback)
	if !ok {
		return usageErr("unknown --fallback %q", *fallback)
	}
	samp := video.Sampling{NFrame: *nframe, FPS: *fps}
	if err := samp.Validate(); err != nil {
		return usageErr("%v", err)
	}
	shard := [2]int{0, 1}
	if *shardFlag != "" {
		var err error
		if shard, err = parseShard(*shardFlag, os.Getenv); err != nil {
			return usageErr("--shard %v", err)
		}
	}
	var paper []bench.PaperRow
	switch *compare {
	case "":
	case "paper":
		paper = bench.PaperTable4
	default:
		rows, err := bench.ReadPaperRows(*compare)
		if err != nil {
			return err
		}
		paper = rows
	}
	b, err := bench.ReadBench(*benchPath, bench.ReadOptions{Format: bf})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	client, err := lf.client(filepath.Join(*out, "cache"))
	if err != nil {
		return usageErr("%v", err)
	}
	src := &video.Source{Sampling: samp, MaxSide: *maxSide, VideoDir: *videos, FramesDir: *frames, DirFPS: *framesFPS, CacheDir: *frameCache}
	if src.CacheDir == "" {
		src.CacheDir = filepath.Join(*out, "frames")
	}

	sub := *b
	sub.Questions = nil
	for _, q := range b.Questions {
		if qa.InShard(q.VideoID, shard) && (*limit == 0 || len(sub.Questions) < *limit) {
			sub.Questions = append(sub.Questions, q)
		}
	}
	if len(sub.Questions) == 0 {
		return fmt.Errorf("%s: no questions in shard %d/%d", *benchPath, shard[0], shard[1])
	}
	results := askAll(context.Background(), client, &lf, src, sub.Questions, stderr)
	logStats(client.Stats())

	var lines bytes.Buffer
	var failed bytes.Buffer
	enc, fenc := json.NewEncoder(&lines), json.NewEncoder(&failed)
	enc.SetEscapeHTML(false)
	fenc.SetEscapeHTML(false)
	replies := make([]bench.Reply, len(results))
	nfail := 0
	for i, r := range results {
		if r.Error != "" {
			nfail++
			fenc.Encode(r)
			continue
		}
		enc.Encode(r)
		replies[i] = bench.Reply{Text: r.Reply}
	}
	if err := bench.WriteFileAtomic(filepath.Join(*out, "replies.jsonl"), lines.Bytes()); err != nil {
		return err
	}
	fpath := filepath.Join(*out, "failures.jsonl")
	if nfail > 0 {
		if err := bench.WriteFileAtomic(fpath, failed.Bytes()); err != nil {
			return err
		}
		return fmt.Errorf("%d of %d questions got no reply (reasons in %s); rerun the same command to retry them — the %d stored replies are not asked again",
			nfail, len(results), fpath, len(results)-nfail)
	}
	os.Remove(fpath)
	if *name == "" {
		*name = lf.model
	}
	r, err := bench.Score(&sub, replies, mode, *name)
	if err != nil {
		return err
	}
	r.Paper = paper
	if err := r.WriteDir(*out); err != nil {
		return err
	}
	o := r.Overall
	fmt.Fprintf(stdout, "%s: overall %.1f%% (95%% CI %.1f–%.1f) over %d questions; %d unparsed; report in %s\n",
		*name, 100*o.Accuracy, 100*o.Low, 100*o.High, o.N, r.Extraction.Unparsed, *out)
	return nil
}

// askAll asks every question, lf.concurrency at a time, and returns one result per question in
// order; a question that fails carries its error.
func askAll(ctx context.Context, client *llm.Client, lf *llmFlags, src *video.Source, qs []bench.Question, stderr io.Writer) []endpointResult {
	results := make([]endpointResult, len(qs))
	runEach(len(qs), lf.concurrency, client, "eval", stderr, func(i int) error {
		results[i] = askOne(ctx, client, lf, src, &qs[i])
		if results[i].Error != "" {
			return fmt.Errorf("question %s (video %s): %s", results[i].ID, results[i].VideoID, results[i].Error)
		}
		return nil
	})
	return results
}

// askOne sends one question with its frames.
func askOne(ctx context.Context, client *llm.Client, lf *llmFlags, src *video.Source, q *bench.Question) endpointResult {
	res := endpointResult{ID: q.ID, VideoID: q.VideoID, Model: client.Model()}
	fr, err := src.Frames(ctx, q.VideoID)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	parts := make([]llm.Part, 0, len(fr)+2)
	for _, f := range fr {
		data, err := os.ReadFile(f.Path)
		if err != nil {
			res.Error = err.Error()
			return res
		}
		parts = append(parts, llm.Image(imageMIME(f.Path), data))
		res.Frames = append(res.Frames, f.Index)
	}
	parts = append(parts, llm.Text(bench.Instruction), llm.Text(bench.QuestionText(q)))
	req := lf.request(llm.User(parts...))
	res.Hash = llm.Hash(client.Model(), req)
	rep, err := client.Complete(ctx, req)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	res.Reply, res.Cached = rep.Text, rep.Cached
	res.Tokens = [2]int{rep.Usage.PromptTokens, rep.Usage.CompletionTokens}
	return res
}

func imageMIME(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		return "image/png"
	case ".webp":
		return "image/webp"
	}
	return "image/jpeg"
}
