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

	"github.com/dsr4d/dsr4d/pipeline/bench"
	"github.com/dsr4d/dsr4d/pipeline/llm"
	"github.com/dsr4d/dsr4d/pipeline/nontemp"
	"github.com/dsr4d/dsr4d/pipeline/qa"
	"github.com/dsr4d/dsr4d/pipeline/scene"
)

const qaNontempUsage = `Usage:
  dsr4d qa --nontemplate --endpoint URL --model NAME [--scene DIR]... [DIR...] [--manifest FILE]
           --out DIR [--per-video 2] [--seed 0] [--shard i/n] [--device auto|cpu|vulkan]

The DSR Suite's non-template questions (data/qa_nontemp.py; see pipeline/nontemp): per attempt
a viewpoint, an interval and the objects' 3-D trajectories in the viewpoint's frame go into the
reference's prompt; the model (the reference used DeepSeek-R1) writes a question, four answers
and the correct symbol, parsed as the reference parses them. Replies are cached (OUT/cache): a
rerun with the same scenes and seed asks nothing twice.

OUT receives:
  qa_pairs_nontemp.json  the reference's {videoID: [{Question, A, B, C, D, Correct}]}
  nontemp.jsonl          per question its provenance: draw (viewpoint, frames, objects,
                         trajectories), request hash, model, raw reply
  bench.jsonl            bench rows, type non_temp (questions whose Correct is a letter)
  train.json             LLaVA-style training conversations (the same questions)
When questions got no usable reply, failures.jsonl lists them and nothing else is written.

Flags:
`

// nontempRecord is one line of nontemp.jsonl.
type nontempRecord struct {
	VideoID string        `json:"video_id"`
	Scene   string        `json:"scene"`
	Attempt int           `json:"attempt"`
	Seed    uint64        `json:"seed"`
	Draw    nontemp.Draw  `json:"draw"`
	Hash    string        `json:"request_hash"`
	Model   string        `json:"model"`
	Reply   string        `json:"reply"`
	Pair    *nontemp.Pair `json:"qa,omitempty"`
	Letter  string        `json:"answer,omitempty"`
	Error   string        `json:"error,omitempty"`
}

func runQANontemp(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("qa", "qa --nontemplate", stderr)
	var lf llmFlags
	lf.add(fs, "OUT/cache")
	fs.Bool("nontemplate", true, "generate the non-template questions with a model behind --endpoint")
	var scenes []string
	fs.Func("scene", "scene directory (repeatable; positional arguments too)", func(s string) error {
		scenes = append(scenes, s)
		return nil
	})
	manifest := fs.String("manifest", "", "file listing scene directories, one per line")
	out := fs.String("out", "qa_nontemp", "output directory")
	perVideo := fs.Int("per-video", 2, "attempts per video (the reference's qa_num, default 2)")
	seed := fs.Uint64("seed", 0, "random seed: the same seed and scenes give the same prompts")
	shardFlag := fs.String("shard", "0/1", "process only the scenes whose video id hashes to i mod n")
	var dev deviceFlags
	dev.register(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, qaNontempUsage)
		fs.PrintDefaults()
	}
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	bad := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "dsr4d qa --nontemplate: "+format+"\n", a...)
		return errUsage
	}
	if err := lf.check(stderr, "qa"); err != nil {
		return err
	}
	scenes = append(scenes, pos...)
	if *manifest != "" {
		m, err := readManifest(*manifest)
		if err != nil {
			return err
		}
		scenes = append(scenes, m...)
	}
	if err := dev.check(); err != nil {
		return bad("%v", err)
	}
	shard, err := parseShard(*shardFlag, os.Getenv)
	if err != nil {
		return bad("--shard: %v", err)
	}
	switch {
	case len(scenes) == 0:
		return bad("no scenes")
	case *perVideo < 1:
		return bad("--per-video %d, want at least 1", *perVideo)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	client, err := lf.client(filepath.Join(*out, "cache"))
	if err != nil {
		return bad("%v", err)
	}
	est, closeDev, err := openEstimator(&dev, 1)
	if err != nil {
		return err
	}
	defer closeDev()
	devName := est.Device()

	// Draw every attempt first: the draws depend only on the scenes and the seed.
	var recs []nontempRecord
	var videos []string
	rejected := map[string]int{}
	for _, dir := range scenes {
		if !qa.InShard(qa.FileKey(dir), shard) {
			continue
		}
		s, err := scene.Load(dir)
		if err != nil {
			return err
		}
		cues, err := est.Cues(s)
		if err != nil {
			return fmt.Errorf("%s: centres: %w", dir, err)
		}
		videos = append(videos, s.VideoID)
		hasAgent := false
		for _, o := range s.Objects {
			hasAgent = hasAgent || o.Agent
		}
		if !hasAgent {
			rejected["no_agents"]++ // the reference's pd.isna(agents): an empty list
			continue
		}
		rng := nontemp.Seed(*seed, s.VideoID)
		for a := range *perVideo {
			d, rej, err := nontemp.Generate(s, cues, rng)
			for k, v := range rej {
				rejected["trial_"+k] += v
			}
			if err != nil {
				rejected["attempt_failed"]++
				continue
			}
			recs = append(recs, nontempRecord{VideoID: s.VideoID, Scene: filepath.Clean(dir), Attempt: a, Seed: *seed, Draw: d, Model: lf.model})
		}
	}
	slog.Info("qa --nontemplate: drawn", "scenes", len(videos), "questions", len(recs), "device", devName, "rejected", rejected)

	ctx := context.Background()
	errs := runEach(len(recs), lf.concurrency, client, "qa nontemp", stderr, func(i int) error {
		r := &recs[i]
		req := lf.request(llm.System(nontemp.System), llm.User(llm.Text(r.Draw.Prompt())))
		req.Validate = nontemp.Validate
		r.Hash = llm.Hash(client.Model(), req)
		rep, err := client.Complete(ctx, req)
		if err != nil {
			r.Error = err.Error()
			return fmt.Errorf("video %s attempt %d: %w", r.VideoID, r.Attempt, err)
		}
		r.Reply = rep.Text
		p, err := r.Draw.QA(rep.Text)
		if err != nil {
			r.Error = err.Error()
			return err
		}
		r.Pair, r.Letter = &p, nontemp.Letter(p.Correct)
		return nil
	})
	logStats(client.Stats())
	return writeNontemp(*out, videos, recs, errs, rejected, stdout)
}

