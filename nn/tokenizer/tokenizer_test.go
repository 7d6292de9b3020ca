package tokenizer

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// tinyJSON builds a small byte-level tokenizer.json: the 256 byte tokens, merges for
// "ab", "abc", "Ġa" (space + a) and "aa", and the given added tokens.
func tinyJSON(t testing.TB, added []AddedToken, mutate func(map[string]any)) string {
	t.Helper()
	vocab := map[string]int{}
	for b := range 256 {
		vocab[string(byteRune[b])] = b
	}
	merges := [][2]string{{"a", "b"}, {"ab", "c"}, {"Ġ", "a"}, {"a", "a"}, {"aa", "aa"}}
	for _, m := range merges {
		vocab[m[0]+m[1]] = len(vocab)
	}
	pre := map[string]any{"type": "Sequence", "pretokenizers": []any{
		map[string]any{"type": "Split", "pattern": map[string]any{"Regex": Qwen2Pattern}, "behavior": "Isolated", "invert": false},
		map[string]any{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false},
	}}
	f := map[string]any{
		"added_tokens":   added,
		"normalizer":     map[string]any{"type": "NFC"},
		"pre_tokenizer":  pre,
		"post_processor": map[string]any{"type": "ByteLevel"},
		"decoder":        map[string]any{"type": "ByteLevel"},
		"model": map[string]any{"type": "BPE", "vocab": vocab, "merges": merges, "dropout": nil,
			"continuing_subword_prefix": "", "end_of_word_suffix": "", "byte_fallback": false},
	}
	if mutate != nil {
		mutate(f)
	}
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func tiny(t testing.TB, added ...AddedToken) *Tokenizer {
	t.Helper()
	tok, err := Load(strings.NewReader(tinyJSON(t, added, nil)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestMerges(t *testing.T) {
	t.Parallel()
	tok := tiny(t)
	id := func(s string) int { i, _ := tok.ID(s); return i }
	// Ranks decide, not length: " ab" has Ġ+a (rank 2) and a+b (rank 0); a+b wins.
	if got, want := tok.Encode(" ab"), []int{id("Ġ"), id("ab")}; !slices.Equal(got, want) {
		t.Errorf(`" ab": %v, want %v`, got, want)
	}
	if got, want := tok.Encode("aaa"), []int{id("aa"), id("a")}; !slices.Equal(got, want) {
		t.Errorf(`"aaa": %v, want %v`, got, want)
	}
	if got, want := tok.Encode("aaaa"), []int{id("aaaa")}; !slices.Equal(got, want) {
		t.Errorf(`"aaaa": %v, want %v`, got, want)
	}
	if got, want := tok.Encode("abcab"), []int{id("abc"), id("ab")}; !slices.Equal(got, want) {
		t.Errorf(`"abcab": %v, want %v`, got, want)
	}
	// A long piece goes through the same heap as a short one.
	long := strings.Repeat("a", 1001)
	ids := tok.Encode(long)
	if len(ids) != 251 || ids[250] != id("a") || tok.Decode(ids, false) != long {
		t.Errorf("1001 a: %d ids, last %d", len(ids), ids[len(ids)-1])
	}
}

func TestAddedTokenFlags(t *testing.T) {
	t.Parallel()
	tok := tiny(t,
		AddedToken{ID: 1000, Content: "<L>", LStrip: true, Special: true},
		AddedToken{ID: 1001, Content: "<R>", RStrip: true},
		AddedToken{ID: 1002, Content: "<W>", SingleWord: true},
		AddedToken{ID: 1003, Content: "<N>", Normalized: true},
		AddedToken{ID: 1004, Content: "<LL>"},                       // longest match wins over <L>
		AddedToken{ID: 1005, Content: "e\u0301x", Normalized: true}, // matched as NFC "éx"
	)
	seg := func(s string) []string {
		var out []string
		for _, sg := range tok.raw.split(nil, s) {
			if sg.tok != nil {
				out = append(out, "["+sg.text+"]")
			} else {
				out = append(out, sg.text)
			}
		}
		return out
	}
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"x  <L>y", []string{"x", "[  <L>]", "y"}},
		{"x<R>  \n y", []string{"x", "[<R>  \n ]", "y"}},
		{"a <W> b", []string{"a ", "[<W>]", " b"}},
		{"a<W> b", []string{"a<W> b"}}, // touches a word: not matched
		{"<W>_", []string{"<W>_"}},
		{"<LL><L>", []string{"[<LL>]", "[<L>]"}},
		{"<R> <L>", []string{"[<R> ]", "[<L>]"}}, // lstrip stops at the previous match
		{"<N>", []string{"<N>"}},                 // normalised tokens are found after NFC
	} {
		if got := seg(c.in); !slices.Equal(got, c.want) {
			t.Errorf("%q: %q, want %q", c.in, got, c.want)
		}
	}
	// A normalised added token matches the normalised text, whichever form the input has.
	if got := tok.Encode("\u00e9x<N>e\u0301x"); !slices.Equal(got, []int{1005, 1003, 1005}) {
		t.Errorf("normalised added tokens: %v", got)
	}
	if got := tok.Decode([]int{'a', 1000, 1001, 'b'}, true); got != "a<R>b" {
		t.Errorf("skip special: %q", got)
	}
}

func TestDecodeLossy(t *testing.T) {
	t.Parallel()
	tok := tiny(t)
	for _, c := range []struct {
		in   []byte
		want string
	}{
		{[]byte{0xE2, 0x82}, "\uFFFD"},                   // truncated 3-byte sequence: one U+FFFD
		{[]byte{0xE2, 0x82, 'x'}, "\uFFFDx"},             //
		{[]byte{0xF0, 0x9F, 0x98}, "\uFFFD"},             // truncated emoji
		{[]byte{0xC0, 0xAF}, "\uFFFD\uFFFD"},             // overlong: each byte
		{[]byte{0xED, 0xA0, 0x80}, "\uFFFD\uFFFD\uFFFD"}, // surrogate: ED then A0 is out of range
		{[]byte{0xF4, 0x90, 0x80, 0x80}, "\uFFFD\uFFFD\uFFFD\uFFFD"},
		{[]byte{0xFF, 'a', 0x80}, "\uFFFDa\uFFFD"},
		{[]byte("ok é"), "ok é"},
	} {
		ids := make([]int, len(c.in))
		for i, b := range c.in {
			ids[i] = int(b) // byte tokens have the byte's id in tiny
		}
		if got := tok.Decode(ids, false); got != c.want {
			t.Errorf("% x: %q, want %q", c.in, got, c.want)
		}
	}
	if got := tok.Decode([]int{'a', 99999, -1, 'b'}, false); got != "ab" {
		t.Errorf("unknown ids are skipped: %q", got)
	}
	// Invalid UTF-8 input reads as U+FFFD per byte.
	if got := tok.Decode(tok.Encode("a\xffb\xe2\x82"), false); got != "a\uFFFDb\uFFFD\uFFFD" {
		t.Errorf("invalid input: %q", got)
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		mutate func(map[string]any)
		want   string
	}{
		{func(f map[string]any) { f["normalizer"] = map[string]any{"type": "NFKC"} }, "normalizer"},
		{func(f map[string]any) { f["decoder"] = map[string]any{"type": "WordPiece"} }, "decoder"},
		{func(f map[string]any) { f["post_processor"] = map[string]any{"type": "TemplateProcessing"} }, "post_processor"},
		{func(f map[string]any) { f["pre_tokenizer"] = map[string]any{"type": "Whitespace"} }, "pre_tokenizer"},
		{func(f map[string]any) {
			f["pre_tokenizer"].(map[string]any)["pretokenizers"].([]any)[0].(map[string]any)["pattern"] = map[string]any{"Regex": `\w+`}
		}, "pretokenizers[0]"},
		{func(f map[string]any) { f["model"].(map[string]any)["type"] = "WordPiece" }, "model.type"},
		{func(f map[string]any) { f["model"].(map[string]any)["byte_fallback"] = true }, "model.byte_fallback"},
		{func(f map[string]any) { f["model"].(map[string]any)["merges"] = []any{"a b", "x"} }, "model.merges"},
		{func(f map[string]any) { f["model"].(map[string]any)["merges"] = []any{[]string{"a", "zz"}} }, "model.merges[0]"},
		{func(f map[string]any) { delete(f["model"].(map[string]any)["vocab"].(map[string]int), "Ā") }, "no token for byte 0x00"},
		{func(f map[string]any) { delete(f, "model") }, "model: missing"},
		{func(f map[string]any) {
			f["added_tokens"] = []AddedToken{{ID: 5, Content: "x"}, {ID: 5, Content: "y"}}
		}, "added_tokens[0]"}, // "x" is in the vocab with another id
	} {
		_, err := Load(strings.NewReader(tinyJSON(t, nil, c.mutate)), Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("want an error naming %q, got %v", c.want, err)
		}
	}
	if _, err := Load(strings.NewReader("{"), Options{}); err == nil {
		t.Error("truncated JSON: no error")
	}
	if _, err := LoadFile("testdata/nonexistent.json", Options{}); err == nil || !strings.Contains(err.Error(), "nonexistent.json") {
		t.Errorf("missing file: %v", err)
	}
	// "a b" merges (the older format) load like pairs.
	tok, err := Load(strings.NewReader(tinyJSON(t, nil, func(f map[string]any) {
		f["model"].(map[string]any)["merges"] = []string{"a b", "ab c"}
	})), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := tok.Encode("abc"); len(got) != 1 {
		t.Errorf("string merges: %v", got)
	}
}

// TestQwenAddedSets: Qwen3's file loads as Qwen2.5-VL with LastAddedID; <think> is one
// token in Qwen3 and plain text in Qwen2.5-VL.
func TestQwenAddedSets(t *testing.T) {
	tok := qwen25VL(t)
	added := tok.Added()
	if len(added) != 22 || added[0].Content != "<|endoftext|>" || added[0].ID != 151643 ||
		added[21].Content != "<|file_sep|>" || added[21].ID != 151664 {
		t.Fatalf("Qwen2.5-VL added tokens: %d, first %+v, last %+v", len(added), added[0], added[len(added)-1])
	}
	q, err := tok.QwenIDs()
	if want := (QwenIDs{151643, 151644, 151645, 151652, 151653, 151655, 151656}); err != nil || q != want {
		t.Errorf("QwenIDs: %+v, %v; want %+v", q, err, want)
	}
	if _, err := tiny(t).QwenIDs(); err == nil || !strings.Contains(err.Error(), "<|endoftext|>") {
		t.Errorf("QwenIDs of a tokenizer without them: %v", err)
	}
	if tok.VocabSize() != 151643+22 {
		t.Errorf("vocab size %d", tok.VocabSize())
	}
	q3, err := LoadFile(qwenJSONPath(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := q3.Encode("<think>"); !slices.Equal(got, []int{151667}) {
		t.Errorf("Qwen3 <think>: %v", got)
	}
	if got := tok.Encode("<think>"); len(got) < 2 || slices.Contains(got, 151667) {
		t.Errorf("Qwen2.5-VL <think>: %v", got)
	}
}
