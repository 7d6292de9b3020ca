package main

import (
	"context"
	"fmt"
	"io"

	"github.com/dsr4d/dsr4d/nn/qwen2"
	"github.com/dsr4d/dsr4d/nn/qwenvit"
	"github.com/dsr4d/dsr4d/nn/tokenizer"
)

func init() {
	commands["answer"] = command{summary: "answer a question about a video (or text alone) with a Qwen2.5-VL checkpoint", run: runAnswer}
}

const answerSynopsis = `answer --model DIR --question "…" [--frames DIR | --video FILE] [flags]

Loads the Qwen2.5-VL checkpoint in DIR (config.json, model.safetensors or its sharded index with
the language model and the vision tower's visual.* weights, tokenizer.json), renders the question
with Qwen2.5-VL's chat template, prefills it in one batch and decodes the reply, printed as it is
generated. Then prints the prompt and reply token counts with prefill and decode tokens/s (the
vision tower's time counts in prefill) to stderr. Greedy unless --temperature > 0.

With --frames (a directory of .png/.jpg frames, in name order, taken at 2 fps) or --video (a file
ffmpeg decodes; frames sampled as qwen-vl-utils does: 2 fps, 4 to 768 frames, an even count) the
question follows one video clip, as qwen-vl-utils' fetch_video prepares it; the vision tower's
tokens fill its <|video_pad|> positions. A DSR checkpoint (visual.q_former_*, visual.spatial_encoder.*)
also runs the spatial branch: 32 geometry tokens from DINOv2 and the GSM follow the tower's. A
checkpoint without visual.* weights answers text only.`

func runAnswer(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("answer", answerSynopsis, stderr)
	model := fs.String("model", "", "checkpoint directory")
	question := fs.String("question", "", "the question")
	system := fs.String("system", "", "system prompt (default: the chat template's \"You are a helpful assistant.\")")
	frames := fs.String("frames", "", "directory of video frames (.png/.jpg, name order, 2 fps)")
	video := fs.String("video", "", "video file (decoded with ffmpeg, sampled at 2 fps)")
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
	lm, err := openQwen("answer", *model, &dev)
	if err != nil {
		return err
	}
	defer lm.close()
	var msgs []tokenizer.Message
	if *system != "" {
		msgs = append(msgs, tokenizer.Text("system", *system))
	}
	user := tokenizer.Text("user", *question)
	var clips []qwenvit.Clip
	if *frames != "" || *video != "" {
		var clip qwenvit.Clip
		if *frames != "" {
			imgs, err := readFramesDir(*frames)
			if err == nil {
				clip, err = lm.framesClip(imgs)
			}
			if err != nil {
				return err
			}
		} else if clip, err = lm.videoClip(context.Background(), *video); err != nil {
			return err
		}
		clips = append(clips, clip)
		user.Content = append([]tokenizer.Part{{Type: "video"}}, user.Content...)
	}
	msgs = append(msgs, user)
	var werr error
	_, res, err := lm.generate(msgs, clips, qwen2.GenOptions{MaxTokens: *maxTokens, Sampling: samp}, nil, func(s string) bool {
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
