package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeEvalBench writes a small bench in SPEC-QA §6's JSONL layout and predictions for it: the
// right letter in varied wordings for even rows, a wrong one for odd rows, one lower-case option
// text and one refusal.
func writeEvalBench(t *testing.T) (benchPath, predPath string, n int) {
	t.Helper()
	dir := t.TempDir()
	types := []string{"rel_dis", "abs_dir", "rel_spd_comp", "abs_dir_pred", "non_temp"}
	var bb, pb strings.Builder
	n = 40
	for i := 0; i < n; i++ {
		ans := "ABCD"[i%4 : i%4+1]
		row := map[string]any{
			"videoID":  fmt.Sprintf("v%d", i/5),
			"question": fmt.Sprintf("Between 0.0s and 3.0s, following the perspective of camera, how does the distance between dog %d and camera change?", i),
			"options":  []string{"A. Become larger.", "B. Become smaller.", "C. Keep nearly constant.", "D. (1) Become larger. (2) Become smaller."},
			"answer":   ans,
			"type":     types[i%len(types)],
		}
		line, _ := json.Marshal(row)
		bb.Write(append(line, '\n'))
		reply := "The answer is " + ans
		if i%2 == 1 {
			reply = "ABCD"[(i+1)%4 : (i+1)%4+1]
		}
		switch i {
		case 4:
			reply = "become larger" // A's text in lower case: only the options fallback reads it
		case 7:
			reply = "Cannot determine the answer" // the regex reads the C of "Cannot"; the answer is D
		case 9:
			reply = ""
		}
		p, _ := json.Marshal(map[string]any{"id": i, "reply": reply})
		pb.Write(append(p, '\n'))
	}
	benchPath = filepath.Join(dir, "bench.jsonl")
	predPath = filepath.Join(dir, "my-model.jsonl")
	os.WriteFile(benchPath, []byte(bb.String()), 0o644)
	os.WriteFile(predPath, []byte(pb.String()), 0o644)
	return benchPath, predPath, n
}

func TestEvalUsage(t *testing.T) {
	t.Parallel()
	benchPath, predPath, _ := writeEvalBench(t)
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"eval", "-h"}, 0, "-reply-column"},
		{[]string{"eval"}, 2, "--bench is required"},
		{[]string{"eval", "--bench", benchPath}, 2, "exactly one of"},
		{[]string{"eval", "--bench", benchPath, "--pred", predPath, "--baseline", "oracle"}, 2, "exactly one of"},
		{[]string{"eval", "--bench", benchPath, "--pred", predPath, "--fallback", "maybe"}, 2, "unknown --fallback"},
		{[]string{"eval", "--bench", benchPath, "--baseline", "always-b"}, 2, "unknown baseline"},
		{[]string{"eval", "--bench", benchPath, "--pred", predPath, "--format", "csv"}, 2, "unknown --format"},
		{[]string{"eval", "--prompts", benchPath, "--pred", predPath}, 2, "--prompts takes only"},
		{[]string{"eval", "--bench", benchPath, "--pred", predPath, "extra"}, 2, "unexpected arguments"},
		{[]string{"eval", "--bench", benchPath, "--pred", filepath.Join(t.TempDir(), "none.jsonl")}, 1, "no such file"},
	}
	for _, tt := range tests {
		code, stdout, stderr := runCmd(tt.args...)
		if code != tt.code || !strings.Contains(stdout+stderr, tt.want) {
			t.Errorf("%v: exit %d, want %d; output lacks %q:\n%s%s", tt.args, code, tt.code, tt.want, stdout, stderr)
		}
	}
}

