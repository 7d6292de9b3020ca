package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/dsr4d/dsr4d/pipeline/llm"
)

// llmFlags are the endpoint flags shared by eval --endpoint, qa --nontemplate and curate.
type llmFlags struct {
	endpoint, model, keyEnv, cache string
	concurrency, retries, budget   int
	maxTokens                      int
	temperature                    float64
	timeout                        time.Duration
	stream                         bool
}

// add registers the flags; cacheHelp says where the reply cache goes by default.
func (f *llmFlags) add(fs *flag.FlagSet, cacheHelp string) {
	fs.StringVar(&f.endpoint, "endpoint", "", "OpenAI-compatible server base URL, e.g. http://127.0.0.1:8000/v1 (vLLM), http://127.0.0.1:8080/v1 (llama-server), https://api.openai.com/v1")
	fs.StringVar(&f.model, "model", "", "model name the endpoint serves (the request's \"model\")")
	fs.StringVar(&f.keyEnv, "api-key-env", "OPENAI_API_KEY", "name of the environment variable holding the API key (the key itself is never a flag; unset: no Authorization header)")
	fs.StringVar(&f.cache, "cache", "", "reply cache directory, keyed by model and request hash; a rerun asks nothing it has a reply for (default: "+cacheHelp+")")
	fs.IntVar(&f.concurrency, "concurrency", 4, "requests in flight at most")
	fs.IntVar(&f.retries, "retries", 5, "retries per request after the first try (429, 5xx, timeouts, malformed or unparsable replies)")
	fs.IntVar(&f.budget, "budget", 0, "stop after this many HTTP requests (retries count, cached replies do not); 0: no limit")
	fs.IntVar(&f.maxTokens, "max-tokens", 0, "max_tokens of each request (0: the server's default)")
	fs.Float64Var(&f.temperature, "temperature", -1, "sampling temperature sent with each request (negative: the server's default)")
	fs.DurationVar(&f.timeout, "timeout", 5*time.Minute, "limit for one request, reply included")
	fs.BoolVar(&f.stream, "stream", false, "stream replies (server-sent events)")
}

// client returns the endpoint client; cacheDir is used when --cache is not given.
func (f *llmFlags) client(cacheDir string) (*llm.Client, error) {
	if f.cache != "" {
		cacheDir = f.cache
	}
	retries := f.retries
	if retries <= 0 {
		retries = -1 // llm: negative is none, 0 the default
	}
	return llm.New(llm.Config{Endpoint: f.endpoint, Model: f.model, APIKeyEnv: f.keyEnv, Timeout: f.timeout,
		Concurrency: f.concurrency, MaxRetries: retries, Budget: f.budget,
		Stream: f.stream, CacheDir: cacheDir})
}

// request returns a request of messages with the flags' sampling settings.
func (f *llmFlags) request(msgs ...llm.Message) llm.Request {
	r := llm.Request{Messages: msgs, MaxTokens: f.maxTokens}
	if f.temperature >= 0 {
		t := f.temperature
		r.Temperature = &t
	}
	return r
}

// check reports missing endpoint flags as a usage error.
func (f *llmFlags) check(stderr io.Writer, cmd string) error {
	if f.endpoint == "" || f.model == "" {
		fmt.Fprintf(stderr, "dsr4d %s: --endpoint and --model are required\nRun 'dsr4d %s -h' for the flags.\n", cmd, cmd)
		return errUsage
	}
	return nil
}

// etaLine prints a line at most every interval: done/total, rate, ETA and the client's tally.
type etaLine struct {
	w        io.Writer
	what     string
	total    int
	start    time.Time
	last     time.Time
	interval time.Duration
}

func newETALine(w io.Writer, what string, total int) *etaLine {
	return &etaLine{w: w, what: what, total: total, start: time.Now(), interval: 2 * time.Second}
}

// update reports done items; final forces a line.
func (p *etaLine) update(done, failed int, st llm.Stats, final bool) {
	now := time.Now()
	if !final && now.Sub(p.last) < p.interval {
		return
	}
	p.last = now
	el := now.Sub(p.start)
	eta := "?"
	if done > 0 && done < p.total {
		eta = (time.Duration(float64(el) / float64(done) * float64(p.total-done))).Round(time.Second).String()
	} else if done >= p.total {
		eta = "0s"
	}
	fmt.Fprintf(p.w, "%s: %d/%d (%.0f%%) %d failed, %d cached, %d requests (%d retries), %d+%d tokens, mean latency %v, elapsed %v, ETA %s\n",
		p.what, done, p.total, 100*float64(done)/float64(max(p.total, 1)), failed, st.CacheHits, st.Requests, st.Retries,
		st.PromptTokens, st.CompletionTokens, st.MeanLatency().Round(time.Millisecond), el.Round(time.Second), eta)
}

// logStats logs the client's final accounting.
func logStats(st llm.Stats) {
	slog.Info("endpoint", "calls", st.Calls, "cached", st.CacheHits, "requests", st.Requests, "retries", st.Retries,
		"failed", st.Failed, "failures", st.Failures, "prompt_tokens", st.PromptTokens,
		"completion_tokens", st.CompletionTokens, "mean_latency", st.MeanLatency(), "max_latency", st.LatencyMax)
}

// runEach calls fn(i) for i in [0, n), workers at a time, printing progress with an ETA; it
// returns the errors by index (nil where fn succeeded) and logs each failure as it happens.
func runEach(n, workers int, client *llm.Client, what string, stderr io.Writer, fn func(i int) error) []error {
	errs := make([]error, n)
	jobs := make(chan int)
	var mu sync.Mutex
	done, failed := 0, 0
	prog := newETALine(stderr, what, n)
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				err := fn(i)
				mu.Lock()
				errs[i] = err
				done++
				if err != nil {
					failed++
					slog.Warn(what+": failed", "err", err)
				}
				prog.update(done, failed, client.Stats(), done == n)
				mu.Unlock()
			}
		}()
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return errs
}
