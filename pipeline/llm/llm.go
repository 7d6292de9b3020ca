package llm

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Part is one piece of a message's content: text, or an image as a URL (a base64 data URL).
type Part struct {
	Type     string    `json:"type"` // "text" or "image_url"
	Text     string    `json:"text,omitempty"`
	ImageURL *ImageURL `json:"image_url,omitempty"`
}

// ImageURL is the image_url object of an image part.
type ImageURL struct {
	URL string `json:"url"`
}

// Text returns a text part.
func Text(s string) Part { return Part{Type: "text", Text: s} }

// Image returns an image part holding data as a base64 data URL of the given MIME type.
func Image(mime string, data []byte) Part {
	return Part{Type: "image_url", ImageURL: &ImageURL{URL: "data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(data)}}
}

// Message is one chat message. A message with only one text part is sent with a plain string
// content, as the reference scripts send theirs; otherwise as a list of parts.
type Message struct {
	Role  string
	Parts []Part
}

// MarshalJSON writes {"role", "content"}.
func (m Message) MarshalJSON() ([]byte, error) {
	if len(m.Parts) == 1 && m.Parts[0].Type == "text" {
		return json.Marshal(struct {
			Role    string `json:"role"`
			Content string `json:"content"`
		}{m.Role, m.Parts[0].Text})
	}
	return json.Marshal(struct {
		Role    string `json:"role"`
		Content []Part `json:"content"`
	}{m.Role, m.Parts})
}

// System and User return one-text messages.
func System(s string) Message { return Message{Role: "system", Parts: []Part{Text(s)}} }

// User returns a user message of the given parts.
func User(parts ...Part) Message { return Message{Role: "user", Parts: parts} }

// Request is one chat completion to ask for.
type Request struct {
	Messages []Message
	// MaxTokens and Temperature are sent when set (0 and nil mean the server's default).
	MaxTokens   int
	Temperature *float64
	// Validate, when set, checks a reply's text; a reply it rejects is retried like a failed
	// request (counted as "invalid") and never cached. The reference scripts re-ask until the
	// reply has the lines they parse; this is that loop, bounded.
	Validate func(text string) error
}

// Usage is the token count of one reply.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// Reply is a model's answer to one Request.
type Reply struct {
	Text         string        `json:"text"`
	Model        string        `json:"model"` // the model the server says answered
	FinishReason string        `json:"finish_reason,omitempty"`
	Usage        Usage         `json:"usage"`
	Latency      time.Duration `json:"latency_ns"`
	// Hash is the request's content hash (hex SHA-256): its cache key and provenance.
	Hash string `json:"hash"`
	// Cached is true when the reply came from the cache; Attempts counts HTTP requests made
	// for it in this call (0 when cached).
	Cached   bool `json:"-"`
	Attempts int  `json:"-"`
}

// Config sets up a Client.
type Config struct {
	// Endpoint is the server's base URL ("http://127.0.0.1:8000/v1"); "/chat/completions" is
	// appended unless it is already there.
	Endpoint string
	Model    string
	// APIKeyEnv names the environment variable holding the API key ("" means OPENAI_API_KEY).
	APIKeyEnv string
	// Timeout bounds one HTTP request, reply body included (0: 5 minutes).
	Timeout time.Duration
	// Concurrency bounds the requests in flight (0: 4).
	Concurrency int
	// MaxRetries is the number of retries after the first try (negative: none; 0: 5).
	MaxRetries int
	// BackoffBase and BackoffMax shape the retry wait base·2^k with full jitter, capped
	// (0: 1 s and 60 s). A Retry-After header above the drawn wait replaces it.
	BackoffBase, BackoffMax time.Duration
	// MaxWait bounds the wait a Retry-After header may ask for (0: 10 minutes); a server asking
	// for longer (a daily quota) fails the call instead of stalling the run.
	MaxWait time.Duration
	// Budget caps the HTTP requests sent (0: no cap).
	Budget int
	// Stream asks for server-sent events.
	Stream bool
	// CacheDir holds the reply cache ("" disables it).
	CacheDir string
	// HTTP is the client used (nil: a fresh http.Client).
	HTTP *http.Client
}

// ErrBudget is returned once the request budget is spent.
var ErrBudget = errors.New("llm: request budget spent")

// Stats accounts for a client's work.
type Stats struct {
	Calls            int            `json:"calls"`      // Complete calls
	CacheHits        int            `json:"cache_hits"` // answered from the cache
	Requests         int            `json:"requests"`   // HTTP requests sent
	Retries          int            `json:"retries"`
	Failed           int            `json:"failed"`   // Complete calls that returned an error
	Failures         map[string]int `json:"failures"` // failed tries by kind
	PromptTokens     int            `json:"prompt_tokens"`
	CompletionTokens int            `json:"completion_tokens"`
	// Latency sums the successful requests' latency; LatencyMax is the longest.
	Latency    time.Duration `json:"latency_ns"`
	LatencyMax time.Duration `json:"latency_max_ns"`
	Answered   int           `json:"answered"` // successful requests
}

// MeanLatency is the mean latency of the successful requests.
func (s Stats) MeanLatency() time.Duration {
	if s.Answered == 0 {
		return 0
	}
	return s.Latency / time.Duration(s.Answered)
}

// Client sends chat completions; it is safe for concurrent use.
type Client struct {
	cfg  Config
	url  string
	key  string
	http *http.Client
	sem  chan struct{}

	mu    sync.Mutex
	stats Stats
	sent  int
	rng   *rand.Rand
}

// New checks cfg and returns a client.
func New(cfg Config) (*Client, error) {
	if cfg.Endpoint == "" {
		return nil, errors.New("llm: no endpoint URL")
	}
	if !strings.HasPrefix(cfg.Endpoint, "http://") && !strings.HasPrefix(cfg.Endpoint, "https://") {
		return nil, fmt.Errorf("llm: endpoint %q: want an http:// or https:// URL", cfg.Endpoint)
	}
	if cfg.Model == "" {
		return nil, errors.New("llm: no model name")
	}
	if cfg.APIKeyEnv == "" {
		cfg.APIKeyEnv = "OPENAI_API_KEY"
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Minute
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
	}
	switch {
	case cfg.MaxRetries == 0:
		cfg.MaxRetries = 5
	case cfg.MaxRetries < 0:
		cfg.MaxRetries = 0
	}
	if cfg.BackoffBase <= 0 {
		cfg.BackoffBase = time.Second
	}
	if cfg.BackoffMax <= 0 {
		cfg.BackoffMax = time.Minute
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = 10 * time.Minute
	}
	url := strings.TrimRight(cfg.Endpoint, "/")
	if !strings.HasSuffix(url, "/chat/completions") {
		url += "/chat/completions"
	}
	hc := cfg.HTTP
	if hc == nil {
		hc = &http.Client{}
	}
	return &Client{cfg: cfg, url: url, key: os.Getenv(cfg.APIKeyEnv), http: hc,
		sem: make(chan struct{}, cfg.Concurrency), stats: Stats{Failures: map[string]int{}},
		rng: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0x6c6c6d))}, nil
}