func TestEvalReport(t *testing.T) {
	t.Parallel()
	benchPath, predPath, n := writeEvalBench(t)
	out := filepath.Join(t.TempDir(), "report")
	code, stdout, stderr := runCmd("eval", "--bench", benchPath, "--pred", predPath, "--out", out, "--compare", "paper")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// Even rows are right except row 4 (its lower-case option text only the options fallback reads);
	// odd rows are wrong, row 7 too: the regex reads the C of "Cannot" and its answer is D.
	wantCorrect := n/2 - 1
	if !strings.Contains(stdout, fmt.Sprintf("my-model: overall %.1f%%", 100*float64(wantCorrect)/float64(n))) {
		t.Errorf("stdout %q, want %d/%d correct", stdout, wantCorrect, n)
	}
	var rep struct {
		Overall    struct{ Correct, N int }
		Extraction struct {
			Regex, Fallback, Unparsed int
			Would                     int `json:"options_fallback_would_read"`
		}
		Paper []json.RawMessage
	}
	data, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Overall.Correct != wantCorrect || rep.Overall.N != n || rep.Extraction.Unparsed != 2 ||
		rep.Extraction.Would != 1 || len(rep.Paper) != 2 {
		t.Errorf("report.json: %+v", rep)
	}
	for _, f := range []string{"report.md", "results.jsonl", "per_type.png", "compare.png"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}

	// The options fallback reads row 4's option text.
	code, stdout, _ = runCmd("eval", "--bench", benchPath, "--pred", predPath, "--fallback", "options", "--json")
	if code != 0 || json.Unmarshal([]byte(stdout), &rep) != nil || rep.Overall.Correct != wantCorrect+1 || rep.Extraction.Fallback != 1 {
		t.Errorf("--fallback options: exit %d, %+v", code, rep)
	}

	code, stdout, _ = runCmd("eval", "--bench", benchPath, "--baseline", "oracle")
	if code != 0 || !strings.Contains(stdout, fmt.Sprintf("| **overall (Avg)** | %d | %d | 100.0 |", n, n)) {
		t.Errorf("oracle: exit %d\n%s", code, stdout)
	}
}

func TestEvalBadPredictions(t *testing.T) {
	t.Parallel()
	benchPath, predPath, _ := writeEvalBench(t)
	data, _ := os.ReadFile(predPath)
	lines := strings.SplitAfter(string(data), "\n")
	tests := []struct {
		name, content, want string
	}{
		{"malformed", lines[0] + "{\"id\": 1, \"reply\": \n", "my-model.jsonl:2: invalid JSON object"},
		{"duplicate", lines[0] + lines[0], "my-model.jsonl:2: field id: duplicate id \"0\""},
		{"unknown", strings.Join(lines[:3], "") + "{\"id\": 999, \"reply\": \"A\"}\n", "my-model.jsonl:4: field id: unknown id \"999\""},
		{"missing", strings.Join(lines[:5], ""), "35 of 40 questions"},
	}
	for _, tt := range tests {
		os.WriteFile(predPath, []byte(tt.content), 0o644)
		code, _, stderr := runCmd("eval", "--bench", benchPath, "--pred", predPath)
		if code != 1 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%s: exit %d, stderr %q, want %q", tt.name, code, stderr, tt.want)
		}
	}
	os.WriteFile(predPath, []byte(strings.Join(lines[:5], "")), 0o644)
	if code, _, stderr := runCmd("eval", "--bench", benchPath, "--pred", predPath, "--allow-missing"); code != 0 {
		t.Errorf("--allow-missing: exit %d: %s", code, stderr)
	}
}

func TestEvalPrompts(t *testing.T) {
	t.Parallel()
	benchPath, _, n := writeEvalBench(t)
	code, stdout, stderr := runCmd("eval", "--prompts", benchPath)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != n {
		t.Fatalf("%d prompt lines, want %d", len(lines), n)
	}
	var p struct {
		ID, Prompt string
	}
	if err := json.Unmarshal([]byte(lines[1]), &p); err != nil {
		t.Fatal(err)
	}
	if p.ID != "1" || !strings.HasPrefix(p.Prompt, "\nThese are the frames of a video.") ||
		!strings.HasSuffix(p.Prompt, "\nD. (1) Become larger. (2) Become smaller.\nAnswer: ") {
		t.Errorf("prompt %+v", p)
	}
	file := filepath.Join(t.TempDir(), "prompts.jsonl")
	if code, _, stderr := runCmd("eval", "--prompts", benchPath, "--prompts-out", file); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if data, _ := os.ReadFile(file); string(data) != stdout {
		t.Error("--prompts-out differs from standard output")
	}
}
