package bench

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// benchRow is a bench table line in SPEC-QA §6's layout plus a scene class.
type benchRow struct {
	VideoID  string   `json:"videoID" parquet:"videoID"`
	Question string   `json:"question" parquet:"question"`
	Options  []string `json:"options" parquet:"options,list"`
	Answer   string   `json:"answer" parquet:"answer"`
	Type     string   `json:"type" parquet:"type"`
	Class    string   `json:"scene_class,omitempty" parquet:"scene_class"`
}

var sceneClasses = []string{"Sports & Recreation", "Transportation & Vehicle Operation", "Nature & Wildlife"}

// synthRows builds n questions cycling through the 13 types with uniformly drawn answer letters.
func synthRows(n int, seed uint64) []benchRow {
	rng := rand.New(rand.NewPCG(seed, 1))
	rows := make([]benchRow, n)
	for i := range rows {
		typ := Types[i%len(Types)]
		q := fmt.Sprintf("Between 1.0s and 4.0s, following the perspective of camera, how does the distance between person %d and camera change?", i)
		switch {
		case strings.HasPrefix(typ, "abs_"):
			q = fmt.Sprintf("Between 1.0s and 4.0s, from the perspective of camera at 2.0s, how does the distance between dog %d and camera change?", i)
		case typ == NonTemplateType && i%2 == 0:
			q = fmt.Sprintf("From the perspective of person, between 0.0s and 3.0s, which object %d gets closer?", i)
		case typ == NonTemplateType:
			q = fmt.Sprintf("Following the perspective of person, between 0.0s and 3.0s, which object %d gets closer?", i)
		}
		rows[i] = benchRow{
			VideoID:  fmt.Sprintf("vid%03d", i/7),
			Question: q,
			Options:  []string{"A. Become larger.", "B. Become smaller.", "C. Keep nearly constant.", "D. (1) Become larger. (2) Become smaller."},
			Answer:   Letters[rng.IntN(4)],
			Type:     typ,
			Class:    sceneClasses[i%len(sceneClasses)],
		}
	}
	return rows
}

