package main

import (
	"fmt"
	"io"

	"github.com/dsr4d/dsr4d/nn/qwen2"
	"github.com/dsr4d/dsr4d/nn/tokenizer"
)

func init() {
	commands["answer"] = command{summary: "answer a question with a Qwen2.5-VL checkpoint (text now; video needs the vision tower)", run: runAnswer}
}

const answerSynopsis = `answer --model DIR --question "…" [--frames DIR | --video FILE] [flags]

Loads the Qwen2.5-VL checkpoint in DIR (config.json, model.safetensors or its sharded index,
tokenizer.json), renders the question with Qwen2.5-VL's chat template, prefills it in one batch
and decodes the reply, printed as it is generated. Then prints the prompt and reply token counts
with prefill and decode tokens/s to stderr. Greedy unless --temperature > 0.

--frames and --video need Qwen2.5-VL's vision tower, which is not built yet: they are an error.`

func runAnswer(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("answer", answerSynopsis, stderr)
	model := fs.String("model", "", "checkpoint directory")
	question := fs.String("question", "", "the question")
	system := fs.String("system", "", "system prompt (default: the chat template's \"You are a helpful assistant.\")")
	frames := fs.String("frames", "", "directory of video frames (needs the vision tower: not built yet)")
	video := fs.String("video", "", "video file (needs the vision tower: not built yet)")
	maxTokens := fs.Int("max-tokens", 256, "new tokens at most")
	temp := fs.Float64("temperature", 0, "sampling temperature (0: greedy)")
	topK := fs.Int("top-k", 0, "sample among the k most likely tokens (0: all)")
	topP := fs.Float64("top-p", 1, "sample from the smallest set of tokens whose probability reaches p")
	seed := fs.Uint64("seed", 1, "sampling seed")
	var dev deviceFlags
	dev.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	usage := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "dsr4d answer: "+format+"\n", a...)
		return errUsage
	}
	samp := qwen2.Sampling{Temperature: *temp, TopK: *topK, TopP: *topP, Seed: *seed}
	switch {
	case fs.NArg() > 0:
		return usage("unexpected argument %q", fs.Arg(0))
	case *model == "" || *question == "":
		return usage("--model and --question are required")
	case *frames != "" && *video != "":
		return usage("give one of --frames and --video")
	case *maxTokens <= 0:
		return usage("--max-tokens %d: want > 0", *maxTokens)
	}
	if err := samp.Check(); err != nil {
		return usage("%v", err)
	}
	if err := dev.check(); err != nil {
		return usage("%v", err)
	}
	if *frames != "" || *video != "" {
		return errNoVision
	}
	lm, err := openQwen("answer", *model, &dev)
	if err != nil {
		return err
	}
	defer lm.close()
	var msgs []tokenizer.Message
	if *system != "" {
		msgs = append(msgs, tokenizer.Text("system", *system))
	}
	msgs = append(msgs, tokenizer.Text("user", *question))
	var werr error
	_, res, err := lm.generate(msgs, qwen2.GenOptions{MaxTokens: *maxTokens, Sampling: samp}, nil, func(s string) bool {
		_, werr = io.WriteString(stdout, s)
		return werr == nil
	})
	if err != nil {
		return err
	}
	if werr != nil {
		return werr
	}
	fmt.Fprintln(stdout)
	fmt.Fprintf(stderr, "dsr4d answer: %s backend; prompt %d tokens, prefill %.1f tokens/s; reply %d tokens (%s), decode %.1f tokens/s\n",
		lm.be.Name(), res.PromptTokens, res.PrefillRate(), len(res.IDs), res.Finish, res.DecodeRate())
	return nil
}
