package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/dsr4d/dsr4d/pipeline/bench"
	"github.com/dsr4d/dsr4d/pipeline/nontemp"
	"github.com/dsr4d/dsr4d/pipeline/synth"
)

func TestQANontemplate(t *testing.T) {
	dir := t.TempDir()
	cfg := synth.DefaultConfig()
	cfg.Frames, cfg.Size, cfg.PointsSize = 16, [2]int{192, 108}, [2]int{96, 54}
	r, err := synth.Generate(cfg, synth.CPU{})
	if err != nil {
		t.Fatal(err)
	}
	sceneDir := filepath.Join(dir, "scene")
	if err := synth.Write(sceneDir, r); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	prompts := map[string]int{}
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var body struct {
			Messages []struct {
				Role    string `json:"role"`
				Content string `json:"content"`
			} `json:"messages"`
		}
		data, _ := io.ReadAll(req.Body)
		json.Unmarshal(data, &body)
		mu.Lock()
		n++
		k := n
		prompts[body.Messages[1].Content]++
		mu.Unlock()
		reply := "Which Object gets closer to the camera?\nA. the cube\nB. the ball\nC. neither\nD. both\nB"
		if k == 2 {
			reply = "<think>too short</think>\nA question?" // parses to nothing: asked again
		}
		if body.Messages[0].Content != nontemp.System || body.Messages[0].Role != "system" {
			reply = "wrong system message"
		}
		json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"message": map[string]any{"content": reply}}}})
	}))
	defer srv.Close()
	out := filepath.Join(dir, "out")
	args := []string{"qa", "--nontemplate", "--endpoint", srv.URL + "/v1", "--model", "deepseek-r1", "--out", out,
		"--per-video", "4", "--device", "cpu", sceneDir}
	code, stdout, stderr := runCmd(args...)
	if code != 0 {
		t.Fatalf("code %d: %s %s", code, stdout, stderr)
	}
	pairs, _ := os.ReadFile(filepath.Join(out, "qa_pairs_nontemp.json"))
	if !strings.Contains(string(pairs), "perspective of ") || !strings.Contains(string(pairs), "s, which object gets closer to the camera?\",\n            \"A\": \"A. the cube\"") {
		t.Errorf("qa_pairs_nontemp.json:\n%s", pairs)
	}
	b, err := bench.ReadBench(filepath.Join(out, "bench.jsonl"), bench.ReadOptions{})
	if err != nil || len(b.Questions) == 0 || b.Questions[0].Type != "non_temp" || b.Questions[0].Answer != "B" || b.Questions[0].Options[0] != "A. the cube" {
		t.Fatalf("bench: %v %+v", err, b)
	}
	// The same questions through the qa_pairs reader.
	if b2, err := bench.ReadBench(filepath.Join(out, "qa_pairs_nontemp.json"), bench.ReadOptions{}); err != nil || len(b2.Questions) != len(b.Questions) {
		t.Errorf("qa_pairs_nontemp.json as a bench: %v", err)
	}
	// Provenance: every question's prompt was sent, once (the invalid reply was retried).
	f, _ := os.ReadFile(filepath.Join(out, "nontemp.jsonl"))
	sc := bufio.NewScanner(bytes.NewReader(f))
	sc.Buffer(nil, 1<<24)
	lines := 0
	for sc.Scan() {
		var rec nontempRecord
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		lines++
		if rec.Model != "deepseek-r1" || len(rec.Hash) != 64 || !strings.HasSuffix(rec.Reply, "\nB") || prompts[rec.Draw.Prompt()] == 0 {
			t.Errorf("record %+v", rec)
		}
	}
	if lines != len(b.Questions) || n != lines+1 {
		t.Errorf("%d records, %d bench rows, %d requests (want records+1)", lines, len(b.Questions), n)
	}
	// A rerun asks nothing and writes the same files.
	before := n
	if code, _, stderr := runCmd(args...); code != 0 || n != before {
		t.Errorf("rerun: code %d, %d new requests: %s", code, n-before, stderr)
	}
	again, _ := os.ReadFile(filepath.Join(out, "qa_pairs_nontemp.json"))
	if !bytes.Equal(again, pairs) {
		t.Error("rerun changed qa_pairs_nontemp.json")
	}
}
