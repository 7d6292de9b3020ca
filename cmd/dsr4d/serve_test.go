package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
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
		{`{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,AA=="}}]}]}`, 400, "messages[0].content[0].image_url: image: unknown format"},
		{`{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://x/y.png"}}]}]}`, 400, "remote URLs are not fetched"},
		{`{"messages":[{"role":"user","content":[{"type":"image_url"}]}]}`, 400, "image_url: missing"},
		{`{"messages":[{"role":"user","content":[{"type":"video"}]}]}`, 400, "send frames as image_url parts"},
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
	if c, _, stderr := runCmd("answer", "--model", dir, "--question", "q", "--video", "v.mp4"); c != 1 || !strings.Contains(stderr, "v.mp4") {
		t.Errorf("answer --video: %d %s", c, stderr)
	}
	// Frames of different sizes in one message are one clip that cannot be made.
	odd := writeFrames(t, 2, 56, 84)
	odd2 := writeFrames(t, 1, 28, 84)
	code, _, raw = post(t, srv.URL, chatWithFrames(t, append(framePaths(t, odd), framePaths(t, odd2)...), "q", 4))
	if code != 400 || !strings.Contains(raw, "messages[0]: frames: qwenvit: frame 2 is 84x28") {
		t.Errorf("mixed frame sizes: %d %s", code, raw)
	}
	// A checkpoint without the tower: image parts are a 400 naming it, text still works.
	lmOnly := tinyQwen(t, "--no-vision")
	srv2 := startServer(t, lmOnly, false)
	if code, _, raw := post(t, srv2.URL, chatWithFrames(t, framePaths(t, odd), "q", 4)); code != 400 || !strings.Contains(raw, "no vision tower") {
		t.Errorf("no tower: %d %s", code, raw)
	}
	if code, _, raw := post(t, srv2.URL, `{"messages":[{"role":"user","content":"hi"}],"max_tokens":2}`); code != 200 {
		t.Errorf("no tower, text: %d %s", code, raw)
	}
}

// writeFrames writes n random PNG frames of h×w to a new directory.
func writeFrames(t *testing.T, n, h, w int) string {
	dir := t.TempDir()
	for k := range n {
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				img.Set(x, y, color.RGBA{uint8(x*7 + k*40), uint8(y*11 + x*x), uint8((x ^ y) * 5), 255})
			}
		}
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%03d.png", k)))
		if err != nil {
			t.Fatal(err)
		}
		png.Encode(f, img)
		f.Close()
	}
	return dir
}

func framePaths(t *testing.T, dir string) []string {
	m, _ := filepath.Glob(filepath.Join(dir, "*.png"))
	return m
}

// chatWithFrames is a request as 'dsr4d eval --endpoint' sends one: the frames as image_url
// parts, then the question.
func chatWithFrames(t *testing.T, frames []string, question string, maxTokens int) string {
	var parts []any
	for _, p := range frames {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, map[string]any{"type": "image_url", "image_url": map[string]any{"url": "data:image/png;base64," + base64.StdEncoding.EncodeToString(data)}})
	}
	parts = append(parts, map[string]any{"type": "text", "text": question})
	return mustJSON(map[string]any{"messages": []any{map[string]any{"role": "user", "content": parts}}, "max_tokens": maxTokens})
}

