package viewer

import (
	"strings"
	"testing"
)

func TestReadQuestion(t *testing.T) {
	t.Parallel()
	const file = `{"video_id":"v","question":"Q0?","options":["a","b","c","d"],"answer":"B","type":"rel_dis","viewpoint":0,"v":-1,"objects":[1,2],"start":3,"end":9}

{"Type":"abs_ori","Question":"Q1?","A":"x","B":"y","C":"z","D":"w","Correct":"D","spec":{"viewpoint":2,"v":4,"objects":[2],"frames":[4,8]}}
{"type":"rel_spd","question":"Q2?","options":{"B":"slow","A":"fast"},"viewpoint":0,"objects":[1],"s":0,"e":5}
`
	q, err := readQuestion(strings.NewReader(file), "f", 0)
	if err != nil || q.Type != "rel_dis" || q.Start != 3 || q.End != 9 || q.V != -1 || q.Answer != "B" ||
		strings.Join(q.Options, "|") != "A. a|B. b|C. c|D. d" || q.Absolute() || q.highlight() != [4]uint32{1, 2, 0, 0} {
		t.Errorf("question 0: %+v, %v", q, err)
	}
	q, err = readQuestion(strings.NewReader(file), "f", 1)
	if err != nil || q.Type != "abs_ori" || q.Viewpoint != 2 || q.V != 4 || q.Start != 4 || q.End != 8 || q.Answer != "D" ||
		strings.Join(q.Options, "|") != "A. x|B. y|C. z|D. w" || !q.Absolute() || q.axesFrame(7) != 4 {
		t.Errorf("question 1: %+v, %v", q, err)
	}
	q, err = readQuestion(strings.NewReader(file), "f", 2)
	if err != nil || strings.Join(q.Options, "|") != "A. fast|B. slow" || q.End != 5 || q.axesFrame(9) != 5 {
		t.Errorf("question 2: %+v, %v", q, err)
	}
	for n, want := range map[int]string{3: "has 3 questions", -1: "≥ 0"} {
		if _, err := readQuestion(strings.NewReader(file), "f", n); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("question %d: %v, want %q", n, err, want)
		}
	}
	for bad, want := range map[string]string{
		`{"type":"rel_dis"}`: `missing field "viewpoint"`,
		`[1]`:                "not a JSON object",
		`{"type":"rel_dis","question":"q","viewpoint":0,"objects":[1],"start":5,"end":2}`:     "empty",
		`{"type":"rel_dis","question":"q","viewpoint":"cam","objects":[1],"start":5,"end":2}`: `field "viewpoint"`,
	} {
		if _, err := readQuestion(strings.NewReader(bad), "f", 0); err == nil || !strings.Contains(err.Error(), want) {
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