// Model is the model name the client asks for.
func (c *Client) Model() string { return c.cfg.Model }

// Stats returns a copy of the client's accounting so far.
func (c *Client) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	s.Failures = make(map[string]int, len(c.stats.Failures))
	for k, v := range c.stats.Failures {
		s.Failures[k] = v
	}
	return s
}

// body is the JSON sent; its fields minus Stream are what Hash covers.
type body struct {
	Model         string         `json:"model"`
	Messages      []Message      `json:"messages"`
	MaxTokens     int            `json:"max_tokens,omitempty"`
	Temperature   *float64       `json:"temperature,omitempty"`
	Stream        bool           `json:"stream,omitempty"`
	StreamOptions *streamOptions `json:"stream_options,omitempty"`
}

type streamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

// Hash returns the content hash of req for model: hex SHA-256 of the request JSON without the
// stream switch. It is the cache key and each reply's provenance.
func Hash(model string, req Request) string {
	b, _ := json.Marshal(body{Model: model, Messages: req.Messages, MaxTokens: req.MaxTokens, Temperature: req.Temperature})
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// tryError is one failed try: kind for the accounting, wait from Retry-After.
type tryError struct {
	kind      string
	retry     bool
	wait      time.Duration
	err       error
	permanent bool
}

func (e *tryError) Error() string { return e.err.Error() }

// Complete returns the reply to req: from the cache, or from the endpoint with retries.
func (c *Client) Complete(ctx context.Context, req Request) (Reply, error) {
	hash := Hash(c.cfg.Model, req)
	c.count(func(s *Stats) { s.Calls++ })
	if r, ok := c.cached(hash); ok {
		if req.Validate == nil || req.Validate(r.Text) == nil {
			c.count(func(s *Stats) { s.CacheHits++ })
			r.Cached, r.Hash = true, hash
			return r, nil
		}
	}
	b := body{Model: c.cfg.Model, Messages: req.Messages, MaxTokens: req.MaxTokens, Temperature: req.Temperature}
	if c.cfg.Stream {
		b.Stream, b.StreamOptions = true, &streamOptions{IncludeUsage: true}
	}
	payload, err := json.Marshal(b)
	if err != nil {
		return Reply{}, fmt.Errorf("llm: encode request: %w", err)
	}
	var last error
	for k := 0; k <= c.cfg.MaxRetries; k++ {
		if k > 0 {
			c.count(func(s *Stats) { s.Retries++ })
		}
		if !c.spend() {
			c.count(func(s *Stats) { s.Failed++ })
			if last != nil {
				return Reply{}, fmt.Errorf("%w (after: %v)", ErrBudget, last)
			}
			return Reply{}, ErrBudget
		}
		r, err := c.try(ctx, payload)
		if err == nil && req.Validate != nil {
			if verr := req.Validate(r.Text); verr != nil {
				err = &tryError{kind: "invalid", retry: true, err: fmt.Errorf("reply rejected: %v", verr)}
			}
		}
		if err == nil {
			r.Hash, r.Attempts = hash, k+1
			c.count(func(s *Stats) {
				s.Answered++
				s.PromptTokens += r.Usage.PromptTokens
				s.CompletionTokens += r.Usage.CompletionTokens
				s.Latency += r.Latency
				s.LatencyMax = max(s.LatencyMax, r.Latency)
			})
			if err := c.store(hash, r); err != nil {
				return r, err
			}
			return r, nil
		}
		te := err.(*tryError)
		c.count(func(s *Stats) { s.Failures[te.kind]++ })
		last = err
		if ctx.Err() != nil {
			c.count(func(s *Stats) { s.Failed++ })
			return Reply{}, ctx.Err()
		}
		if !te.retry || k == c.cfg.MaxRetries {
			break
		}
		if te.wait > c.cfg.MaxWait {
			last = fmt.Errorf("%w; the server asks to wait %v, more than %v", te, te.wait.Round(time.Second), c.cfg.MaxWait)
			break
		}
		if err := sleep(ctx, c.backoff(k, te.wait)); err != nil {
			c.count(func(s *Stats) { s.Failed++ })
			return Reply{}, err
		}
	}
	c.count(func(s *Stats) { s.Failed++ })
	return Reply{}, fmt.Errorf("llm: %s: %w", c.cfg.Model, last)
}

func (c *Client) count(f func(*Stats)) {
	c.mu.Lock()
	f(&c.stats)
	c.mu.Unlock()
}

// spend takes one request from the budget.
func (c *Client) spend() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cfg.Budget > 0 && c.sent >= c.cfg.Budget {
		return false
	}
	c.sent++
	c.stats.Requests++
	return true
}

