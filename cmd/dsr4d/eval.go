package main

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/dsr4d/dsr4d/internal/atomicfile"
	"github.com/dsr4d/dsr4d/pipeline/bench"
)

func init() {
	commands["eval"] = command{summary: "score model replies on DSR-Bench (or print its prompts)", run: runEval}
}

const evalUsage = `Usage:
  dsr4d eval --bench FILE (--pred FILE | --reply-column NAME | --baseline KIND) [--out DIR] [flags]
  dsr4d eval --prompts FILE [--prompts-out FILE]
  dsr4d eval --endpoint URL --model NAME --bench FILE --videos DIR --out DIR   (dsr4d eval --endpoint x -h)

Scores a model on a DSR-Bench table the way the paper's scorer (the DSR Suite copy of VLMEvalKit)
does: each reply's letter is taken by Video-MME's extract_characters_regex (first capital A-D after
deleting the reference's answer prefixes), falling back to VLMEvalKit's option matching; a reply
that yields no letter is unparsed and wrong. It reports question-weighted accuracy (the paper's
Avg), accuracy per type (12 templates + non_temp), template vs non-template, absolute vs relative
viewpoint and per scene class, each with a Wilson 95% interval.

Bench table (--bench, --prompts): JSONL with videoID, question, options (4 strings "A. ..."),
answer (letter), type, and optionally id, index and scene_class (or video_class, class); the same
columns as parquet (DSR-Bench's benchmark.parquet); or the reference's qa_pairs.json.
Question ids: the "id" column if present, else "index", else the 0-based row number (the index the
reference's VLMEvalKit dataset gives each row; qa_pairs.json rows count videos in file order).

Predictions (--pred): JSONL, one {"id": ..., "reply": "..."} per question ("index" and
"prediction" are accepted too, as VLMEvalKit names them). Every question needs exactly one
prediction; unknown and duplicate ids are errors. Empty, non-UTF-8 and over-64-KiB replies are
scored unparsed.

--prompts writes one JSON line per question with the exact evaluation prompt (the reference's
message list and its text), so a model can be run elsewhere and its replies scored here.

With --out DIR the report is written there: report.md, report.json, results.jsonl (per question:
raw reply, letter, method, correct), per_type.png and compare.png. Without it the Markdown report
(or, with --json, the JSON report) goes to standard output.

Flags:
`

