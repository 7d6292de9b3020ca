package tokenizer

import (
	"fmt"
	"slices"
	"strings"
)

// DefaultSystem is the system prompt Qwen2.5-VL's chat template inserts when the first
// message is not a system message.
const DefaultSystem = "You are a helpful assistant."

// Part is one item of a message's content.
type Part struct {
	// Type is "text", "image" (also "image_url") or "video".
	Type string
	// Text is the text of a "text" part.
	Text string
}

// Message is one turn of a conversation.
type Message struct {
	Role    string // "system", "user" or "assistant"
	Content []Part
}

// Text is a message with a single text part.
func Text(role, text string) Message {
	return Message{Role: role, Content: []Part{{Type: "text", Text: text}}}
}

// ChatOptions are the template's switches.
type ChatOptions struct {
	// AddGenerationPrompt ends the prompt with "<|im_start|>assistant\n" for the reply.
	AddGenerationPrompt bool
	// AddVisionID labels the inputs "Picture 1: ", "Video 1: " (counted separately).
	AddVisionID bool
}

// ChatPrompt renders Qwen2.5-VL-Instruct's chat template (its chat_template.json):
//
//	<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n      (unless messages[0] is system)
//	<|im_start|>ROLE\nCONTENT<|im_end|>\n                              (each message)
//	<|im_start|>assistant\n                                            (AddGenerationPrompt)
//
// where CONTENT concatenates the parts: text as is, an image as
// <|vision_start|><|image_pad|><|vision_end|>, a video as
// <|vision_start|><|video_pad|><|vision_end|>. A message with a string content renders the
// same as one text part. Each pad stands for a whole input until ExpandVision.
func ChatPrompt(msgs []Message, opt ChatOptions) (string, error) {
	var b strings.Builder
	images, videos := 0, 0
	for i, m := range msgs {
		if m.Role == "" {
			return "", fmt.Errorf("tokenizer: chat: message %d: empty role", i)
		}
		if i == 0 && m.Role != "system" {
			b.WriteString("<|im_start|>system\n" + DefaultSystem + "<|im_end|>\n")
		}
		b.WriteString("<|im_start|>" + m.Role + "\n")
		for j, p := range m.Content {
			switch p.Type {
			case "text":
				b.WriteString(p.Text)
			case "image", "image_url":
				images++
				if opt.AddVisionID {
					fmt.Fprintf(&b, "Picture %d: ", images)
				}
				b.WriteString("<|vision_start|><|image_pad|><|vision_end|>")
			case "video":
				videos++
				if opt.AddVisionID {
					fmt.Fprintf(&b, "Video %d: ", videos)
				}
				b.WriteString("<|vision_start|><|video_pad|><|vision_end|>")
			default:
				// The template renders an unknown part as nothing; a caller passing one has a bug.
				return "", fmt.Errorf("tokenizer: chat: message %d part %d: unknown type %q (want text, image or video)", i, j, p.Type)
			}
		}
		b.WriteString("<|im_end|>\n")
	}
	if opt.AddGenerationPrompt {
		b.WriteString("<|im_start|>assistant\n")
	}
	return b.String(), nil
}

// Grid is a vision input's patch grid as the image processor reports it (image_grid_thw,
// video_grid_thw): T temporal patches of H×W spatial patches, before the merger.
type Grid struct{ T, H, W int }

// Tokens is the number of pad tokens the input takes once merged: T·H·W / mergeSize².
func (g Grid) Tokens(mergeSize int) (int, error) {
	n, m := g.T*g.H*g.W, mergeSize*mergeSize
	if g.T <= 0 || g.H <= 0 || g.W <= 0 || mergeSize <= 0 || n%m != 0 {
		return 0, fmt.Errorf("tokenizer: vision grid %dx%dx%d with merge size %d: want positive sizes, H and W multiples of the merge size", g.T, g.H, g.W, mergeSize)
	}
	return n / m, nil
}