// backoff is the wait before retry k+1: full jitter over base·2^k capped at BackoffMax, at
// least the server's Retry-After.
func (c *Client) backoff(k int, retryAfter time.Duration) time.Duration {
	d := c.cfg.BackoffBase << min(k, 30)
	if d > c.cfg.BackoffMax || d <= 0 {
		d = c.cfg.BackoffMax
	}
	c.mu.Lock()
	d = time.Duration(c.rng.Int64N(int64(d) + 1))
	c.mu.Unlock()
	return max(d, retryAfter)
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// retryAfter parses a Retry-After header: delay seconds or an HTTP date.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(h, 64); err == nil && s >= 0 {
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// maxErrBody bounds how much of an error body is quoted.
const maxErrBody = 300

// try sends one request, holding a concurrency slot, and reads the reply.
func (c *Client) try(ctx context.Context, payload []byte) (Reply, error) {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return Reply{}, &tryError{kind: "canceled", err: ctx.Err()}
	}
	defer func() { <-c.sem }()
	rctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(rctx, http.MethodPost, c.url, bytes.NewReader(payload))
	if err != nil {
		return Reply{}, &tryError{kind: "request", err: err}
	}
	hr.Header.Set("Content-Type", "application/json")
	if c.cfg.Stream {
		hr.Header.Set("Accept", "text/event-stream")
	}
	if c.key != "" {
		hr.Header.Set("Authorization", "Bearer "+c.key)
	}
	start := time.Now()
	resp, err := c.http.Do(hr)
	if err != nil {
		return Reply{}, c.transportError(ctx, rctx, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrBody))
		e := &tryError{kind: fmt.Sprintf("http_%d", resp.StatusCode),
			err: fmt.Errorf("HTTP %s: %s", resp.Status, strings.TrimSpace(string(msg)))}
		switch {
		case resp.StatusCode == http.StatusTooManyRequests:
			e.retry, e.wait = true, retryAfter(resp.Header.Get("Retry-After"), time.Now())
		case resp.StatusCode >= 500:
			e.kind, e.retry, e.wait = "http_5xx", true, retryAfter(resp.Header.Get("Retry-After"), time.Now())
		}
		return Reply{}, e
	}
	var r Reply
	if c.cfg.Stream || strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		r, err = readStream(resp.Body)
	} else {
		r, err = readJSON(resp.Body)
	}
	if err != nil {
		if te, ok := err.(*tryError); ok {
			return Reply{}, te
		}
		return Reply{}, c.transportError(ctx, rctx, err)
	}
	r.Latency = time.Since(start)
	return r, nil
}

