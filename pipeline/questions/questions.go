// Package questions holds the question wire types, the one schema of what dsr4d writes about a
// question: a line of questions.jsonl (Question, with its Spec and Series) and a row of the bench
// table (BenchRow, bench.jsonl and bench.parquet). Package qa writes them, package bench reads the
// bench table by these column names, and the viewer reads questions.jsonl with Read. It imports
// nothing of dsr4d.
package questions

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// Camera is the object id that stands for the camera in a Spec.
const Camera = 0

// Spec is a question's provenance: what was asked about which frames. Together with the series it
// is enough to recompute the answer without the scene, and with a scene's cues to recompute the
// series (package qa's Answer and Compute).
type Spec struct {
	Type string `json:"type"`
	// Viewpoint is Camera (0) or the id of the agent whose perspective is taken.
	Viewpoint int `json:"viewpoint"`
	// V is the frame of an absolute viewpoint ("from the perspective of V at t_v"); −1 when
	// the viewpoint is relative.
	V int `json:"v"`
	// Objects are the asked-about objects in template order; Camera (0) is the camera.
	Objects []int `json:"objects"`
	// Start and End are the first and last frame of the series (inclusive), after truncation;
	// for direction prediction, the third-to-last and last frame.
	Start int `json:"start"`
	End   int `json:"end"`
}

// Absolute reports whether the viewpoint is fixed at frame V (abs_* types).
func (s Spec) Absolute() bool { return strings.HasPrefix(s.Type, "abs") }

// Series are a question's per-frame values in the viewpoint frame: one row per frame s..e —
// dis: [distance]; dir: [x,y,z] of O1 − O2; ori: the facing [x,y,z]; spd: the position
// [x,y,z]; spd_comp: both positions [x1,y1,z1,x2,y2,z2] — and for dir_pred two rows, the
// positions at the third-to-last and last frame.
type Series [][]float64

// Question is one multiple-choice question with its provenance: a line of questions.jsonl.
type Question struct {
	VideoID  string    `json:"video_id"`
	Question string    `json:"question"`
	Options  [4]string `json:"options"` // texts of A, B, C, D
	Correct  string    `json:"answer"`  // "A".."D"
	Spec
	// Names are the denotations used in the question: the viewpoint, then the objects.
	Names   []string  `json:"names"`
	Times   []float64 `json:"times"` // timestamps of Start, End (and V when absolute)
	Series  Series    `json:"series"`
	Seed    uint64    `json:"seed"`
	Attempt int       `json:"attempt"`

	// Confidence is the label confidence (qa.LabelConfidence) when the estimator measures one.
	Confidence *float64 `json:"confidence,omitempty"`
}

// AnswerText returns the text of the correct option.
func (q *Question) AnswerText() string { return q.Options[strings.Index("ABCD", q.Correct)] }

// check reports what makes q unusable.
func (q *Question) check() error {
	switch {
	case q.Type == "":
		return fmt.Errorf("missing field \"type\"")
	case q.Question == "":
		return fmt.Errorf("missing field \"question\"")
	case len(q.Correct) != 1 || !strings.Contains("ABCD", q.Correct):
		return fmt.Errorf("answer %q, want A, B, C or D", q.Correct)
	case q.Start < 0 || q.End < q.Start:
		return fmt.Errorf("frames %d..%d: want 0 ≤ start ≤ end", q.Start, q.End)
	}
	return nil
}

// Bench table columns (SPEC-QA §6), as bench.jsonl keys and bench.parquet columns.
const (
	ColVideoID  = "videoID"
	ColQuestion = "question"
	ColOptions  = "options"
	ColAnswer   = "answer"
	ColType     = "type"
)

// BenchRow is one bench table row: options "A. text" .. "D. text", answer a letter.
type BenchRow struct {
	VideoID  string   `json:"videoID" parquet:"videoID"`
	Question string   `json:"question" parquet:"question"`
	Options  []string `json:"options" parquet:"options,list"`
	Answer   string   `json:"answer" parquet:"answer"`
	Type     string   `json:"type" parquet:"type"`
}

// maxLine bounds one questions.jsonl line.
const maxLine = 64 << 20

// Read reads questions.jsonl: one Question per non-empty line, no unknown fields; errors name the
// line.
func Read(r io.Reader) ([]Question, error) {
	var qs []Question
	err := eachLine(r, func(line int, b []byte) (bool, error) {
		q, err := parse(b)
		if err != nil {
			return false, fmt.Errorf("line %d: %w", line, err)
		}
		qs = append(qs, *q)
		return true, nil
	})
	return qs, err
}

// ReadFile returns question n (0-based, counting non-empty lines) of the questions.jsonl at path.
func ReadFile(path string, n int) (*Question, error) {
	if n < 0 {
		return nil, fmt.Errorf("%s: question %d: want a number ≥ 0", path, n)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var q *Question
	k := 0
	err = eachLine(f, func(line int, b []byte) (bool, error) {
		if k < n {
			k++
			return true, nil
		}
		var err error
		if q, err = parse(b); err != nil {
			return false, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	if q == nil {
		return nil, fmt.Errorf("%s: question %d: the file has %d questions", path, n, k)
	}
	return q, nil
}

func parse(b []byte) (*Question, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	q := &Question{}
	if err := d.Decode(q); err != nil {
		return nil, fmt.Errorf("not a dsr4d question: %w", err)
	}
	if err := q.check(); err != nil {
		return nil, err
	}
	return q, nil
}

// eachLine calls f with each non-empty line (1-based numbers) until f returns false.
func eachLine(r io.Reader, f func(line int, b []byte) (bool, error)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), maxLine)
	for line := 1; sc.Scan(); line++ {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		more, err := f(line, b)
		if err != nil || !more {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("over %d MiB in one line, or %w", maxLine>>20, err)
	}
	return nil
}
