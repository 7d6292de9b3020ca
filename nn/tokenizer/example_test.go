package tokenizer_test

import (
	"fmt"

	"github.com/dsr4d/dsr4d/nn/tokenizer"
)

func ExampleChatPrompt() {
	msgs := []tokenizer.Message{{Role: "user", Content: []tokenizer.Part{
		{Type: "video"},
		{Type: "text", Text: "How does the distance between the car and the camera change?"},
	}}}
	s, _ := tokenizer.ChatPrompt(msgs, tokenizer.ChatOptions{AddGenerationPrompt: true})
	fmt.Print(s)
	// Output:
	// <|im_start|>system
	// You are a helpful assistant.<|im_end|>
	// <|im_start|>user
	// <|vision_start|><|video_pad|><|vision_end|>How does the distance between the car and the camera change?<|im_end|>
	// <|im_start|>assistant
}

func ExampleGrid_Tokens() {
	// 16 frames of 448×448 pixels: 14-px patches, 2 frames per temporal patch, 2×2 merge.
	n, _ := tokenizer.Grid{T: 8, H: 32, W: 32}.Tokens(2)
	fmt.Println(n)
	// Output:
	// 2048
}

func ExampleInsertAfterFirstRun() {
	const videoPad = 151656
	ids := []int{151652, videoPad, videoPad, 151653}
	fmt.Println(tokenizer.InsertAfterFirstRun(ids, videoPad, 2))
	// Output:
	// [151652 151656 151656 151656 151656 151653]
}
