package tokenizer

import (
	"slices"
	"strings"
	"testing"
)

func TestChatPrompt(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		msgs []Message
		opt  ChatOptions
		want string
	}{
		{[]Message{Text("user", "Hi")}, ChatOptions{AddGenerationPrompt: true},
			"<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"},
		{[]Message{Text("system", "Be brief."), Text("user", "Hi"), Text("assistant", "Hello.")}, ChatOptions{},
			"<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello.<|im_end|>\n"},
		{[]Message{{Role: "user", Content: []Part{{Type: "video"}, {Type: "text", Text: "Q?"}, {Type: "image"}, {Type: "image_url"}}}},
			ChatOptions{AddGenerationPrompt: true, AddVisionID: true},
			"<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nVideo 1: <|vision_start|><|video_pad|><|vision_end|>Q?" +
				"Picture 1: <|vision_start|><|image_pad|><|vision_end|>Picture 2: <|vision_start|><|image_pad|><|vision_end|><|im_end|>\n<|im_start|>assistant\n"},
		// The default system prompt is inserted only before a first non-system message.
		{[]Message{Text("user", "a"), Text("system", "late")}, ChatOptions{},
			"<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\na<|im_end|>\n<|im_start|>system\nlate<|im_end|>\n"},
	} {
		got, err := ChatPrompt(c.msgs, c.opt)
		if err != nil || got != c.want {
			t.Errorf("got %q, %v\nwant %q", got, err, c.want)
		}
	}
	if _, err := ChatPrompt([]Message{{Role: "user", Content: []Part{{Type: "audio"}}}}, ChatOptions{}); err == nil || !strings.Contains(err.Error(), `"audio"`) {
		t.Errorf("unknown part: %v", err)
	}
}

// TestEncodeChatQwen checks the ids of a DSR-style prompt: a video, a question, the
// generation prompt, with the video's pads expanded.
func TestEncodeChatQwen(t *testing.T) {
	tok := qwen25VL(t)
	msgs := []Message{{Role: "user", Content: []Part{{Type: "video"}, {Type: "text", Text: "Where is the car?"}}}}
	ids, err := tok.EncodeChat(msgs, ChatOptions{AddGenerationPrompt: true}, nil, []Grid{{T: 2, H: 4, W: 6}}, 2)
	if err != nil {
		t.Fatal(err)
	}
	// <|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n
	head := []int{151644, 8948, 198, 2610, 525, 264, 10950, 17847, 13, 151645, 198, 151644, 872, 198}
	pads := slices.Repeat([]int{151656}, 2*4*6/4)
	tail := []int{151653}
	want := slices.Concat(head, []int{151652}, pads, tail)
	if !slices.Equal(ids[:len(want)], want) {
		t.Fatalf("got %v\nwant prefix %v", ids, want)
	}
	rest := tok.Decode(ids[len(want):], false)
	if rest != "Where is the car?<|im_end|>\n<|im_start|>assistant\n" {
		t.Errorf("rest %q", rest)
	}
	if got := tok.Decode(ids, true); !strings.HasPrefix(got, "system\nYou are a helpful assistant.\nuser\nWhere") {
		t.Errorf("skipping specials: %q", got)
	}

	// Grids and pads must agree.
	for _, c := range []struct {
		images, videos []Grid
		merge          int
	}{
		{nil, nil, 2},
		{nil, []Grid{{1, 2, 2}, {1, 2, 2}}, 2},
		{[]Grid{{1, 2, 2}}, []Grid{{1, 2, 2}}, 2},
		{nil, []Grid{{1, 3, 2}}, 2},
		{nil, []Grid{{0, 2, 2}}, 2},
	} {
		if _, err := tok.EncodeChat(msgs, ChatOptions{}, c.images, c.videos, c.merge); err == nil {
			t.Errorf("images %v videos %v merge %d: no error", c.images, c.videos, c.merge)
		}
	}
}

func TestInsertAfterFirstRun(t *testing.T) {
	t.Parallel()
	const v = 9
	for _, c := range []struct{ in, want []int }{
		{[]int{1, v, v, 2, v, 3}, []int{1, v, v, v, v, 2, v, 3}}, // the first run only
		{[]int{v, 2}, []int{v, v, v, 2}},
		{[]int{1, 2}, []int{1, 2}},
		{[]int{1, v, v}, []int{1, v, v}}, // a run at the end: the reference's loop stops short
		{nil, nil},
	} {
		in := slices.Clone(c.in)
		if got := InsertAfterFirstRun(c.in, v, 2); !slices.Equal(got, c.want) || !slices.Equal(c.in, in) {
			t.Errorf("%v: %v, want %v", c.in, got, c.want)
		}
	}
}
