package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/dsr4d/dsr4d/internal/resample"
	"github.com/dsr4d/dsr4d/nn/qwen2"
	"github.com/dsr4d/dsr4d/nn/qwenvit"
	"github.com/dsr4d/dsr4d/nn/tokenizer"
)

func init() {
	commands["serve"] = command{summary: "serve a Qwen2.5-VL checkpoint as an OpenAI-compatible /v1/chat/completions endpoint", run: runServe}
}

const serveSynopsis = `serve --model DIR [--addr 127.0.0.1:8000] [flags]

Loads the checkpoint in DIR once (as 'dsr4d answer') and serves it over HTTP:
  POST /v1/chat/completions  OpenAI chat completions: messages with string content or text and
                             image_url parts (base64 data URLs of PNG/JPEG frames), max_tokens (or max_completion_tokens), temperature, top_p, top_k,
                             seed, stop, stream (server-sent events, then "data: [DONE]")
  GET  /v1/models            the one model, named --name
Requests are queued and answered one at a time (--queue bounds the waiting ones: 429 beyond).
A bad request gets a 4xx with an OpenAI error object, never a crash. SIGINT or SIGTERM stops
accepting, lets running requests finish (up to --grace) and exits.

The image parts of one message are the frames of one video clip (as 'dsr4d eval --endpoint'
sends a question's frames; 2 fps assumed), placed where the first of them is: qwen-vl-utils'
fetch_video on a list of frames, then the vision tower (and for a DSR checkpoint the spatial
branch's geometry tokens) fills the clip's <|video_pad|> tokens.
Frames of one message must share a size. A checkpoint without visual.* weights answers image
parts with a 400. --text-only drops them instead and answers from the text alone; each reply
then says so in its "dsr4d" object ({"text_only": true, "ignored_images": N, "note": …}).

Prints "dsr4d serve: listening on http://ADDR" on stdout once ready (--addr with port 0 picks one).`

func runServe(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", serveSynopsis, stderr)
	model := fs.String("model", "", "checkpoint directory")
	addr := fs.String("addr", "127.0.0.1:8000", "listen address (port 0: any free port)")
	name := fs.String("name", "", "model id served and expected in requests (default: the directory's name)")
	textOnly := fs.Bool("text-only", false, "drop image parts and answer from the text alone, saying so in each reply")
	maxTokens := fs.Int("max-tokens", 512, "default and largest max_tokens of a request")
	queue := fs.Int("queue", 64, "requests waiting at most; more get 429")
	maxBody := fs.Int64("max-body", 256<<20, "largest request body in bytes")
	grace := fs.Duration("grace", 2*time.Minute, "on SIGINT/SIGTERM, how long running requests may take to finish")
	var dev deviceFlags
	dev.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	usage := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "dsr4d serve: "+format+"\n", a...)
		return errUsage
	}
	switch {
	case fs.NArg() > 0:
		return usage("unexpected argument %q", fs.Arg(0))
	case *model == "":
		return usage("--model is required")
	case *maxTokens <= 0 || *queue <= 0 || *maxBody <= 0:
		return usage("--max-tokens, --queue and --max-body must be > 0")
	}
	if err := dev.check(); err != nil {
		return usage("%v", err)
	}
	if *name == "" {
		*name = filepath.Base(filepath.Clean(*model))
	}
	lm, err := openQwen("serve", *model, &dev)
	if err != nil {
		return err
	}
	defer lm.close()
	s := &server{lm: lm, name: *name, textOnly: *textOnly, maxTokens: *maxTokens, maxBody: *maxBody,
		jobs: make(chan *job, *queue), created: time.Now().Unix()}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	done := make(chan struct{})
	go func() { s.work(); close(done) }()
	hs := &http.Server{Handler: s.routes(), ReadHeaderTimeout: 30 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	fmt.Fprintf(stdout, "dsr4d serve: listening on http://%s (model %q, %s backend)\n", ln.Addr(), *name, lm.be.Name())
	select {
	case err := <-errc:
		close(s.jobs)
		<-done
		return err
	case <-ctx.Done():
	}
	slog.Info("serve: shutting down; finishing running requests", "grace", *grace)
	sctx, cancel := context.WithTimeout(context.Background(), *grace)
	defer cancel()
	s.closing.Store(true)
	if err := hs.Shutdown(sctx); err != nil { // waits for the handlers, and so for their jobs
		return fmt.Errorf("shutdown: requests still running after --grace %v: %w", *grace, err)
	}
	close(s.jobs) // no handler is left to send
	<-done
	fmt.Fprintln(stdout, "dsr4d serve: stopped")
	return nil
}

