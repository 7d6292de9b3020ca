package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// server is an OpenAI-compatible chat-completions server whose n-th reply (0-based, over all
// requests) is chosen by script; it records the requests it saw.
type server struct {
	*httptest.Server
	mu       sync.Mutex
	bodies   []map[string]any
	auth     []string
	n        atomic.Int32
	inflight atomic.Int32
	maxIn    atomic.Int32
}

// reply kinds a script returns.
type reply struct {
	status     int
	retryAfter string
	body       string        // raw body (for JSON replies)
	text       string        // content for a well-formed reply
	stream     bool          // send text as SSE chunks
	cut        bool          // stream: stop before [DONE]
	delay      time.Duration // before answering
}

func newServer(t testing.TB, script func(n int, req map[string]any) reply) *server {
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in := s.inflight.Add(1)
		defer s.inflight.Add(-1)
		for {
			m := s.maxIn.Load()
			if in <= m || s.maxIn.CompareAndSwap(m, in) {
				break
			}
		}
		if r.URL.Path != "/v1/chat/completions" || r.Method != http.MethodPost {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		data, _ := io.ReadAll(r.Body)
		var req map[string]any
		if err := json.Unmarshal(data, &req); err != nil {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.bodies = append(s.bodies, req)
		s.auth = append(s.auth, r.Header.Get("Authorization"))
		s.mu.Unlock()
		rp := script(int(s.n.Add(1)-1), req)
		if rp.delay > 0 {
			select {
			case <-time.After(rp.delay):
			case <-r.Context().Done():
				return
			}
		}
		if rp.retryAfter != "" {
			w.Header().Set("Retry-After", rp.retryAfter)
		}
		if rp.status != 0 && rp.status != 200 {
			http.Error(w, `{"error":{"message":"try later"}}`, rp.status)
			return
		}
		if rp.body != "" {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, rp.body)
			return
		}
		if rp.stream {
			w.Header().Set("Content-Type", "text/event-stream")
			words := strings.SplitAfter(rp.text, " ")
			for _, wd := range words {
				b, _ := json.Marshal(map[string]any{"model": req["model"], "choices": []any{map[string]any{"index": 0, "delta": map[string]any{"content": wd}}}})
				fmt.Fprintf(w, "data: %s\n\n", b)
				w.(http.Flusher).Flush()
			}
			if rp.cut {
				return
			}
			fmt.Fprint(w, `data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`+"\n\n")
			fmt.Fprint(w, `data: {"choices":[],"usage":{"prompt_tokens":11,"completion_tokens":3,"total_tokens":14}}`+"\n\n")
			fmt.Fprint(w, "data: [DONE]\n\n")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"id": "x", "object": "chat.completion", "model": req["model"],
			"choices": []any{map[string]any{"index": 0, "message": map[string]any{"role": "assistant", "content": rp.text}, "finish_reason": "stop"}},
			"usage":   map[string]any{"prompt_tokens": 7, "completion_tokens": 2, "total_tokens": 9},
		})
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) requests() int { return int(s.n.Load()) }