// writeNontemp writes the outputs, or only failures.jsonl when questions failed.
func writeNontemp(out string, videos []string, recs []nontempRecord, errs []error, rejected map[string]int, stdout io.Writer) error {
	var prov, failed bytes.Buffer
	penc, fenc := json.NewEncoder(&prov), json.NewEncoder(&failed)
	penc.SetEscapeHTML(false)
	fenc.SetEscapeHTML(false)
	nfail := 0
	by := map[string][]nontemp.Pair{}
	var qs []qa.Question
	for i, r := range recs {
		if errs[i] != nil {
			nfail++
			fenc.Encode(r)
			continue
		}
		penc.Encode(r)
		by[r.VideoID] = append(by[r.VideoID], *r.Pair)
		if r.Letter == "" {
			rejected["correct_not_a_letter"]++
			continue
		}
		qs = append(qs, qa.Question{VideoID: r.VideoID, Question: r.Pair.Question, Correct: r.Letter,
			Options: [4]string{nontemp.OptionText("A", r.Pair.A), nontemp.OptionText("B", r.Pair.B),
				nontemp.OptionText("C", r.Pair.C), nontemp.OptionText("D", r.Pair.D)},
			Spec: qa.Spec{Type: bench.NonTemplateType}})
	}
	fpath := filepath.Join(out, "failures.jsonl")
	if nfail > 0 {
		if err := bench.WriteFileAtomic(fpath, failed.Bytes()); err != nil {
			return err
		}
		return fmt.Errorf("%d of %d questions got no usable reply (listed in %s); nothing else written — rerun the same command to retry them (answered ones are cached)", nfail, len(recs), fpath)
	}
	os.Remove(fpath)
	sort.Strings(videos)
	files := map[string]func(io.Writer) error{
		"qa_pairs_nontemp.json": func(w io.Writer) error { return nontemp.WriteQAPairs(w, videos, by) },
		"bench.jsonl":           func(w io.Writer) error { return qa.WriteBenchJSONL(w, qs) },
		"train.json":            func(w io.Writer) error { return qa.WriteTrain(w, qs) },
		"nontemp.jsonl":         func(w io.Writer) error { _, err := w.Write(prov.Bytes()); return err },
	}
	for name, write := range files {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			return err
		}
		if err := bench.WriteFileAtomic(filepath.Join(out, name), b.Bytes()); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "%d non-template questions over %d videos (%d in the bench/train files); rejected %v; outputs in %s\n",
		len(recs), len(videos), len(qs), rejected, out)
	return nil
}