func runEval(args []string, stdout, stderr io.Writer) error {
	if hasFlag(args, "endpoint") {
		return runEvalEndpoint(args, stdout, stderr) // eval_endpoint.go
	}
	fs := newFlagSet("eval", "eval", stderr)
	benchPath := fs.String("bench", "", "bench table to score against (JSONL, parquet or qa_pairs.json)")
	format := fs.String("format", "auto", "bench table format: auto (by extension, then content), jsonl, parquet or qa_pairs")
	predPath := fs.String("pred", "", "predictions JSONL: {\"id\": ..., \"reply\": \"...\"} per question")
	replyCol := fs.String("reply-column", "", "read the replies from this column of the bench table instead of --pred")
	baseline := fs.String("baseline", "", "score a built-in baseline instead of a model: random (seeded by --seed), always-a, or oracle (the answer key)")
	seed := fs.Uint64("seed", 0, "seed of the random baseline; the same seed gives the same replies")
	fallback := fs.String("fallback", string(bench.FallbackReference), "option-text fallback: reference (what DSR-Bench's scorer does: it sees no options, so only refusals/\"Z\" are caught) or options (SPEC-QA §7: match the reply against the four option texts)")
	allowMissing := fs.Bool("allow-missing", false, "score questions without a prediction as unparsed instead of failing")
	model := fs.String("model", "", "model name shown in the report (default: the predictions file name, the reply column, or the baseline)")
	out := fs.String("out", "", "write the report (Markdown, JSON, per-question JSONL, PNG charts) into this directory")
	asJSON := fs.Bool("json", false, "without --out: print the JSON report instead of Markdown")
	compare := fs.String("compare", "", "add comparison rows: 'paper' for the built-in rows of the paper's Table 4, or a JSON file of [{model, avg, types, note}]")
	prompts := fs.String("prompts", "", "print the evaluation prompts of this bench table as JSONL and exit")
	promptsOut := fs.String("prompts-out", "", "with --prompts: write the JSONL to this file instead of standard output")
	fs.Usage = func() {
		fmt.Fprint(stderr, evalUsage)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	usageErr := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "dsr4d eval: "+format+"\nRun 'dsr4d eval -h' for the flags.\n", a...)
		return errUsage
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected arguments %q", fs.Args())
	}
	bf, ok := bench.ParseFormat(*format)
	if !ok {
		return usageErr("unknown --format %q (want auto, jsonl, parquet or qa_pairs)", *format)
	}

	if *prompts != "" {
		if *benchPath != "" || *predPath != "" || *replyCol != "" || *baseline != "" || *out != "" || *compare != "" {
			return usageErr("--prompts takes only --format and --prompts-out")
		}
		b, err := bench.ReadBench(*prompts, bench.ReadOptions{Format: bf})
		if err != nil {
			return err
		}
		if *promptsOut == "" {
			return bench.WritePrompts(stdout, b)
		}
		var buf bytes.Buffer
		if err := bench.WritePrompts(&buf, b); err != nil {
			return err
		}
		if err := atomicfile.Write(*promptsOut, buf.Bytes()); err != nil {
			return err
		}
		slog.Info("eval: prompts", "questions", len(b.Questions), "out", *promptsOut)
		return nil
	}
	if *promptsOut != "" {
		return usageErr("--prompts-out needs --prompts")
	}

	if *benchPath == "" {
		return usageErr("--bench is required")
	}
	sources := 0
	for _, s := range []string{*predPath, *replyCol, *baseline} {
		if s != "" {
			sources++
		}
	}
	if sources != 1 {
		return usageErr("give exactly one of --pred, --reply-column and --baseline")
	}
	mode, ok := bench.ParseFallbackMode(*fallback)
	if !ok {
		return usageErr("unknown --fallback %q (want reference or options)", *fallback)
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

	b, err := bench.ReadBench(*benchPath, bench.ReadOptions{Format: bf, ReplyColumn: *replyCol})
	if err != nil {
		return err
	}
	var replies []bench.Reply
	name := *model
	switch {
	case *predPath != "":
		preds, err := bench.ReadPredictions(*predPath)
		if err != nil {
			return err
		}
		if replies, err = bench.Join(b, preds, *allowMissing); err != nil {
			return err
		}
		if name == "" {
			name = strings.TrimSuffix(filepath.Base(*predPath), filepath.Ext(*predPath))
		}
	case *replyCol != "":
		replies = b.Replies
		if name == "" {
			name = *replyCol
		}
	default:
		if replies, err = bench.BaselineReplies(b, bench.Baseline(*baseline), *seed); err != nil {
			return usageErr("%v", err)
		}
		if name == "" {
			name = *baseline
		}
	}

	r, err := bench.Score(b, replies, mode, name)
	if err != nil {
		return err
	}
	r.Paper = paper
	for _, t := range r.UnknownTypes {
		slog.Warn("type outside the 13 DSR-Bench types, counted as non-template", "type", t)
	}
	if *out == "" {
		if *asJSON {
			return r.WriteJSON(stdout)
		}
		return r.WriteMarkdown(stdout, false)
	}
	if err := r.WriteDir(*out); err != nil {
		return err
	}
	o := r.Overall
	fmt.Fprintf(stdout, "%s: overall %.1f%% (95%% CI %.1f–%.1f) over %d questions; %d unparsed; report in %s\n",
		name, 100*o.Accuracy, 100*o.Low, 100*o.High, o.N, r.Extraction.Unparsed, *out)
	return nil
}
