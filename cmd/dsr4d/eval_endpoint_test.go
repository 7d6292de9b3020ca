package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dsr4d/dsr4d/pipeline/bench"
)

// fakeVLM is an OpenAI-compatible server that answers bench questions "thing N" with the
// letter in answers[N] and counts how often each question was asked.
type fakeVLM struct {
	*httptest.Server
	mu      sync.Mutex
	asked   map[int]int
	images  map[int]int
	prompts map[int]string
}

var thingRE = regexp.MustCompile(`thing (\d+)`)

func newFakeVLM(t *testing.T, answers []string, delay time.Duration, fail func(n int) int) *fakeVLM {
	f := &fakeVLM{asked: map[int]int{}, images: map[int]int{}, prompts: map[int]string{}}
	n := 0
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Messages []struct {
				Content []struct {
					Type string `json:"type"`
					Text string `json:"text"`
				} `json:"content"`
			} `json:"messages"`
		}
		data, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(data, &req); err != nil || len(req.Messages) != 1 {
			http.Error(w, "bad request", 400)
			return
		}
		var text strings.Builder
		imgs := 0
		for _, p := range req.Messages[0].Content {
			if p.Type == "image_url" {
				imgs++
			}
			text.WriteString(p.Text)
		}
		m := thingRE.FindStringSubmatch(text.String())
		if m == nil {
			http.Error(w, "no thing", 400)
			return
		}
		var id int
		fmt.Sscan(m[1], &id)
		f.mu.Lock()
		n++
		k := n
		f.asked[id]++
		f.images[id] = imgs
		f.prompts[id] = text.String()
		f.mu.Unlock()
		if fail != nil {
			if code := fail(k); code != 0 {
				w.Header().Set("Retry-After", "0")
				http.Error(w, "busy", code)
				return
			}
		}
		time.Sleep(delay)
		json.NewEncoder(w).Encode(map[string]any{"model": "fake", "choices": []any{map[string]any{
			"message": map[string]any{"role": "assistant", "content": answers[id] + "\n#thing " + m[1]}}},
			"usage": map[string]any{"prompt_tokens": 100, "completion_tokens": 1}})
	}))
	t.Cleanup(f.Close)
	return f
}

// endpointBench writes a bench of n questions over 2 videos and a frames directory for them.
func endpointBench(t *testing.T, n int) (benchPath, framesDir string, answers []string) {
	dir := t.TempDir()
	var b strings.Builder
	for i := range n {
		ans := string(rune('A' + i%4))
		answers = append(answers, ans)
		row := map[string]any{"id": fmt.Sprint(i), "videoID": fmt.Sprintf("vid%d", i%2),
			"question": fmt.Sprintf("How does thing %d move?", i), "type": "abs_dir", "answer": ans,
			"options": []string{"A. up", "B. down", "C. left", "D. right"}}
		json.NewEncoder(&b).Encode(row)
	}
	benchPath = filepath.Join(dir, "bench.jsonl")
	os.WriteFile(benchPath, []byte(b.String()), 0o644)
	framesDir = filepath.Join(dir, "frames")
	for v := range 2 {
		d := filepath.Join(framesDir, fmt.Sprintf("vid%d", v))
		os.MkdirAll(d, 0o755)
		for k := range 20 {
			os.WriteFile(filepath.Join(d, fmt.Sprintf("%03d.jpg", k)), []byte{0xff, 0xd8, byte(v), byte(k)}, 0o644)
		}
	}
	return benchPath, framesDir, answers
}