// TestServeVision: frames sent as image parts and the same frames given to 'dsr4d answer
// --frames' make the same prompt (one video clip, then the question) and the same greedy reply,
// which differs from the reply to other frames.
func TestServeVision(t *testing.T) {
	dir := tinyQwen(t)
	srv := startServer(t, dir, false)
	frames := writeFrames(t, 4, 56, 84)
	code, m, raw := post(t, srv.URL, chatWithFrames(t, framePaths(t, frames), "Which way does the ball move?", 12))
	if code != 200 {
		t.Fatalf("chat: %d %s", code, raw)
	}
	text := m["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)["content"].(string)
	// 4 frames of 56×84: patch grid 2×4×6, merged 2×2×3 = 12 pads.
	textOnly := 0.0
	if _, m2, _ := post(t, srv.URL, `{"messages":[{"role":"user","content":"Which way does the ball move?"}],"max_tokens":1}`); m2 != nil {
		textOnly = m2["usage"].(map[string]any)["prompt_tokens"].(float64)
	}
	if pt := m["usage"].(map[string]any)["prompt_tokens"].(float64); pt != textOnly+2+12 {
		t.Errorf("prompt tokens %v, want text %v + vision_start/end + 12 pads", pt, textOnly)
	}
	c, out, stderr := runCmd("answer", "--model", dir, "--frames", frames, "--question", "Which way does the ball move?", "--max-tokens", "12", "--device", "cpu")
	if c != 0 || strings.TrimSuffix(out, "\n") != text {
		t.Errorf("answer --frames: code %d, %q vs served %q; %s", c, out, text, stderr)
	}
	other := writeFrames(t, 4, 112, 84)
	_, m3, _ := post(t, srv.URL, chatWithFrames(t, framePaths(t, other), "Which way does the ball move?", 12))
	if t3 := m3["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)["content"].(string); t3 == text {
		t.Errorf("other frames, same reply %q: the vision tokens do not reach the model", text)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestServeEval scores a bench end to end: 'dsr4d eval --endpoint' against the tiny random
// model, with the vision tower (eval's frames become one clip per question) and with
// --text-only (the server drops them and says so).
func TestServeEval(t *testing.T) {
	dir := tinyQwen(t)
	vsrv := startServer(t, dir, false)
	benchPath, fakeFrames, _ := endpointBench(t, 6)
	// Real frames in endpointBench's layout (vid0, vid1).
	frameRoot := t.TempDir()
	for v := range 2 {
		if err := os.Rename(writeFrames(t, 8, 56+28*v, 84), filepath.Join(frameRoot, fmt.Sprintf("vid%d", v))); err != nil {
			t.Fatal(err)
		}
	}
	vout := t.TempDir()
	code, stdout, stderr := runCmd("eval", "--endpoint", vsrv.URL+"/v1", "--model", "tiny-qwen", "--bench", benchPath,
		"--frames-dir", frameRoot, "--nframe", "4", "--out", vout, "--max-tokens", "8", "--concurrency", "2")
	if code != 0 || !strings.Contains(stdout, "over 6 questions") {
		t.Fatalf("eval with vision: code %d\n%s\n%s", code, stdout, stderr)
	}
	data, err := os.ReadFile(filepath.Join(vout, "replies.jsonl"))
	if err != nil || strings.Count(string(data), `"model":"tiny-qwen"`) != 6 || strings.Contains(string(data), `"error"`) {
		t.Errorf("replies.jsonl with vision: %v %s", err, data)
	}

	srv := startServer(t, dir, true)
	code, m, raw := post(t, srv.URL, `{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,AA=="}},{"type":"text","text":"hi"}]}],"max_tokens":2}`)
	if meta, _ := m["dsr4d"].(map[string]any); code != 200 || meta["text_only"] != true || meta["ignored_images"] != 1.0 {
		t.Fatalf("text-only reply: %d %s", code, raw)
	}
	out := t.TempDir()
	code, stdout, stderr = runCmd("eval", "--endpoint", srv.URL+"/v1", "--model", "tiny-qwen", "--bench", benchPath,
		"--frames-dir", fakeFrames, "--nframe", "4", "--out", out, "--max-tokens", "8", "--concurrency", "3", "--stream")
	if code != 0 || !strings.Contains(stdout, "over 6 questions") {
		t.Fatalf("eval: code %d\n%s\n%s", code, stdout, stderr)
	}
	data, err = os.ReadFile(filepath.Join(out, "replies.jsonl"))
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
	full, _, err := lm.generate(msgs, nil, qwen2.GenOptions{MaxTokens: 24}, nil, nil)
	if err != nil || len([]rune(full)) < 6 {
		t.Fatalf("%q %v", full, err)
	}
	rs := []rune(full)
	for _, stop := range []string{string(rs[3:5]), string(rs[len(rs)-1:]), "no such text"} {
		var pieces strings.Builder
		got, _, err := lm.generate(msgs, nil, qwen2.GenOptions{MaxTokens: 24}, []string{stop}, func(p string) bool {
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

// TestAnswerVideo: 'dsr4d answer --video' samples a decoded video as fetch_video does (8 frames
// at 4 fps: 2 s → 4 frames at 2 fps; 64×48 scaled up past the 128·28² pixel minimum, 280×392: a
// 2×10×14 merged grid of 280 pads) and answers.
func TestAnswerVideo(t *testing.T) {
	needTool(t, "ffmpeg")
	dir := tinyQwen(t)
	vid := filepath.Join(t.TempDir(), "clip.mp4")
	if out, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=4",
		"-frames:v", "8", "-pix_fmt", "yuv420p", "-c:v", "mpeg4", "-q:v", "2", vid).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	q := []string{"answer", "--model", dir, "--question", "What moves?", "--max-tokens", "4", "--device", "cpu"}
	_, _, textErr := runCmd(q...)
	c, out, stderr := runCmd(append(q, "--video", vid)...)
	prompt := func(s string) int {
		m := regexp.MustCompile(`prompt (\d+) tokens`).FindStringSubmatch(s)
		if m == nil {
			return -1
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	if c != 0 || out == "" || prompt(stderr) != prompt(textErr)+2+280 {
		t.Errorf("answer --video: code %d, %q; %s (text only: %s)", c, out, stderr, textErr)
	}
}

// TestServeDSR: the DSR model ('qwen init --dsr') answers frames through serve and answer alike;
// its prompt holds the 32 geometry slots more than plain Qwen2.5-VL's.
func TestServeDSR(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tiny-dsr")
	if code, out, stderr := runCmd("qwen", "init", "--config", "tiny", "--dsr", "--out", dir, "--seed", "3"); code != 0 || !strings.Contains(out, "DSR spatial branch") {
		t.Fatalf("qwen init --dsr: %s %s", out, stderr)
	}
	if code, _, stderr := runCmd("qwen", "init", "--dsr", "--no-vision", "--out", dir); code != 2 || !strings.Contains(stderr, "exclude") {
		t.Errorf("--dsr --no-vision: %d %s", code, stderr)
	}
	srv := startServer(t, dir, false)
	frames := writeFrames(t, 4, 56, 84)
	code, m, raw := post(t, srv.URL, chatWithFrames(t, framePaths(t, frames), "Which way does the ball move?", 12))
	if code != 200 {
		t.Fatalf("chat: %d %s", code, raw)
	}
	text := m["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)["content"].(string)
	_, m2, _ := post(t, srv.URL, `{"messages":[{"role":"user","content":"Which way does the ball move?"}],"max_tokens":1}`)
	textOnly := m2["usage"].(map[string]any)["prompt_tokens"].(float64)
	if pt := m["usage"].(map[string]any)["prompt_tokens"].(float64); pt != textOnly+2+12+32 {
		t.Errorf("prompt tokens %v, want text %v + vision_start/end + 12 pads + 32 geometry slots", pt, textOnly)
	}
	c, out, stderr := runCmd("answer", "--model", dir, "--frames", frames, "--question", "Which way does the ball move?", "--max-tokens", "12", "--device", "cpu")
	if c != 0 || strings.TrimSuffix(out, "\n") != text {
		t.Errorf("answer --frames: code %d, %q vs served %q; %s", c, out, text, stderr)
	}
}
