package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dsr4d/dsr4d/nn/qwen2"
	"github.com/dsr4d/dsr4d/nn/tokenizer"
)

// tinyQwen writes a random tiny checkpoint with 'dsr4d qwen init'.
func tinyQwen(t *testing.T, extra ...string) string {
	dir := filepath.Join(t.TempDir(), "tiny-qwen")
	if code, _, stderr := runCmd(append([]string{"qwen", "init", "--config", "tiny", "--out", dir, "--seed", "3"}, extra...)...); code != 0 {
		t.Fatalf("qwen init: %s", stderr)
	}
	return dir
}

// startServer serves the checkpoint in-process, as runServe does, on an httptest server.
func startServer(t *testing.T, dir string, textOnly bool) *httptest.Server {
	lm, err := openQwen("serve", dir, &deviceFlags{device: "cpu"})
	if err != nil {
		t.Fatal(err)
	}
	s := &server{lm: lm, name: "tiny-qwen", textOnly: textOnly, maxTokens: 64, maxBody: 1 << 20, jobs: make(chan *job, 8)}
	done := make(chan struct{})
	go func() { s.work(); close(done) }()
	hs := httptest.NewServer(s.routes())
	t.Cleanup(func() {
		hs.Close()
		close(s.jobs)
		<-done
		lm.close()
	})
	return hs
}

