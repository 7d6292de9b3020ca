package viewer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadQuestion(t *testing.T) {
	t.Parallel()
	const file = `{"video_id":"v","question":"Q0?","options":["a","b","c","d"],"answer":"B","type":"rel_dis","viewpoint":0,"v":-1,"objects":[1,2],"start":3,"end":9}

{"video_id":"v","question":"Q1?","options":["x","y","z","w"],"answer":"D","type":"abs_ori","viewpoint":2,"v":4,"objects":[2],"start":4,"end":8}
`
	path := filepath.Join(t.TempDir(), "questions.jsonl")
	os.WriteFile(path, []byte(file), 0o644)
	q, err := ReadQuestion(path, 0)
	if err != nil || q.Type != "rel_dis" || q.Start != 3 || q.End != 9 || q.V != -1 || q.Answer != "B" ||
		strings.Join(q.Options, "|") != "A. a|B. b|C. c|D. d" || q.Absolute() || q.highlight() != [4]uint32{1, 2, 0, 0} {
		t.Errorf("question 0: %+v, %v", q, err)
	}
	q, err = ReadQuestion(path, 1)
	if err != nil || q.Type != "abs_ori" || q.Viewpoint != 2 || q.V != 4 || q.Start != 4 || q.End != 8 || q.Answer != "D" ||
		strings.Join(q.Options, "|") != "A. x|B. y|C. z|D. w" || !q.Absolute() || q.axesFrame(7) != 4 {
		t.Errorf("question 1: %+v, %v", q, err)
	}
	for n, want := range map[int]string{2: "has 2 questions", -1: "≥ 0"} {
		if _, err := ReadQuestion(path, n); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("question %d: %v, want %q", n, err, want)
		}
	}
	// One schema, package questions': other layouts are errors naming the line.
	for bad, want := range map[string]string{
		`{"type":"rel_dis"}`: `questions.jsonl:1: missing field "question"`,
		`[1]`:                "not a dsr4d question",
		`{"type":"rel_dis","question":"q","answer":"A","viewpoint":0,"objects":[1],"start":5,"end":2}`: "frames 5..2",
		`{"type":"abs_ori","question":"Q1?","A":"x"}`:                                                  `unknown field "A"`,
	} {
		os.WriteFile(path, []byte(bad+"\n"), 0o644)
		if _, err := ReadQuestion(path, 0); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", bad, err, want)
		}
	}
	s := testScene(t, 3, 16, 12)
	for _, c := range []struct {
		q    Question
		want string
	}{
		{Question{Objects: []int{1}, Start: 0, End: 2, V: -1}, ""},
		{Question{Objects: []int{7}, Start: 0, End: 2, V: -1}, "object 7"},
		{Question{Objects: []int{1}, Start: 0, End: 3, V: -1}, "outside"},
		{Question{Objects: []int{1}, Start: 0, End: 2, V: -1, VideoID: "other"}, "video"},
	} {
		err := c.q.Check(s)
		if (c.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("Check %+v: %v, want %q", c.q, err, c.want)
		}
	}
}