// ExpandVision replaces the i-th <|image_pad|> with images[i].Tokens(mergeSize) copies of
// itself, and likewise <|video_pad|> with videos, as Qwen2_5_VLProcessor does before
// tokenising. The counts of pads and grids must agree.
func (t *Tokenizer) ExpandVision(ids []int, images, videos []Grid, mergeSize int) ([]int, error) {
	q, err := t.QwenIDs()
	if err != nil {
		return nil, err
	}
	imagePad, videoPad := q.ImagePad, q.VideoPad
	out := make([]int, 0, len(ids))
	ni, nv := 0, 0
	for _, id := range ids {
		var g *Grid
		switch {
		case id == imagePad && ni < len(images):
			g = &images[ni]
		case id == videoPad && nv < len(videos):
			g = &videos[nv]
		case id == imagePad || id == videoPad:
			return nil, fmt.Errorf("tokenizer: the prompt has more vision pads than inputs (%d images, %d videos)", len(images), len(videos))
		default:
			out = append(out, id)
			continue
		}
		n, err := g.Tokens(mergeSize)
		if err != nil {
			return nil, err
		}
		for range n {
			out = append(out, id)
		}
		if id == imagePad {
			ni++
		} else {
			nv++
		}
	}
	if ni != len(images) || nv != len(videos) {
		return nil, fmt.Errorf("tokenizer: %d images and %d videos given, the prompt has %d and %d pads", len(images), len(videos), ni, nv)
	}
	return out, nil
}

// EncodeChat renders msgs with ChatPrompt, encodes the prompt and expands the vision pads.
func (t *Tokenizer) EncodeChat(msgs []Message, opt ChatOptions, images, videos []Grid, mergeSize int) ([]int, error) {
	s, err := ChatPrompt(msgs, opt)
	if err != nil {
		return nil, err
	}
	return t.ExpandVision(t.Encode(s), images, videos, mergeSize)
}

// DSRGeometrySlots is how many extra <|video_pad|> tokens the DSR Suite's evaluation scripts
// (model/qwen-vl-finetune/qwen_test_sti.py, qwen_test_vlm4d.py) insert after the video's
// pads: the slots where the spatial branch's geometry tokens enter the sequence.
const DSRGeometrySlots = 32

// InsertAfterFirstRun returns a copy of ids with count copies of id inserted after the first
// run of id that another token follows, as the DSR Suite's add_after_consecutive does with
// id <|video_pad|> and count DSRGeometrySlots. Like the reference it inserts nothing when no
// such run exists (no id, or only a run that ends the sequence).
func InsertAfterFirstRun(ids []int, id, count int) []int {
	for i := 0; i+1 < len(ids); i++ {
		if ids[i] == id && ids[i+1] != id {
			return slices.Concat(ids[:i+1], slices.Repeat([]int{id}, count), ids[i+1:])
		}
	}
	return slices.Clone(ids)
}

// QwenIDs are the ids of the Qwen2-VL structural tokens a model needs: stop tokens and the
// vision markers.
type QwenIDs struct {
	EndOfText, ImStart, ImEnd, VisionStart, VisionEnd, ImagePad, VideoPad int
}

// QwenIDs looks the structural tokens up by name (151643, 151644, 151645, 151652, 151653,
// 151655, 151656 in Qwen2.5-VL), failing with the missing token's name.
func (t *Tokenizer) QwenIDs() (QwenIDs, error) {
	var q QwenIDs
	for _, f := range []struct {
		name string
		id   *int
	}{
		{"<|endoftext|>", &q.EndOfText}, {"<|im_start|>", &q.ImStart}, {"<|im_end|>", &q.ImEnd},
		{"<|vision_start|>", &q.VisionStart}, {"<|vision_end|>", &q.VisionEnd},
		{"<|image_pad|>", &q.ImagePad}, {"<|video_pad|>", &q.VideoPad},
	} {
		id, ok := t.ID(f.name)
		if !ok {
			return QwenIDs{}, fmt.Errorf("tokenizer: no %s token: not a Qwen2-VL tokenizer", f.name)
		}
		*f.id = id
	}
	return q, nil
}