func post(t *testing.T, url, body string) (int, map[string]any, string) {
	resp, err := http.Post(url+"/v1/chat/completions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(data, &m)
	return resp.StatusCode, m, string(data)
}

func TestServe(t *testing.T) {
	dir := tinyQwen(t)
	srv := startServer(t, dir, false)

	resp, err := http.Get(srv.URL + "/v1/models")
	if err != nil {
		t.Fatal(err)
	}
	var models struct {
		Data []struct{ ID string } `json:"data"`
	}
	json.NewDecoder(resp.Body).Decode(&models)
	resp.Body.Close()
	if len(models.Data) != 1 || models.Data[0].ID != "tiny-qwen" {
		t.Errorf("/v1/models: %+v", models)
	}

	ask := `{"model":"tiny-qwen","messages":[{"role":"user","content":"Which way does the ball move?"}],"max_tokens":12}`
	code, m, raw := post(t, srv.URL, ask)
	if code != 200 {
		t.Fatalf("chat: %d %s", code, raw)
	}
	text := m["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)["content"].(string)
	usage := m["usage"].(map[string]any)
	if usage["prompt_tokens"].(float64) < 30 || usage["completion_tokens"].(float64) < 1 {
		t.Errorf("usage %v", usage)
	}
	// The same question as 'dsr4d answer' gets the same greedy reply.
	c, out, stderr := runCmd("answer", "--model", dir, "--question", "Which way does the ball move?", "--max-tokens", "12", "--device", "cpu")
	if c != 0 || strings.TrimSuffix(out, "\n") != text || !strings.Contains(stderr, "decode") {
		t.Errorf("answer: code %d, %q vs served %q; %s", c, out, text, stderr)
	}
	// Streaming gives the same text in chunks, then [DONE].
	resp, err = http.Post(srv.URL+"/v1/chat/completions", "application/json", strings.NewReader(strings.Replace(ask, `"max_tokens"`, `"stream":true,"max_tokens"`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	var streamed strings.Builder
	chunks, doneSeen := 0, false
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		if data == "[DONE]" {
			doneSeen = true
			break
		}
		var ch struct {
			Choices []struct {
				Delta struct{ Content string } `json:"delta"`
			} `json:"choices"`
		}
		if err := json.Unmarshal([]byte(data), &ch); err != nil {
			t.Fatal(err)
		}
		chunks++
		streamed.WriteString(ch.Choices[0].Delta.Content)
	}
	resp.Body.Close()
	if !doneSeen || streamed.String() != text || chunks < 3 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Errorf("stream: %d chunks, done %v, %q vs %q", chunks, doneSeen, streamed.String(), text)
	}

	// Bad requests: a 4xx naming the problem, and the server keeps serving.
	for _, c := range []struct {
		body string
		code int
		want string
	}{
		{`{"messages":`, 400, "request body"},
		{`{"messages":[]}`, 400, "messages: empty"},
		{`{"model":"other","messages":[{"role":"user","content":"hi"}]}`, 404, "not found: this server serves"},
		{`{"messages":[{"role":"robot","content":"hi"}]}`, 400, "messages[0].role"},
		{`{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,AA=="}}]}]}`, 400, "vision tower"},
		{`{"messages":[{"role":"user","content":[{"type":"audio"}]}]}`, 400, "content[0].type"},
		{`{"messages":[{"role":"user","content":"hi"}],"max_tokens":0}`, 400, "max_tokens"},
		{`{"messages":[{"role":"user","content":"hi"}],"max_tokens":1000}`, 400, "max_tokens"},
		{`{"messages":[{"role":"user","content":"hi"}],"temperature":-1}`, 400, "temperature"},
		{`{"messages":[{"role":"user","content":"hi"}],"top_p":3}`, 400, "top_p"},
		{`{"messages":[{"role":"user","content":"` + strings.Repeat("x", 600) + `"}]}`, 400, "context of 512"},
	} {
		code, _, raw := post(t, srv.URL, c.body)
		if code != c.code || !strings.Contains(raw, c.want) || !strings.Contains(raw, `"error"`) {
			t.Errorf("%.60s: %d %s, want %d %q", c.body, code, raw, c.code, c.want)
		}
	}
	if resp, _ := http.Get(srv.URL + "/v1/chat/completions"); resp.StatusCode != 405 {
		t.Errorf("GET chat: %d", resp.StatusCode)
	}
	// Sampling with a seed is reproducible; a stop string cuts the reply.
	samp := `{"messages":[{"role":"user","content":"hi"}],"max_tokens":10,"temperature":1.5,"seed":7}`
	_, a, _ := post(t, srv.URL, samp)
	_, b, _ := post(t, srv.URL, samp)
	ta := a["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)["content"].(string)
	tb := b["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)["content"].(string)
	if ta != tb {
		t.Errorf("seeded sampling differs: %q %q", ta, tb)
	}
	if rs := []rune(text); len(rs) > 3 {
		stop := string(rs[2])
		_, m, raw = post(t, srv.URL, strings.Replace(ask, `"max_tokens"`, `"stop":`+mustJSON(stop)+`,"max_tokens"`, 1))
		got := m["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)["content"].(string)
		if got != text[:strings.Index(text, stop)] {
			t.Errorf("stop %q: %q (%s)", stop, got, raw)
		}
	}
	if c, _, stderr := runCmd("answer", "--model", dir, "--question", "q", "--video", "v.mp4"); c != 1 || !strings.Contains(stderr, "video input needs the vision tower (not built yet)") {
		t.Errorf("answer --video: %d %s", c, stderr)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestServeEval scores a bench end to end: 'dsr4d eval --endpoint' against the tiny random
// model served with --text-only (eval sends frames; the server drops them and says so).
func TestServeEval(t *testing.T) {
	dir := tinyQwen(t)
	srv := startServer(t, dir, true)
	code, m, raw := post(t, srv.URL, `{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,AA=="}},{"type":"text","text":"hi"}]}],"max_tokens":2}`)
	if meta, _ := m["dsr4d"].(map[string]any); code != 200 || meta["text_only"] != true || meta["ignored_images"] != 1.0 {
		t.Fatalf("text-only reply: %d %s", code, raw)
	}
	benchPath, frames, _ := endpointBench(t, 6)
	out := t.TempDir()
	code, stdout, stderr := runCmd("eval", "--endpoint", srv.URL+"/v1", "--model", "tiny-qwen", "--bench", benchPath,
		"--frames-dir", frames, "--nframe", "4", "--out", out, "--max-tokens", "8", "--concurrency", "3", "--stream")
	if code != 0 || !strings.Contains(stdout, "over 6 questions") {
		t.Fatalf("eval: code %d\n%s\n%s", code, stdout, stderr)
	}
	data, err := os.ReadFile(filepath.Join(out, "replies.jsonl"))
	if err != nil || strings.Count(string(data), `"model":"tiny-qwen"`) != 6 {
		t.Errorf("replies.jsonl: %v %s", err, data)
	}
	for _, f := range []string{"report.md", "report.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
}

// TestServeChild is the subprocess of TestServeShutdown.
func TestServeChild(t *testing.T) {
	args := os.Getenv("DSR4D_SERVE_CHILD")
	if args == "" {
		t.Skip("subprocess only")
	}
	var a []string
	json.Unmarshal([]byte(args), &a)
	os.Exit(run(a, os.Stdout, os.Stderr))
}

// TestServeShutdown: 'dsr4d serve' prints its address, answers, and on SIGTERM finishes the
// request in flight and exits 0.
func TestServeShutdown(t *testing.T) {
	dir := tinyQwen(t, "--layers", "32") // slow enough (~0.1 s a reply) for the signal to come mid-request
	args, _ := json.Marshal([]string{"serve", "--model", dir, "--addr", "127.0.0.1:0", "--device", "cpu"})
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeChild$")
	cmd.Env = append(os.Environ(), "DSR4D_SERVE_CHILD="+string(args))
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(stdout)
	var url string
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "dsr4d serve: listening on "); ok {
			url = strings.Fields(u)[0]
			break
		}
	}
	if url == "" {
		t.Fatal("no listening line")
	}
	type result struct {
		code int
		raw  string
	}
	res := make(chan result, 1)
	go func() {
		code, _, raw := post(t, url, `{"messages":[{"role":"user","content":"hi"}],"max_tokens":64}`)
		res <- result{code, raw}
	}()
	time.Sleep(30 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGTERM)
	if r := <-res; r.code != 200 || !strings.Contains(r.raw, `"completion_tokens":64`) {
		t.Errorf("request across shutdown: %d %s", r.code, r.raw)
	}
	rest, _ := io.ReadAll(stdout)
	if err := cmd.Wait(); err != nil || !strings.Contains(string(rest), "stopped") {
		t.Errorf("exit: %v, stdout %q", err, rest)
	}
}

// TestGenerateStops: streamed pieces add up to the returned reply, which a stop string cuts
// before it, also when the stop string spans tokens.
func TestGenerateStops(t *testing.T) {
	lm, err := openQwen("answer", tinyQwen(t), &deviceFlags{device: "cpu"})
	if err != nil {
		t.Fatal(err)
	}
	defer lm.close()
	msgs := []tokenizer.Message{tokenizer.Text("user", "Say something.")}
	full, _, err := lm.generate(msgs, qwen2.GenOptions{MaxTokens: 24}, nil, nil)
	if err != nil || len([]rune(full)) < 6 {
		t.Fatalf("%q %v", full, err)
	}
	rs := []rune(full)
	for _, stop := range []string{string(rs[3:5]), string(rs[len(rs)-1:]), "no such text"} {
		var pieces strings.Builder
		got, _, err := lm.generate(msgs, qwen2.GenOptions{MaxTokens: 24}, []string{stop}, func(p string) bool {
			pieces.WriteString(p)
			return true
		})
		want := full
		if i := strings.Index(full, stop); i >= 0 {
			want = full[:i]
		}
		if err != nil || got != want || pieces.String() != want {
			t.Errorf("stop %q: got %q, streamed %q, want %q (%v)", stop, got, pieces.String(), want, err)
		}
	}
}