func TestEvalEndpoint(t *testing.T) {
	benchPath, frames, answers := endpointBench(t, 8)
	// Every third request fails once with a 503: retried, never a lost question.
	srv := newFakeVLM(t, answers, 0, func(n int) int {
		if n%3 == 0 {
			return 503
		}
		return 0
	})
	out := t.TempDir()
	args := []string{"eval", "--endpoint", srv.URL + "/v1", "--model", "fake", "--bench", benchPath,
		"--frames-dir", frames, "--nframe", "4", "--out", out, "--concurrency", "3"}
	code, stdout, stderr := runCmd(args...)
	if code != 0 {
		t.Fatalf("code %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "overall 100.0%") || !strings.Contains(stderr, "eval: 8/8 (100%)") {
		t.Errorf("stdout %q stderr %q", stdout, stderr)
	}
	var q bench.Question
	q.Question, q.Options = "How does thing 5 move?", []string{"A. up", "B. down", "C. left", "D. right"}
	if srv.images[5] != 4 || srv.prompts[5] != bench.Instruction+bench.QuestionText(&q) {
		t.Errorf("question 5: %d images, prompt %q", srv.images[5], srv.prompts[5])
	}
	for _, f := range []string{"replies.jsonl", "report.md", "report.json", "results.jsonl"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	// A rerun asks nothing; --limit and --shard select questions.
	before := srv.asked[0] + srv.asked[1]
	if code, _, stderr := runCmd(args...); code != 0 || srv.asked[0]+srv.asked[1] != before || !strings.Contains(stderr, "8 cached") {
		t.Errorf("rerun: code %d, asked again; %s", code, stderr)
	}
	out2 := t.TempDir()
	code, stdout, stderr = runCmd(append(args[:len(args)-4], "--out", out2, "--limit", "3", "--shard", "1/2")...)
	if code != 0 || !strings.Contains(stdout, "over 3 questions") {
		t.Errorf("limit+shard: code %d %s %s", code, stdout, stderr)
	}
	// A budget too small fails the run, names the failures and writes no report.
	out3 := t.TempDir()
	srv2 := newFakeVLM(t, answers, 0, nil)
	code, _, stderr = runCmd("eval", "--endpoint", srv2.URL+"/v1", "--model", "fake", "--bench", benchPath,
		"--frames-dir", frames, "--nframe", "4", "--out", out3, "--budget", "5", "--concurrency", "1")
	if code != 1 || !strings.Contains(stderr, "3 of 8 questions got no reply") {
		t.Errorf("budget: code %d, %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(out3, "report.md")); err == nil {
		t.Error("report written with failed questions")
	}
	if data, _ := os.ReadFile(filepath.Join(out3, "failures.jsonl")); strings.Count(string(data), "request budget spent") != 3 {
		t.Errorf("failures.jsonl: %s", data)
	}
	if code, _, _ := runCmd("eval", "--endpoint", srv.URL, "--bench", benchPath); code != 2 {
		t.Errorf("missing --model: code %d", code)
	}
}

// TestEvalEndpointChild is the subprocess of TestEvalEndpointKill.
func TestEvalEndpointChild(t *testing.T) {
	args := os.Getenv("DSR4D_EVAL_CHILD")
	if args == "" {
		t.Skip("subprocess only")
	}
	var a []string
	if err := json.Unmarshal([]byte(args), &a); err != nil {
		t.Fatal(err)
	}
	os.Exit(run(a, os.Stdout, os.Stderr))
}

func TestEvalEndpointKill(t *testing.T) {
	const n = 24
	benchPath, frames, answers := endpointBench(t, n)
	srv := newFakeVLM(t, answers, 100*time.Millisecond, nil)
	out := t.TempDir()
	args := []string{"eval", "--endpoint", srv.URL + "/v1", "--model", "fake", "--bench", benchPath,
		"--frames-dir", frames, "--nframe", "4", "--out", out, "--concurrency", "2"}
	cmd := exec.Command(os.Args[0], "-test.run=^TestEvalEndpointChild$")
	enc, _ := json.Marshal(args)
	cmd.Env = append(os.Environ(), "DSR4D_EVAL_CHILD="+string(enc))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill -9 once some replies are stored.
	stored := func() []string {
		var files []string
		filepath.WalkDir(filepath.Join(out, "cache"), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".json") && !strings.Contains(filepath.Base(p), ".tmp") {
				files = append(files, p)
			}
			return nil
		})
		return files
	}
	deadline := time.Now().Add(20 * time.Second)
	for len(stored()) < 6 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	kept := stored()
	if len(kept) < 6 || len(kept) >= n {
		t.Fatalf("%d replies stored at the kill, want some but not all", len(kept))
	}
	// Which questions had a stored reply: the reply names its thing.
	storedIDs := map[int]bool{}
	for _, p := range kept {
		var e struct {
			Reply struct {
				Text string `json:"text"`
			} `json:"reply"`
		}
		data, _ := os.ReadFile(p)
		if err := json.Unmarshal(data, &e); err != nil {
			t.Fatalf("%s: %v (a partial cache file)", p, err)
		}
		var id int
		fmt.Sscan(thingRE.FindStringSubmatch(e.Reply.Text)[1], &id)
		storedIDs[id] = true
	}
	code, stdout, stderr := runCmd(args...)
	if code != 0 || !strings.Contains(stdout, "overall 100.0%") {
		t.Fatalf("resumed run: code %d %s %s", code, stdout, stderr)
	}
	for id := range n {
		switch c := srv.asked[id]; {
		case storedIDs[id] && c != 1:
			t.Errorf("question %d had a stored reply and was asked %d times", id, c)
		case c < 1:
			t.Errorf("question %d never asked", id)
		}
	}
}
