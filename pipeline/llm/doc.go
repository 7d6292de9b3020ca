// Package llm is dsr4d's one client for models behind an OpenAI-style chat-completions endpoint
// (POST {base}/chat/completions), which is what vLLM, llama.cpp's llama-server, SGLang, Ollama
// and hosted APIs serve. `dsr4d eval --endpoint`, `dsr4d qa --nontemplate` and `dsr4d curate`
// all talk to models through it.
//
// What it does, per Complete call:
//
//   - Cache. The request's content (model, messages with every text and image byte, max_tokens,
//     temperature; not the stream switch) is hashed with SHA-256; a reply stored under
//     Config.CacheDir/<model>/<hash[:2]>/<hash>.json is returned without a request. A reply is
//     stored (temporary file, fsync, rename) the moment it arrives, so a killed run resumes
//     without paying twice, and a changed prompt or image has another hash and is never served
//     a stale reply. A stored file whose model or hash does not match is ignored and rewritten.
//   - Concurrency. At most Config.Concurrency requests are in flight (a semaphore), however
//     many goroutines call Complete.
//   - Retries. 429, 5xx, transport errors, per-request timeouts, a body that is not the
//     protocol's JSON (truncated, malformed, no choices, a stream cut before [DONE]) and a reply
//     that Request.Validate rejects are retried up to Config.MaxRetries times with exponential
//     backoff and full jitter (base·2^k, capped at BackoffMax); a Retry-After header (seconds or
//     an HTTP date) is honoured as the least wait, up to Config.MaxWait (a longer one fails the
//     call rather than stall the run). Other 4xx are not retried. Every failure is
//     counted in Stats by kind; the final error says what happened on the last try.
//   - Budget. Config.Budget caps the HTTP requests the client sends (retries count, cache hits do
//     not); past it Complete returns ErrBudget, so a run stops instead of spending without bound.
//   - Accounting. Prompt and completion tokens from the reply's usage (streaming: the last
//     chunk's usage, asked for with stream_options.include_usage), latency per request.
//   - Key. The API key comes only from the environment variable Config.APIKeyEnv (default
//     OPENAI_API_KEY), is sent as "Authorization: Bearer …", and appears in no error, log line,
//     cache file or Stats. Without it no Authorization header is sent (local servers).
//   - Streaming. With Config.Stream the request asks for server-sent events and the reply is the
//     concatenated choices[0].delta.content.
//
// net/http and encoding/json suffice: the protocol is one POST and one JSON (or SSE) body, and
// a client library (e.g. openai-go) would add a dependency tree without giving the cache,
// budget and per-kind accounting that are most of this package.
package llm
