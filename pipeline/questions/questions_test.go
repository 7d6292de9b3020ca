package questions_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/dsr4d/dsr4d/pipeline/questions"
)

func TestReadRoundTripAndStrict(t *testing.T) {
	t.Parallel()
	q := questions.Question{VideoID: "v", Question: "Q?", Options: [4]string{"a", "b", "c", "d"}, Correct: "C",
		Spec: questions.Spec{Type: "abs_dis", Viewpoint: 2, V: 3, Objects: []int{1, 0}, Start: 1, End: 6}, Series: questions.Series{{1}, {2}}}
	b, _ := json.Marshal(q)
	qs, err := questions.Read(strings.NewReader("\n" + string(b) + "\n\n" + string(b) + "\n"))
	if err != nil || len(qs) != 2 || qs[1].AnswerText() != "c" || !qs[1].Absolute() || qs[0].Objects[1] != questions.Camera {
		t.Fatalf("%+v %v", qs, err)
	}
	for bad, want := range map[string]string{
		`{"video_id":"v","question":"Q?","answer":"E","type":"rel_dis"}`:           `answer "E"`,
		`{"video_id":"v","question":"Q?","answer":"A","type":"rel_dis","extra":1}`: `line 1: not a dsr4d question: json: unknown field "extra"`,
		`{"question":"Q?","answer":"A","type":"rel_dis","start":4,"end":3}`:        "frames 4..3",
	} {
		if _, err := questions.Read(strings.NewReader(bad)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", bad, err, want)
		}
	}
}