func writeJSONL(t *testing.T, path string, rows any) {
	t.Helper()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	switch rs := rows.(type) {
	case []benchRow:
		for _, r := range rs {
			enc.Encode(r)
		}
	case []map[string]any:
		for _, r := range rs {
			enc.Encode(r)
		}
	default:
		t.Fatalf("writeJSONL: %T", rows)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func synthBench(t *testing.T, n int, seed uint64) *Bench {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bench.jsonl")
	writeJSONL(t, path, synthRows(n, seed))
	b, err := ReadBench(path, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestWilson(t *testing.T) {
	t.Parallel()
	tests := []struct {
		k, n   int
		lo, hi float64
	}{
		{0, 10, 0, 0.277533},
		{5, 10, 0.236593, 0.763407},
		{10, 10, 0.722467, 1},
		{1, 4, 0.045587, 0.699358},
		{371, 1484, 0.228634, 0.272657},
	}
	for _, tt := range tests {
		lo, hi := Wilson(tt.k, tt.n)
		if math.Abs(lo-tt.lo) > 1e-6 || math.Abs(hi-tt.hi) > 1e-6 {
			t.Errorf("Wilson(%d, %d) = %.6f, %.6f, want %.6f, %.6f", tt.k, tt.n, lo, hi, tt.lo, tt.hi)
		}
	}
	if lo, hi := Wilson(0, 0); !math.IsNaN(lo) || !math.IsNaN(hi) {
		t.Errorf("Wilson(0, 0) = %v, %v, want NaN", lo, hi)
	}
}

func TestBaselines(t *testing.T) {
	t.Parallel()
	b := synthBench(t, 2000, 7)
	score := func(kind Baseline, seed uint64) *Report {
		replies, err := BaselineReplies(b, kind, seed)
		if err != nil {
			t.Fatal(err)
		}
		r, err := Score(b, replies, FallbackReference, string(kind))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}

	oracle := score(BaselineOracle, 0)
	if oracle.Overall.Correct != len(b.Questions) || oracle.Overall.Accuracy != 1 {
		t.Errorf("oracle: %+v, want 100%%", oracle.Overall)
	}
	for _, g := range oracle.Types {
		if g.N > 0 && g.Accuracy != 1 {
			t.Errorf("oracle %s: %+v", g.Name, g.Acc)
		}
	}

	nA := 0
	for _, q := range b.Questions {
		if q.Answer == "A" {
			nA++
		}
	}
	alwaysA := score(BaselineAlwaysA, 0)
	if alwaysA.Overall.Correct != nA || alwaysA.Overall.Accuracy != float64(nA)/float64(len(b.Questions)) {
		t.Errorf("always-A: %+v, want exactly %d/%d", alwaysA.Overall, nA, len(b.Questions))
	}

	random := score(BaselineRandom, 42)
	if o := random.Overall; !(o.Low <= 0.25 && 0.25 <= o.High) {
		t.Errorf("random: %+v: 25%% outside its 95%% interval", o)
	}
	again := score(BaselineRandom, 42)
	for i := range random.Results {
		if random.Results[i].Letter != again.Results[i].Letter {
			t.Fatalf("random baseline is not deterministic at question %d", i)
		}
	}
	for _, r := range []*Report{oracle, alwaysA, random} {
		if r.Extraction.Regex != len(b.Questions) {
			t.Errorf("%s: %+v, want every reply read by the regex", r.Model, r.Extraction)
		}
	}
	if _, err := BaselineReplies(b, "always-b", 0); err == nil {
		t.Error("unknown baseline accepted")
	}
}

// TestOverallIsWeightedMean checks the paper's Avg: overall accuracy is the question-weighted mean
// of the per-type accuracies, and the subsets partition the bench.
func TestOverallIsWeightedMean(t *testing.T) {
	t.Parallel()
	b := synthBench(t, 1301, 3)
	replies, _ := BaselineReplies(b, BaselineRandom, 9)
	r, err := Score(b, replies, FallbackReference, "random")
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	n := 0
	for _, g := range r.Types {
		if g.N > 0 {
			sum += float64(g.N) * g.Accuracy
			n += g.N
		}
	}
	if n != r.Questions || math.Abs(sum/float64(n)-r.Overall.Accuracy) > 1e-12 {
		t.Errorf("weighted mean of types %.12f over %d, overall %.12f over %d", sum/float64(n), n, r.Overall.Accuracy, r.Questions)
	}
	if r.Template.N+r.NonTemplate.N != r.Questions || r.Template.Correct+r.NonTemplate.Correct != r.Overall.Correct {
		t.Errorf("template %+v + non-template %+v != overall %+v", r.Template, r.NonTemplate, r.Overall)
	}
	if r.Absolute.N+r.Relative.N != r.Questions {
		t.Errorf("absolute %d + relative %d != %d", r.Absolute.N, r.Relative.N, r.Questions)
	}
	if len(r.Types) != 13 || len(r.Classes) != len(sceneClasses) {
		t.Errorf("%d types, %d classes", len(r.Types), len(r.Classes))
	}
	nc := 0
	for _, g := range r.Classes {
		nc += g.N
	}
	if nc != r.Questions {
		t.Errorf("classes cover %d of %d questions", nc, r.Questions)
	}
}

func TestScoreFallbackModes(t *testing.T) {
	t.Parallel()
	b := synthBench(t, 4, 1)
	replies := make([]Reply, 4)
	for i, q := range b.Questions {
		// The option text in lower case: no capital A–D, so only the option fallback reads it.
		text := strings.ToLower(strings.TrimPrefix(q.Options[strings.Index("ABCD", q.Answer)], q.Answer+". "))
		replies[i] = Reply{Text: strings.TrimSuffix(text, ".")}
	}
	replies[3] = Reply{Text: "become"} // matches A, B and D: ambiguous
	ref, _ := Score(b, replies, FallbackReference, "m")
	opt, _ := Score(b, replies, FallbackOptions, "m")
	if ref.Overall.Correct != 0 || ref.Extraction.Unparsed != 4 {
		t.Errorf("reference mode: %+v %+v", ref.Overall, ref.Extraction)
	}
	// Question 2's answer text may contain another option's text; count what can be told apart.
	if opt.Extraction.Fallback == 0 || opt.Extraction.Unparsed == 0 {
		t.Errorf("options mode: %+v", opt.Extraction)
	}
	if *ref.Extraction.OptionsFallback != opt.Extraction.Fallback || *ref.Extraction.OptionsFallbackCorrect != opt.Overall.Correct {
		t.Errorf("reference mode predicts %d/%d for the options fallback, options mode has %d/%d",
			*ref.Extraction.OptionsFallback, *ref.Extraction.OptionsFallbackCorrect, opt.Extraction.Fallback, opt.Overall.Correct)
	}
	if _, err := Score(b, replies[:2], FallbackReference, "m"); err == nil {
		t.Error("Score accepted fewer replies than questions")
	}
}

func TestViewpoint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		typ, question, want string
	}{
		{"abs_dis", "x", "absolute"},
		{"rel_spd_comp", "x", "relative"},
		{"non_temp", "Following the perspective of dog, between 1.0s and 2.0s, what?", "relative"},
		{"non_temp", "  From the perspective of dog, between 1.0s and 2.0s, what?", "absolute"},
		{"non_temp", "What?", ""},
	}
	for _, tt := range tests {
		q := Question{Type: tt.typ, Question: tt.question}
		if got := q.Viewpoint(); got != tt.want {
			t.Errorf("Viewpoint(%s, %q) = %q, want %q", tt.typ, tt.question, got, tt.want)
		}
	}
}

func TestPrompt(t *testing.T) {
	t.Parallel()
	q := &Question{ID: "3", VideoID: "v1", Type: "rel_dis", Question: "How?",
		Options: []string{"A. a", "B. b", "C. c", "D. d"}}
	want := "\nThese are the frames of a video. Select the best answer to the following multiple-choice " +
		"question based on the video. Respond with only the letter (A, B, C, or D) of the correct option.\n" +
		"Question: How?\nA. a\nB. b\nC. c\nD. d\nAnswer: "
	p := Prompt(q)
	if p.Prompt != want {
		t.Errorf("prompt\n%q\nwant\n%q", p.Prompt, want)
	}
	if len(p.Messages) != 4 || p.Messages[1] != (Message{"video", "v1.mp4"}) || p.Messages[0].Value != "" {
		t.Errorf("messages %+v", p.Messages)
	}
	var sb strings.Builder
	if err := WritePrompts(&sb, &Bench{Questions: []Question{*q, *q}}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(sb.String()), "\n")
	var back PromptRecord
	if len(lines) != 2 || json.Unmarshal([]byte(lines[0]), &back) != nil || back.Prompt != want || back.ID != "3" {
		t.Errorf("WritePrompts: %q", sb.String())
	}
}
