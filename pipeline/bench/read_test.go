package bench

import (
	"bytes"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const goodLine = `{"videoID":"v","question":"Q?","options":["A. a","B. b","C. c","D. d"],"answer":"B","type":"rel_dis"}`

func TestReadBenchJSONLErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, content, want string
	}{
		{"not JSON", goodLine + "\n{oops\n", "bench.jsonl:2: invalid JSON object"},
		{"array", "[1,2]\n", "bench.jsonl:1: invalid JSON object"},
		{"no videoID", `{"question":"Q?","options":["A. a","B. b","C. c","D. d"],"answer":"B","type":"rel_dis"}`, "bench.jsonl:1: field videoID: missing"},
		{"three options", `{"videoID":"v","question":"Q?","options":["A. a","B. b","C. c"],"answer":"B","type":"rel_dis"}`, "bench.jsonl:1: field options: want 4 options, got 3"},
		{"options not a list", `{"videoID":"v","question":"Q?","options":"A. a","answer":"B","type":"rel_dis"}`, "bench.jsonl:1: field options: want a list of strings"},
		{"answer E", `{"videoID":"v","question":"Q?","options":["A. a","B. b","C. c","D. d"],"answer":"E","type":"rel_dis"}`, "bench.jsonl:1: field answer: want a letter A–D"},
		{"question a number", `{"videoID":"v","question":7,"options":["A. a","B. b","C. c","D. d"],"answer":"B","type":"rel_dis"}`, "bench.jsonl:1: field question: want a string"},
		{"no type", `{"videoID":"v","question":"Q?","options":["A. a","B. b","C. c","D. d"],"answer":"B"}`, "bench.jsonl:1: field type: missing"},
		{"duplicate id", "\n" + strings.Replace(goodLine, `{`, `{"id":"x",`, 1) + "\n\n" + strings.Replace(goodLine, `{`, `{"id":"x",`, 1), "bench.jsonl:4: field id: duplicate id \"x\" (first at "},
		{"bad id", strings.Replace(goodLine, `{`, `{"id":1.5,`, 1), "bench.jsonl:1: field id: want a string or an integer"},
		{"empty", "\n\n", "no questions"},
	}
	for _, tt := range tests {
		path := writeFile(t, "bench.jsonl", tt.content)
		_, err := ReadBench(path, ReadOptions{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestReadBenchIDs(t *testing.T) {
	t.Parallel()
	// Row numbers by default; an explicit id or index column wins; CRLF and blank lines are fine.
	content := goodLine + "\r\n\n" + strings.Replace(goodLine, `{`, `{"index":17,`, 1) + "\n" +
		strings.Replace(goodLine, `{`, `{"id":"q-9","index":3,"scene_class":"Art Performance",`, 1) + "\n"
	b, err := ReadBench(writeFile(t, "b.jsonl", content), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, q := range b.Questions {
		ids = append(ids, q.ID)
	}
	if !reflect.DeepEqual(ids, []string{"0", "17", "q-9"}) || !b.HasClass || b.Questions[2].Class != "Art Performance" {
		t.Errorf("ids %v, class %v %q", ids, b.HasClass, b.Questions[2].Class)
	}
	if !strings.HasSuffix(b.Questions[1].Loc, "b.jsonl:3") {
		t.Errorf("loc %q", b.Questions[1].Loc)
	}
}

func TestReadParquet(t *testing.T) {
	t.Parallel()
	rows := synthRows(50, 5)
	type predRow struct {
		benchRow
		Prediction *string `parquet:"prediction,optional"`
	}
	prows := make([]predRow, len(rows))
	for i, r := range rows {
		prows[i].benchRow = r
		if i != 3 {
			s := "The answer is " + r.Answer
			prows[i].Prediction = &s
		}
	}
	var buf bytes.Buffer
	// Several row groups and small pages, so the reader crosses both boundaries.
	if err := parquet.Write(&buf, prows, parquet.MaxRowsPerRowGroup(7), parquet.PageBufferSize(256)); err != nil {
		t.Fatal(err)
	}
	pf, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(pf.RowGroups()); n < 2 {
		t.Fatalf("test file has %d row groups, want several", n)
	}
	dir := t.TempDir()
	pq := filepath.Join(dir, "benchmark.parquet")
	os.WriteFile(pq, buf.Bytes(), 0o644)
	jl := filepath.Join(dir, "bench.jsonl")
	writeJSONL(t, jl, rows)

	fromPQ, err := ReadBench(pq, ReadOptions{ReplyColumn: "prediction"})
	if err != nil {
		t.Fatal(err)
	}
	fromJL, err := ReadBench(jl, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if fromPQ.Format != FormatParquet || len(fromPQ.Questions) != len(rows) {
		t.Fatalf("parquet: %s, %d questions", fromPQ.Format, len(fromPQ.Questions))
	}
	for i := range rows {
		a, b := fromPQ.Questions[i], fromJL.Questions[i]
		a.Loc, b.Loc = "", ""
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("row %d: parquet %+v, jsonl %+v", i, a, b)
		}
	}
	r, err := Score(fromPQ, fromPQ.Replies, FallbackReference, "col")
	if err != nil {
		t.Fatal(err)
	}
	if r.Overall.Correct != len(rows)-1 || r.Results[3].Note != "empty" {
		t.Errorf("reply column: %+v, row 3 %+v", r.Overall, r.Results[3])
	}

	// A reply column that does not exist is an error in JSONL as in parquet (issue 12, defect 9:
	// JSONL scored 0% and exited 0).
	for _, p := range []string{pq, jl} {
		if _, err := ReadBench(p, ReadOptions{ReplyColumn: "nope"}); err == nil || !strings.Contains(err.Error(), "field nope: no such column") {
			t.Errorf("%s: missing reply column: %v", p, err)
		}
	}
	bad := filepath.Join(dir, "bad.parquet")
	os.WriteFile(bad, []byte("PAR1 this is not parquet PAR1"), 0o644)
	if _, err := ReadBench(bad, ReadOptions{}); err == nil {
		t.Error("corrupt parquet accepted")
	}
	// A table without an options column names the field.
	type noOpts struct {
		VideoID, Question, Answer, Type string
	}
	buf.Reset()
	parquet.Write(&buf, []noOpts{{"v", "q", "A", "rel_dis"}})
	os.WriteFile(bad, buf.Bytes(), 0o644)
	if _, err := ReadBench(bad, ReadOptions{}); err == nil || !strings.Contains(err.Error(), "field") {
		t.Errorf("parquet without options: %v", err)
	}
}

func TestReadQAPairs(t *testing.T) {
	t.Parallel()
	content := `{
    "vidA": [
        {"Type": "abs_dis", "Question": "Q1?", "A": "x", "B": "y", "C": "z", "D": "w", "Correct": "C"},
        {"Type": "rel_dir", "Question": "Q2?", "A": "x", "B": "y", "C": "z", "D": "w", "Correct": "A"}
    ],
    "vidB": [
        {"Question": "From the perspective of cat, between 1.0s and 2.0s, q3?", "A": "x", "B": "y", "C": "z", "D": "w", "Correct": "D."}
    ]
}`
	b, err := ReadBench(writeFile(t, "qa_pairs.json", content), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if b.Format != FormatQAPairs || len(b.Questions) != 3 {
		t.Fatalf("%s, %d questions", b.Format, len(b.Questions))
	}
	q := b.Questions[2]
	if q.ID != "2" || q.VideoID != "vidB" || q.Type != NonTemplateType || q.Answer != "D" ||
		!reflect.DeepEqual(q.Options, []string{"A. x", "B. y", "C. z", "D. w"}) || q.Viewpoint() != "absolute" {
		t.Errorf("question 2: %+v", q)
	}
	if !strings.HasSuffix(b.Questions[1].Loc, "qa_pairs.json:4") {
		t.Errorf("loc %q", b.Questions[1].Loc)
	}
	bad := strings.Replace(content, `"Correct": "A"`, `"Correct": "maybe"`, 1)
	if _, err := ReadBench(writeFile(t, "qa_pairs.json", bad), ReadOptions{}); err == nil ||
		!strings.Contains(err.Error(), "qa_pairs.json:4: field answer") {
		t.Errorf("bad Correct: %v", err)
	}
	bad = strings.Replace(content, `"D": "w", "Correct": "C"`, `"Correct": "C"`, 1)
	if _, err := ReadBench(writeFile(t, "qa_pairs.json", bad), ReadOptions{}); err == nil ||
		!strings.Contains(err.Error(), "qa_pairs.json:3: field D: missing") {
		t.Errorf("missing D: %v", err)
	}
	if _, err := ReadBench(writeFile(t, "qa_pairs.json", `["x"]`), ReadOptions{}); err == nil {
		t.Error("a list accepted as qa_pairs.json")
	}
	// A duplicate video key is an error, not two lists concatenated (issue 12, defect 11).
	bad = strings.Replace(content, `"vidB"`, `"vidA"`, 1)
	if _, err := ReadBench(writeFile(t, "qa_pairs.json", bad), ReadOptions{}); err == nil ||
		!strings.Contains(err.Error(), `qa_pairs.json:6: video "vidA" appears twice`) {
		t.Errorf("duplicate video: %v", err)
	}
}

func TestPredictions(t *testing.T) {
	t.Parallel()
	b := synthBench(t, 3, 1)
	tests := []struct {
		name, content, want string
		allowMissing        bool
	}{
		{"ok", `{"id":0,"reply":"A"}` + "\n" + `{"id":"1","reply":null}` + "\n" + `{"index":2,"prediction":"The answer is C"}`, "", false},
		{"missing", `{"id":0,"reply":"A"}`, "2 of 3 questions of", false},
		{"missing allowed", `{"id":0,"reply":"A"}`, "", true},
		{"duplicate", `{"id":0,"reply":"A"}` + "\n" + `{"id":0,"reply":"B"}`, "pred.jsonl:2: field id: duplicate id \"0\"", false},
		{"unknown", `{"id":0,"reply":"A"}` + "\n" + `{"id":"7","reply":"B"}`, "pred.jsonl:2: field id: unknown id \"7\"", false},
		{"no id", `{"reply":"A"}`, "pred.jsonl:1: field id: missing", false},
		{"no reply", `{"id":1}`, "pred.jsonl:1: field reply: missing", false},
		{"reply number", `{"id":1,"reply":3}`, "pred.jsonl:1: field reply: want a string", false},
		{"broken", `{"id":1,"reply":"A"`, "pred.jsonl:1: invalid JSON object", false},
	}
	for _, tt := range tests {
		path := writeFile(t, "pred.jsonl", tt.content)
		preds, err := ReadPredictions(path)
		var replies []Reply
		if err == nil {
			replies, err = Join(b, preds, tt.allowMissing)
		}
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		case tt.want == "" && len(replies) != 3:
			t.Errorf("%s: %d replies", tt.name, len(replies))
		}
	}
	// Bytes that are not UTF-8 in a reply are flagged and scored unparsed, whatever they hold.
	path := writeFile(t, "pred.jsonl", "{\"id\":0,\"reply\":\"A\xff\"}\n{\"id\":1,\"reply\":\"B\"}\n{\"id\":2,\"reply\":\""+"C"+strings.Repeat(" x", MaxReplyChars)+"\"}\n")
	preds, err := ReadPredictions(path)
	if err != nil {
		t.Fatal(err)
	}
	replies, err := Join(b, preds, false)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := Score(b, replies, FallbackReference, "m")
	if r.Results[0].Note != "non-UTF-8" || !r.Results[0].ReplyNonUTF8 || r.Results[1].Method != MethodRegex || r.Results[2].Letter != "C" {
		t.Errorf("results %+v %+v %+v", r.Results[0], r.Results[1], r.Results[2].Note)
	}
}

func TestWriteDir(t *testing.T) {
	t.Parallel()
	b := synthBench(t, 300, 11)
	replies, _ := BaselineReplies(b, BaselineRandom, 1)
	replies[0] = Reply{Text: "I can't process this file."}
	r, err := Score(b, replies, FallbackReference, "random")
	if err != nil {
		t.Fatal(err)
	}
	r.Paper = PaperTable4
	dir := filepath.Join(t.TempDir(), "out")
	if err := r.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{FilePerType, FileCompare} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if s := img.Bounds().Size(); s.X != ChartWidth || s.Y != ChartHeight {
			t.Errorf("%s: %v, want %dx%d", name, s, ChartWidth, ChartHeight)
		}
	}
	var back map[string]any
	data, _ := os.ReadFile(filepath.Join(dir, FileJSON))
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if back["questions"].(float64) != 300 || len(back["types"].([]any)) != 13 || len(back["paper"].([]any)) != 2 {
		t.Errorf("report.json: %v", back)
	}
	md, _ := os.ReadFile(filepath.Join(dir, FileMarkdown))
	for _, want := range []string{"overall (Avg)", "`abs_dir_pred`", "Per scene class", "refusal 1", "Comparison", "58.9", FilePerType} {
		if !bytes.Contains(md, []byte(want)) {
			t.Errorf("report.md lacks %q", want)
		}
	}
	res, _ := os.ReadFile(filepath.Join(dir, FileResults))
	if n := bytes.Count(res, []byte("\n")); n != 300 {
		t.Errorf("results.jsonl: %d lines", n)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 5 {
		t.Errorf("%d files in the report directory, want 5 (no temporary files)", len(entries))
	}
}

func TestReadPaperRows(t *testing.T) {
	t.Parallel()
	good := writeFile(t, "rows.json", `[{"model":"M","avg":40.5,"types":{"rel_dis":30}}]`)
	rows, err := ReadPaperRows(good)
	if err != nil || len(rows) != 1 || rows[0].Types["rel_dis"] != 30 {
		t.Errorf("%v %v", rows, err)
	}
	for _, bad := range []string{`{}`, `[{"avg":3}]`, `[{"model":"M","avg":140}]`} {
		if _, err := ReadPaperRows(writeFile(t, "rows.json", bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
