package bench

import (
	"bufio"
	"encoding/json"
	"io"
	"strings"
)

// Instruction is SPATIAL_REASONING.FRAMES_TMPL_NOSUB, the reference's instruction text, byte for
// byte: the Python triple-quoted string starts and ends with a newline (SPEC-QA §7 quotes it
// without them).
const Instruction = "\nThese are the frames of a video. Select the best answer to the following " +
	"multiple-choice question based on the video. Respond with only the letter (A, B, C, or D) of " +
	"the correct option.\n"

// Message is one part of a prompt in VLMEvalKit's message format.
type Message struct {
	Type  string `json:"type"` // "text" or "video"
	Value string `json:"value"`
}

// PromptRecord is one line of `dsr4d eval --prompts`: everything needed to run a model on a
// question elsewhere and write back {"id", "reply"}.
type PromptRecord struct {
	ID      string `json:"id"`
	VideoID string `json:"videoID"`
	Video   string `json:"video"` // "<videoID>.mp4", as the reference's video_path
	Type    string `json:"type"`
	// Messages are SPATIAL_REASONING.build_prompt's message list for a video LLM: the empty system
	// text, the video, the instruction, then the question block.
	Messages []Message `json:"messages"`
	// Prompt is the text parts of Messages concatenated: Instruction + QuestionText(q).
	Prompt string `json:"prompt"`
}

// QuestionText is the reference's question block: "Question: {question}\n{A}\n{B}\n{C}\n{D}\nAnswer: ".
func QuestionText(q *Question) string {
	return "Question: " + q.Question + "\n" + strings.Join(q.Options, "\n") + "\nAnswer: "
}

// Prompt returns q's evaluation prompt.
func Prompt(q *Question) PromptRecord {
	video := q.VideoID + ".mp4"
	qt := QuestionText(q)
	return PromptRecord{
		ID: q.ID, VideoID: q.VideoID, Video: video, Type: q.Type,
		Messages: []Message{
			{Type: "text", Value: ""},
			{Type: "video", Value: video},
			{Type: "text", Value: Instruction},
			{Type: "text", Value: qt},
		},
		Prompt: Instruction + qt,
	}
}

// WritePrompts writes one PromptRecord per question of b as JSONL, in bench order.
func WritePrompts(w io.Writer, b *Bench) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for i := range b.Questions {
		if err := enc.Encode(Prompt(&b.Questions[i])); err != nil {
			return err
		}
	}
	return bw.Flush()
}