// server answers requests with one model; jobs run one at a time in work.
type server struct {
	lm        *qwenLM
	name      string
	textOnly  bool
	maxTokens int
	maxBody   int64
	jobs      chan *job
	created   int64
	closing   atomic.Bool
	seq       atomic.Int64
}

// job is one chat completion waiting for the model. work hands the text pieces to piece (when
// streaming) and closes done.
type job struct {
	ctx    context.Context
	msgs   []tokenizer.Message
	clips  []qwenvit.Clip // one per message with image parts, in order
	opt    qwen2.GenOptions
	stops  []string
	piece  func(string) bool
	text   string
	res    qwen2.Result
	err    error
	status int // of the error reply
	images int // parts dropped under --text-only
	done   chan struct{}
}

func (s *server) work() {
	for j := range s.jobs {
		s.run(j)
	}
}

// run answers one job; a panic (a bug) fails the job, not the server.
func (s *server) run(j *job) {
	defer close(j.done)
	defer func() {
		if r := recover(); r != nil {
			slog.Error("serve: request failed", "panic", r)
			j.err, j.status = fmt.Errorf("internal error: %v", r), http.StatusInternalServerError
		}
	}()
	if j.ctx.Err() != nil {
		j.err, j.status = j.ctx.Err(), 499
		return
	}
	j.text, j.res, j.err = s.lm.generate(j.msgs, j.clips, j.opt, j.stops, func(p string) bool {
		if j.ctx.Err() != nil {
			return false // the client left
		}
		if j.piece != nil {
			return j.piece(p)
		}
		return true
	})
	if j.err != nil {
		// What generate rejects is the request's (too long a prompt, bad sampling).
		j.status = http.StatusBadRequest
	}
}

func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/models", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			apiError(w, http.StatusMethodNotAllowed, "use GET")
			return
		}
		writeJSON(w, map[string]any{"object": "list", "data": []any{s.modelObject()}})
	})
	mux.HandleFunc("/v1/models/", func(w http.ResponseWriter, r *http.Request) {
		if strings.TrimPrefix(r.URL.Path, "/v1/models/") != s.name {
			apiError(w, http.StatusNotFound, fmt.Sprintf("model %q not found", strings.TrimPrefix(r.URL.Path, "/v1/models/")))
			return
		}
		writeJSON(w, s.modelObject())
	})
	mux.HandleFunc("/v1/chat/completions", s.chat)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		apiError(w, http.StatusNotFound, "no route "+r.URL.Path+" (this server has /v1/chat/completions and /v1/models)")
	})
	return mux
}

func (s *server) modelObject() map[string]any {
	return map[string]any{"id": s.name, "object": "model", "created": s.created, "owned_by": "dsr4d"}
}

// chatRequest is the part of an OpenAI chat completion request read here.
type chatRequest struct {
	Model               string          `json:"model"`
	Messages            []chatMessage   `json:"messages"`
	MaxTokens           *int            `json:"max_tokens"`
	MaxCompletionTokens *int            `json:"max_completion_tokens"`
	Temperature         *float64        `json:"temperature"`
	TopP                *float64        `json:"top_p"`
	TopK                *int            `json:"top_k"`
	Seed                *uint64         `json:"seed"`
	N                   *int            `json:"n"`
	Stop                json.RawMessage `json:"stop"`
	Stream              bool            `json:"stream"`
}

type chatMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

type chatPart struct {
	Type     string `json:"type"`
	Text     string `json:"text"`
	ImageURL *struct {
		URL string `json:"url"`
	} `json:"image_url"`
}