func newClient(t *testing.T, s *server, mod func(*Config)) *Client {
	t.Helper()
	cfg := Config{Endpoint: s.URL + "/v1", Model: "test/model", APIKeyEnv: "DSR4D_TEST_KEY",
		Timeout: 2 * time.Second, BackoffBase: time.Millisecond, BackoffMax: 5 * time.Millisecond,
		CacheDir: t.TempDir()}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ask(text string) Request {
	return Request{Messages: []Message{System("You are a helpful assistant."), User(Text(text))}}
}

func TestRequestFormatAndKey(t *testing.T) {
	t.Setenv("DSR4D_TEST_KEY", "sk-secret-123")
	s := newServer(t, func(int, map[string]any) reply { return reply{text: "B"} })
	c := newClient(t, s, nil)
	req := Request{Messages: []Message{User(Image("image/jpeg", []byte{0xff, 0xd8, 1, 2}), Text("which?"))}, MaxTokens: 16}
	r, err := c.Complete(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if r.Text != "B" || r.Usage.PromptTokens != 7 || r.Usage.CompletionTokens != 2 || r.Model != "test/model" || r.Attempts != 1 {
		t.Errorf("reply %+v", r)
	}
	if s.auth[0] != "Bearer sk-secret-123" {
		t.Errorf("Authorization %q", s.auth[0])
	}
	b := s.bodies[0]
	if b["model"] != "test/model" || b["max_tokens"].(float64) != 16 || b["stream"] != nil {
		t.Errorf("body %v", b)
	}
	parts := b["messages"].([]any)[0].(map[string]any)["content"].([]any)
	img := parts[0].(map[string]any)["image_url"].(map[string]any)["url"]
	if img != "data:image/jpeg;base64,/9gBAg==" || parts[1].(map[string]any)["text"] != "which?" {
		t.Errorf("content parts %v", parts)
	}
	// One-text messages are sent as plain strings, as the reference scripts do.
	c.Complete(context.Background(), ask("hi"))
	m := s.bodies[1]["messages"].([]any)
	if m[0].(map[string]any)["content"] != "You are a helpful assistant." || m[1].(map[string]any)["content"] != "hi" {
		t.Errorf("messages %v", m)
	}
	// The key is never in the cache or the stats.
	filepath.WalkDir(c.cfg.CacheDir, func(p string, d os.DirEntry, err error) error {
		if data, _ := os.ReadFile(p); strings.Contains(string(data), "sk-secret") {
			t.Errorf("%s holds the API key", p)
		}
		return nil
	})
	if st, _ := json.Marshal(c.Stats()); strings.Contains(string(st), "sk-secret") {
		t.Error("stats hold the API key")
	}
}

func TestStreaming(t *testing.T) {
	s := newServer(t, func(n int, _ map[string]any) reply {
		return reply{stream: true, text: "The answer is C", cut: n == 0}
	})
	c := newClient(t, s, func(c *Config) { c.Stream = true })
	r, err := c.Complete(context.Background(), ask("q"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Text != "The answer is C" || r.Usage.TotalTokens != 14 || r.FinishReason != "stop" || r.Attempts != 2 {
		t.Errorf("reply %+v", r)
	}
	if s.bodies[0]["stream"] != true || s.bodies[0]["stream_options"].(map[string]any)["include_usage"] != true {
		t.Errorf("body %v", s.bodies[0])
	}
	st := c.Stats()
	if st.Failures["malformed"] != 1 || st.Retries != 1 {
		t.Errorf("a stream cut before [DONE] should count one malformed try and one retry: %+v", st)
	}
}

func TestRetries(t *testing.T) {
	cases := []struct {
		name  string
		first reply
		kind  string
	}{
		{"500", reply{status: 500}, "http_5xx"},
		{"503", reply{status: 503}, "http_5xx"},
		{"truncated", reply{body: `{"choices":[{"message":{"content":"A"`}, "malformed"},
		{"malformed", reply{body: `<html>bad gateway</html>`}, "malformed"},
		{"no choices", reply{body: `{"choices":[]}`}, "malformed"},
		{"error object", reply{body: `{"error":{"message":"overloaded"}}`}, "api_error"},
		{"slow", reply{delay: 3 * time.Second, text: "late"}, "timeout"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t, func(n int, _ map[string]any) reply {
				if n < 2 {
					return tc.first
				}
				return reply{text: "D"}
			})
			c := newClient(t, s, func(c *Config) { c.Timeout = 300 * time.Millisecond })
			r, err := c.Complete(context.Background(), ask("q"))
			if err != nil || r.Text != "D" || r.Attempts != 3 {
				t.Fatalf("reply %+v, err %v", r, err)
			}
			st := c.Stats()
			if st.Failures[tc.kind] != 2 || st.Retries != 2 || st.Requests != 3 || st.Failed != 0 {
				t.Errorf("stats %+v, want 2 failures of kind %s", st, tc.kind)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	s := newServer(t, func(n int, _ map[string]any) reply {
		if n == 0 {
			return reply{status: 429, retryAfter: "1"}
		}
		return reply{text: "A"}
	})
	c := newClient(t, s, nil)
	start := time.Now()
	r, err := c.Complete(context.Background(), ask("q"))
	if err != nil || r.Text != "A" {
		t.Fatal(r, err)
	}
	if el := time.Since(start); el < time.Second {
		t.Errorf("retried after %v, Retry-After said 1 s", el)
	}
	if st := c.Stats(); st.Failures["http_429"] != 1 {
		t.Errorf("stats %+v", st)
	}
	// A Retry-After beyond MaxWait fails at once.
	s2 := newServer(t, func(int, map[string]any) reply { return reply{status: 429, retryAfter: "86400"} })
	c2 := newClient(t, s2, nil)
	if _, err := c2.Complete(context.Background(), ask("q")); err == nil || !strings.Contains(err.Error(), "asks to wait 24h0m0s") || s2.requests() != 1 {
		t.Errorf("daily quota: %v after %d requests", err, s2.requests())
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if d := retryAfter("Thu, 01 Jan 2026 00:00:07 GMT", now); d != 7*time.Second {
		t.Errorf("HTTP-date Retry-After: %v", d)
	}
	if d := retryAfter("soon", now); d != 0 {
		t.Errorf("bad Retry-After: %v", d)
	}
}

func TestPermanentAndExhausted(t *testing.T) {
	s := newServer(t, func(int, map[string]any) reply { return reply{status: 400} })
	c := newClient(t, s, nil)
	_, err := c.Complete(context.Background(), ask("q"))
	if err == nil || !strings.Contains(err.Error(), "400") || s.requests() != 1 {
		t.Errorf("400: err %v after %d requests, want one request", err, s.requests())
	}
	s2 := newServer(t, func(int, map[string]any) reply { return reply{status: 502} })
	c2 := newClient(t, s2, func(c *Config) { c.MaxRetries = 3 })
	_, err = c2.Complete(context.Background(), ask("q"))
	if err == nil || s2.requests() != 4 || c2.Stats().Failed != 1 {
		t.Errorf("502 forever: err %v after %d requests, stats %+v", err, s2.requests(), c2.Stats())
	}
}

func TestValidateAndCache(t *testing.T) {
	s := newServer(t, func(n int, req map[string]any) reply {
		if n == 0 {
			return reply{text: "I cannot tell."} // parses to nothing
		}
		return reply{text: "question\nA\nB"}
	})
	dir := t.TempDir()
	c := newClient(t, s, func(c *Config) { c.CacheDir = dir })
	req := ask("q1")
	req.Validate = func(s string) error {
		if strings.Count(s, "\n") != 2 {
			return errors.New("want 3 lines")
		}
		return nil
	}
	r, err := c.Complete(context.Background(), req)
	if err != nil || r.Attempts != 2 || c.Stats().Failures["invalid"] != 1 {
		t.Fatalf("reply %+v err %v stats %+v", r, err, c.Stats())
	}
	// A new client on the same cache (a resumed run) asks nothing.
	c2 := newClient(t, s, func(c *Config) { c.CacheDir = dir })
	r2, err := c2.Complete(context.Background(), req)
	if err != nil || !r2.Cached || r2.Text != r.Text || r2.Hash != r.Hash || s.requests() != 2 {
		t.Errorf("cached reply %+v err %v after %d requests", r2, err, s.requests())
	}
	// A changed prompt is asked.
	if r3, _ := c2.Complete(context.Background(), ask("q2")); r3.Cached || s.requests() != 3 {
		t.Errorf("changed prompt served from cache: %+v", r3)
	}
	// Another model under the same cache directory is asked too.
	c3 := newClient(t, s, func(c *Config) { c.CacheDir = dir; c.Model = "other" })
	if r4, _ := c3.Complete(context.Background(), req); r4.Cached {
		t.Error("another model's reply served from cache")
	}
	// A damaged cache file is ignored and rewritten.
	p := c2.cachePath(r.Hash)
	os.WriteFile(p, []byte(`{"model":"test/model","hash":"`), 0o644)
	if r5, err := c2.Complete(context.Background(), req); err != nil || r5.Cached {
		t.Errorf("damaged cache entry served: %+v %v", r5, err)
	}
	if _, ok := c2.cached(r.Hash); !ok {
		t.Error("damaged cache entry not rewritten")
	}
	// Never a temporary file left behind.
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if strings.Contains(filepath.Base(p), ".tmp") {
			t.Errorf("temporary file left: %s", p)
		}
		return nil
	})
}

func TestBudgetAndConcurrency(t *testing.T) {
	s := newServer(t, func(int, map[string]any) reply { return reply{text: "A", delay: 50 * time.Millisecond} })
	c := newClient(t, s, func(c *Config) { c.Concurrency = 2; c.Budget = 5 })
	var wg sync.WaitGroup
	var budget atomic.Int32
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Complete(context.Background(), ask(fmt.Sprint(i))); errors.Is(err, ErrBudget) {
				budget.Add(1)
			}
		}()
	}
	wg.Wait()
	if s.requests() != 5 || budget.Load() != 3 {
		t.Errorf("%d requests, %d budget errors; want 5 and 3", s.requests(), budget.Load())
	}
	if m := s.maxIn.Load(); m > 2 {
		t.Errorf("%d requests in flight, concurrency is 2", m)
	}
	st := c.Stats()
	if st.Answered != 5 || st.PromptTokens != 35 || st.MeanLatency() < 50*time.Millisecond {
		t.Errorf("stats %+v", st)
	}
}

func TestCancel(t *testing.T) {
	s := newServer(t, func(int, map[string]any) reply { return reply{status: 503, retryAfter: "30"} })
	c := newClient(t, s, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := c.Complete(ctx, ask("q")); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Errorf("err %v after %v", err, time.Since(start))
	}
}

func TestHashCoversContent(t *testing.T) {
	a := Request{Messages: []Message{User(Image("image/jpeg", []byte{1}), Text("x"))}}
	b := Request{Messages: []Message{User(Image("image/jpeg", []byte{2}), Text("x"))}}
	if Hash("m", a) == Hash("m", b) || Hash("m", a) == Hash("n", a) || Hash("m", a) != Hash("m", a) {
		t.Error("hash does not follow the image bytes and the model")
	}
}

// BenchmarkComplete measures one request to a local server against a cache hit.
func BenchmarkComplete(b *testing.B) {
	s := newServer(b, func(int, map[string]any) reply { return reply{text: "A"} })
	for _, cached := range []bool{false, true} {
		name := map[bool]string{false: "request", true: "cache_hit"}[cached]
		b.Run(name, func(b *testing.B) {
			c, _ := New(Config{Endpoint: s.URL + "/v1", Model: "m", CacheDir: b.TempDir()})
			req := ask("warm")
			c.Complete(context.Background(), req)
			for i := 0; b.Loop(); i++ {
				if !cached {
					req = ask(fmt.Sprint(i))
				}
				if _, err := c.Complete(context.Background(), req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
