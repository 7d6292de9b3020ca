package tokenizer

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkEncode times this package and transformers.js on the same corpora in the same
// run — mixed: the 12,000 strings of TestMatchesJS; questions: DSR question prompts — go/warm after one pass has filled the word cache (JS's LRU cache is warm the same
// way: node reports the best of 3 passes after an untimed one), go/cold with a fresh cache
// per pass. js runs node once and reports node's own timing (b.N is moot there).
//
//	go test -run '^$' -bench Encode -benchtime 3x ./nn/tokenizer/
func BenchmarkEncode(b *testing.B) {
	b.Run("mixed", func(b *testing.B) { benchEncode(b, corpus(12000)) })
	b.Run("questions", func(b *testing.B) { benchEncode(b, questions(rand.New(rand.NewPCG(1, 2)), 4000)) })
}

// benchEncode times Go and JS on texts; see BenchmarkEncode.
func benchEncode(b *testing.B, texts []string) {
	tok := qwen25VL(b)
	ntok := 0
	for _, s := range texts {
		ntok += len(tok.Encode(s))
	}
	pass := func() {
		for _, s := range texts {
			tok.Encode(s)
		}
	}
	rate := func(b *testing.B) float64 { return float64(ntok) * float64(b.N) / b.Elapsed().Seconds() }
	var goRate float64
	b.Run("go/warm", func(b *testing.B) {
		for b.Loop() {
			pass()
		}
		goRate = rate(b)
		b.ReportMetric(goRate, "tok/s")
	})
	b.Run("go/cold", func(b *testing.B) {
		for b.Loop() {
			tok.model.mu.Lock()
			clear(tok.model.cache)
			tok.model.mu.Unlock()
			pass()
		}
		b.ReportMetric(rate(b), "tok/s")
	})
	b.Run("js", func(b *testing.B) {
		js := runJS(b, texts, 3)
		if ntok != js.Tokens {
			b.Fatalf("go made %d tokens, js %d", ntok, js.Tokens)
		}
		for b.Loop() {
		}
		jsRate := float64(js.Tokens) / js.Seconds
		b.ReportMetric(jsRate, "tok/s")
		if goRate > 0 {
			b.Logf("%d strings, %d tokens: go/warm %.0f tok/s = %.1f× js", len(texts), ntok, goRate, goRate/jsRate)
		}
	})
}

// BenchmarkLoad times reading Qwen's 11 MB tokenizer.json.
func BenchmarkLoad(b *testing.B) {
	p := qwenJSONPath(b)
	for b.Loop() {
		if _, err := LoadFile(p, Options{LastAddedID: Qwen25VLLastAddedID}); err != nil {
			b.Fatal(err)
		}
	}
}