// parse turns a request into a job, or a message for a 4xx.
func (s *server) parse(r *chatRequest) (*job, int, string) {
	if r.Model != "" && r.Model != s.name {
		return nil, http.StatusNotFound, fmt.Sprintf("model %q not found: this server serves %q", r.Model, s.name)
	}
	if len(r.Messages) == 0 {
		return nil, http.StatusBadRequest, "messages: empty"
	}
	if r.N != nil && *r.N != 1 {
		return nil, http.StatusBadRequest, fmt.Sprintf("n: %d unsupported (one choice per request)", *r.N)
	}
	j := &job{opt: qwen2.GenOptions{MaxTokens: s.maxTokens}}
	images := 0
	for i, m := range r.Messages {
		switch m.Role {
		case "system", "user", "assistant":
		default:
			return nil, http.StatusBadRequest, fmt.Sprintf("messages[%d].role: %q (want system, user or assistant)", i, m.Role)
		}
		msg := tokenizer.Message{Role: m.Role}
		var frames []resample.Image
		var str string
		var parts []json.RawMessage
		switch {
		case json.Unmarshal(m.Content, &str) == nil:
			msg.Content = []tokenizer.Part{{Type: "text", Text: str}}
		case json.Unmarshal(m.Content, &parts) == nil:
			for k, raw := range parts {
				var p chatPart
				if err := json.Unmarshal(raw, &p); err != nil {
					return nil, http.StatusBadRequest, fmt.Sprintf("messages[%d].content[%d]: %v", i, k, err)
				}
				switch p.Type {
				case "text":
					msg.Content = append(msg.Content, tokenizer.Part{Type: "text", Text: p.Text})
				case "image_url":
					if s.textOnly {
						images++
						continue
					}
					if s.lm.vl == nil {
						return nil, http.StatusBadRequest, fmt.Sprintf("messages[%d].content[%d]: %v (serve --text-only drops image parts)", i, k, errNoVision)
					}
					if p.ImageURL == nil {
						return nil, http.StatusBadRequest, fmt.Sprintf("messages[%d].content[%d].image_url: missing", i, k)
					}
					img, err := decodeDataURL(p.ImageURL.URL, fmt.Sprintf("messages[%d].content[%d].image_url", i, k))
					if err != nil {
						return nil, http.StatusBadRequest, err.Error()
					}
					if len(frames) == 0 {
						msg.Content = append(msg.Content, tokenizer.Part{Type: "video"})
					}
					frames = append(frames, img)
				case "image", "video", "video_url", "input_image":
					if s.textOnly {
						images++
						continue
					}
					return nil, http.StatusBadRequest, fmt.Sprintf("messages[%d].content[%d].type: %q unsupported: send frames as image_url parts with base64 data URLs", i, k, p.Type)
				default:
					return nil, http.StatusBadRequest, fmt.Sprintf("messages[%d].content[%d].type: %q (want text or image_url)", i, k, p.Type)
				}
			}
		default:
			return nil, http.StatusBadRequest, fmt.Sprintf("messages[%d].content: want a string or an array of parts", i)
		}
		if len(frames) > 0 {
			clip, err := s.lm.framesClip(frames)
			if err != nil {
				return nil, http.StatusBadRequest, fmt.Sprintf("messages[%d]: frames: %v", i, err)
			}
			j.clips = append(j.clips, clip)
		}
		j.msgs = append(j.msgs, msg)
	}
	if mt := r.MaxTokens; mt != nil || r.MaxCompletionTokens != nil {
		if mt == nil {
			mt = r.MaxCompletionTokens
		}
		if *mt <= 0 || *mt > s.maxTokens {
			return nil, http.StatusBadRequest, fmt.Sprintf("max_tokens: %d, want 1 to %d (serve --max-tokens)", *mt, s.maxTokens)
		}
		j.opt.MaxTokens = *mt
	}
	if r.Temperature != nil {
		j.opt.Temperature = *r.Temperature
	}
	j.opt.TopP = 1
	if r.TopP != nil {
		j.opt.TopP = *r.TopP
	}
	if r.TopK != nil {
		j.opt.TopK = *r.TopK
	}
	if r.Seed != nil {
		j.opt.Seed = *r.Seed
	}
	if err := j.opt.Sampling.Check(); err != nil {
		return nil, http.StatusBadRequest, err.Error()
	}
	if len(r.Stop) > 0 && string(r.Stop) != "null" {
		var one string
		if json.Unmarshal(r.Stop, &one) == nil {
			j.stops = []string{one}
		} else if json.Unmarshal(r.Stop, &j.stops) != nil || len(j.stops) > 4 {
			return nil, http.StatusBadRequest, "stop: want a string or up to 4 strings"
		}
	}
	j.images = images
	return j, 0, ""
}