// transportError classifies a failure to send or read: the per-request timeout, the caller's
// cancellation, or anything else on the wire.
func (c *Client) transportError(ctx, rctx context.Context, err error) error {
	switch {
	case ctx.Err() != nil:
		return &tryError{kind: "canceled", err: ctx.Err()}
	case rctx.Err() != nil:
		return &tryError{kind: "timeout", retry: true, err: fmt.Errorf("no complete reply within %v", c.cfg.Timeout)}
	}
	return &tryError{kind: "transport", retry: true, err: err}
}

// completion is the part of a chat.completion (or chunk) object read here.
type completion struct {
	Model   string `json:"model"`
	Choices []struct {
		Message *struct {
			Content *string `json:"content"`
		} `json:"message"`
		Delta *struct {
			Content *string `json:"content"`
		} `json:"delta"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *Usage `json:"usage"`
	Error *struct {
		Message string `json:"message"`
	} `json:"error"`
}

func malformed(format string, a ...any) error {
	return &tryError{kind: "malformed", retry: true, err: fmt.Errorf("malformed reply: "+format, a...)}
}

// maxBody bounds a reply body.
const maxBody = 64 << 20

func readJSON(rd io.Reader) (Reply, error) {
	data, err := io.ReadAll(io.LimitReader(rd, maxBody))
	if err != nil {
		return Reply{}, err
	}
	var c completion
	if err := json.Unmarshal(data, &c); err != nil {
		return Reply{}, malformed("%v in %q", err, abbrev(data))
	}
	if c.Error != nil {
		return Reply{}, &tryError{kind: "api_error", retry: true, err: fmt.Errorf("error object: %s", c.Error.Message)}
	}
	if len(c.Choices) == 0 || c.Choices[0].Message == nil {
		return Reply{}, malformed("no choices[0].message in %q", abbrev(data))
	}
	r := Reply{Model: c.Model}
	if p := c.Choices[0].Message.Content; p != nil {
		r.Text = *p
	}
	if p := c.Choices[0].FinishReason; p != nil {
		r.FinishReason = *p
	}
	if c.Usage != nil {
		r.Usage = *c.Usage
	}
	return r, nil
}

// readStream reads server-sent events until "data: [DONE]"; a stream that ends before it is
// truncated.
func readStream(rd io.Reader) (Reply, error) {
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 64<<10), maxBody)
	var r Reply
	var text strings.Builder
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		data, ok := strings.CutPrefix(line, "data:")
		if !ok {
			continue // comments, event names, blank separators
		}
		data = strings.TrimSpace(data)
		if data == "[DONE]" {
			r.Text = text.String()
			return r, nil
		}
		var c completion
		if err := json.Unmarshal([]byte(data), &c); err != nil {
			return Reply{}, malformed("stream chunk: %v in %q", err, abbrev([]byte(data)))
		}
		if c.Error != nil {
			return Reply{}, &tryError{kind: "api_error", retry: true, err: fmt.Errorf("error event: %s", c.Error.Message)}
		}
		if c.Model != "" {
			r.Model = c.Model
		}
		if c.Usage != nil {
			r.Usage = *c.Usage
		}
		for _, ch := range c.Choices[:min(1, len(c.Choices))] {
			if ch.Delta != nil && ch.Delta.Content != nil {
				text.WriteString(*ch.Delta.Content)
			}
			if ch.FinishReason != nil {
				r.FinishReason = *ch.FinishReason
			}
		}
	}
	if err := sc.Err(); err != nil {
		return Reply{}, err
	}
	return Reply{}, malformed("stream ended without [DONE]")
}

func abbrev(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}