func (s *server) chat(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		apiError(w, http.StatusMethodNotAllowed, "use POST")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			apiError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body over %d bytes (serve --max-body)", s.maxBody))
			return
		}
		apiError(w, http.StatusBadRequest, "reading the body: "+err.Error())
		return
	}
	var req chatRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&req); err != nil {
		apiError(w, http.StatusBadRequest, "request body: "+err.Error())
		return
	}
	j, code, msg := s.parse(&req)
	if j == nil {
		apiError(w, code, msg)
		return
	}
	j.ctx, j.done = r.Context(), make(chan struct{})
	id := fmt.Sprintf("chatcmpl-%d", s.seq.Add(1))
	created := time.Now().Unix()
	var flusher http.Flusher
	started := false
	if req.Stream {
		flusher, _ = w.(http.Flusher)
		j.piece = func(p string) bool {
			if !started {
				started = true
				w.Header().Set("Content-Type", "text/event-stream")
				w.Header().Set("Cache-Control", "no-cache")
				s.event(w, id, created, map[string]any{"role": "assistant", "content": ""}, nil, nil, nil)
			}
			err := s.event(w, id, created, map[string]any{"content": p}, nil, nil, nil)
			if flusher != nil {
				flusher.Flush()
			}
			return err == nil
		}
	}
	if s.closing.Load() {
		apiError(w, http.StatusServiceUnavailable, "shutting down")
		return
	}
	select {
	case s.jobs <- j:
	default:
		w.Header().Set("Retry-After", "5")
		apiError(w, http.StatusTooManyRequests, fmt.Sprintf("queue full (%d waiting; serve --queue)", cap(s.jobs)))
		return
	}
	<-j.done
	if j.err != nil && !started {
		if j.status == 499 {
			return // the client left
		}
		apiError(w, j.status, j.err.Error())
		return
	}
	slog.Info("serve: reply", "id", id, "prompt_tokens", j.res.PromptTokens, "reply_tokens", len(j.res.IDs), "finish", j.res.Finish,
		"prefill_tok_s", int(finite(j.res.PrefillRate())), "decode_tok_s", int(finite(j.res.DecodeRate())))
	usage := map[string]any{"prompt_tokens": j.res.PromptTokens, "completion_tokens": len(j.res.IDs), "total_tokens": j.res.PromptTokens + len(j.res.IDs)}
	meta := map[string]any{"backend": s.lm.be.Name(), "prefill_tokens_per_s": finite(j.res.PrefillRate()), "decode_tokens_per_s": finite(j.res.DecodeRate())}
	if s.textOnly {
		meta["text_only"] = true
		meta["ignored_images"] = j.images
		meta["note"] = "served with --text-only: image and video parts were dropped; the reply comes from the text alone"
	}
	if req.Stream {
		if !started {
			w.Header().Set("Content-Type", "text/event-stream")
			s.event(w, id, created, map[string]any{"role": "assistant", "content": ""}, nil, nil, nil)
		}
		finish := j.res.Finish
		if j.err != nil {
			finish = "error"
		}
		s.event(w, id, created, map[string]any{}, &finish, usage, meta)
		io.WriteString(w, "data: [DONE]\n\n")
		return
	}
	writeJSON(w, map[string]any{"id": id, "object": "chat.completion", "created": created, "model": s.name,
		"choices": []any{map[string]any{"index": 0, "message": map[string]any{"role": "assistant", "content": j.text},
			"finish_reason": j.res.Finish}},
		"usage": usage, "dsr4d": meta})
}

// event writes one chat.completion.chunk.
func (s *server) event(w io.Writer, id string, created int64, delta map[string]any, finish *string, usage, meta map[string]any) error {
	c := map[string]any{"id": id, "object": "chat.completion.chunk", "created": created, "model": s.name,
		"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}}}
	if usage != nil {
		c["usage"], c["dsr4d"] = usage, meta
	}
	b, _ := json.Marshal(c)
	_, err := fmt.Fprintf(w, "data: %s\n\n", b)
	return err
}

func finite(x float64) float64 {
	if x != x || x > 1e300 || x < -1e300 {
		return 0
	}
	return x
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func apiError(w http.ResponseWriter, code int, msg string) {
	typ := "invalid_request_error"
	if code >= 500 {
		typ = "server_error"
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": typ, "code": code}})
}
