package tokenizer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"
)

// Qwen25VLLastAddedID is the last added token of Qwen2.5-VL (<|file_sep|>): its
// tokenizer.json has the 22 added tokens 151643 (<|endoftext|>) … 151664. Qwen3's
// tokenizer.json, the same BPE, adds <tool_response>, <think> and more after it; loading
// that file with Options{LastAddedID: Qwen25VLLastAddedID} gives Qwen2.5-VL's tokenizer.
const Qwen25VLLastAddedID = 151664

// Options adjust how a tokenizer.json is loaded.
type Options struct {
	// LastAddedID, when positive, drops the added tokens with a larger id, so that their
	// text is encoded by the BPE like any other text.
	LastAddedID int
}

// Tokenizer is a byte-level BPE tokenizer loaded from a Hugging Face tokenizer.json, with
// Qwen2's pre-tokenizer. It is safe for concurrent use.
type Tokenizer struct {
	model      bpe
	nfc        bool // the normaliser: NFC, or none
	added      []*AddedToken
	addedByID  map[int]*AddedToken
	raw, normd *matcher // added tokens matched before / after normalisation
}

// LoadFile reads a tokenizer.json.
func LoadFile(path string, opt Options) (*Tokenizer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	defer f.Close()
	t, err := Load(f, opt)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// file is the part of tokenizer.json this package reads.
type file struct {
	AddedTokens   []*AddedToken   `json:"added_tokens"`
	Normalizer    json.RawMessage `json:"normalizer"`
	PreTokenizer  json.RawMessage `json:"pre_tokenizer"`
	Decoder       json.RawMessage `json:"decoder"`
	Model         *modelJSON      `json:"model"`
	PostProcessor json.RawMessage `json:"post_processor"`
}

type modelJSON struct {
	Type                    string          `json:"type"`
	Vocab                   map[string]int  `json:"vocab"`
	Merges                  json.RawMessage `json:"merges"`
	Dropout                 *float64        `json:"dropout"`
	UnkToken                *string         `json:"unk_token"`
	ContinuingSubwordPrefix *string         `json:"continuing_subword_prefix"`
	EndOfWordSuffix         *string         `json:"end_of_word_suffix"`
	ByteFallback            bool            `json:"byte_fallback"`
	IgnoreMerges            bool            `json:"ignore_merges"`
}

type typed struct {
	Type string `json:"type"`
}

// Load reads a tokenizer.json from r. It accepts what Qwen2-family tokenizers use — a BPE
// model, an NFC normaliser (or none), the Split(Qwen2Pattern, Isolated) + ByteLevel
// pre-tokenizer, a ByteLevel decoder — and names the field of anything else.
func Load(r io.Reader, opt Options) (*Tokenizer, error) {
	var f file
	if err := json.NewDecoder(r).Decode(&f); err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	t := &Tokenizer{addedByID: map[int]*AddedToken{}}

	switch n := strings.TrimSpace(string(f.Normalizer)); n {
	case "", "null":
	default:
		var ty typed
		if err := json.Unmarshal(f.Normalizer, &ty); err != nil || ty.Type != "NFC" {
			return nil, fmt.Errorf("tokenizer: normalizer: unsupported %s (want NFC or null)", short(n))
		}
		t.nfc = true
	}
	if err := checkPreTokenizer(f.PreTokenizer); err != nil {
		return nil, err
	}
	if d := strings.TrimSpace(string(f.Decoder)); d != "" && d != "null" {
		var ty typed
		if err := json.Unmarshal(f.Decoder, &ty); err != nil || ty.Type != "ByteLevel" {
			return nil, fmt.Errorf("tokenizer: decoder: unsupported %s (want ByteLevel)", short(d))
		}
	}
	if p := strings.TrimSpace(string(f.PostProcessor)); p != "" && p != "null" {
		var ty typed
		if err := json.Unmarshal(f.PostProcessor, &ty); err != nil || ty.Type != "ByteLevel" {
			// Others (TemplateProcessing) add tokens around the sequence; Qwen's adds none.
			return nil, fmt.Errorf("tokenizer: post_processor: unsupported %s (want ByteLevel or null)", short(p))
		}
	}
	if err := t.model.load(f.Model); err != nil {
		return nil, err
	}

	for i, a := range f.AddedTokens {
		if a == nil || a.Content == "" || a.ID < 0 {
			return nil, fmt.Errorf("tokenizer: added_tokens[%d]: empty content or negative id", i)
		}
		if opt.LastAddedID > 0 && a.ID > opt.LastAddedID {
			continue
		}
		if _, dup := t.addedByID[a.ID]; dup {
			return nil, fmt.Errorf("tokenizer: added_tokens[%d]: id %d listed twice", i, a.ID)
		}
		if id, ok := t.model.vocab[a.Content]; ok && int(id) != a.ID {
			return nil, fmt.Errorf("tokenizer: added_tokens[%d]: %q has id %d but the vocab gives %d", i, a.Content, a.ID, id)
		}
		t.added = append(t.added, a)
		t.addedByID[a.ID] = a
	}
	var raw, normd []*AddedToken
	for _, a := range t.added {
		if a.Normalized {
			normd = append(normd, a)
		} else {
			raw = append(raw, a)
		}
	}
	t.raw = newMatcher(raw, func(a *AddedToken) string { return a.Content })
	t.normd = newMatcher(normd, func(a *AddedToken) string { return t.normalize(a.Content) })
	return t, nil
}

// checkPreTokenizer accepts Qwen2's pre-tokenizer only: the splitter is written for its
// pattern.
func checkPreTokenizer(raw json.RawMessage) error {
	var seq struct {
		Type          string `json:"type"`
		PreTokenizers []struct {
			Type    string `json:"type"`
			Pattern struct {
				Regex *string `json:"Regex"`
			} `json:"pattern"`
			Behavior       string `json:"behavior"`
			Invert         bool   `json:"invert"`
			AddPrefixSpace bool   `json:"add_prefix_space"`
			UseRegex       bool   `json:"use_regex"`
		} `json:"pretokenizers"`
	}
	if err := json.Unmarshal(raw, &seq); err != nil {
		return fmt.Errorf("tokenizer: pre_tokenizer: %w", err)
	}
	p := seq.PreTokenizers
	switch {
	case seq.Type != "Sequence" || len(p) != 2:
		return fmt.Errorf("tokenizer: pre_tokenizer: unsupported %s (want Sequence of Split and ByteLevel)", short(string(raw)))
	case p[0].Type != "Split" || p[0].Pattern.Regex == nil || *p[0].Pattern.Regex != Qwen2Pattern:
		return fmt.Errorf("tokenizer: pre_tokenizer.pretokenizers[0]: want Split with Qwen2's regex, got %s", short(string(raw)))
	case p[0].Behavior != "Isolated" || p[0].Invert:
		return fmt.Errorf("tokenizer: pre_tokenizer.pretokenizers[0]: behavior %q invert %v (want Isolated, false)", p[0].Behavior, p[0].Invert)
	case p[1].Type != "ByteLevel" || p[1].AddPrefixSpace || p[1].UseRegex:
		return fmt.Errorf("tokenizer: pre_tokenizer.pretokenizers[1]: want ByteLevel without add_prefix_space and use_regex")
	}
	return nil
}

func (m *bpe) load(j *modelJSON) error {
	switch {
	case j == nil:
		return fmt.Errorf("tokenizer: model: missing")
	case j.Type != "BPE":
		return fmt.Errorf("tokenizer: model.type: %q (want BPE)", j.Type)
	case j.Dropout != nil && *j.Dropout != 0:
		return fmt.Errorf("tokenizer: model.dropout: %v unsupported", *j.Dropout)
	case j.ByteFallback:
		return fmt.Errorf("tokenizer: model.byte_fallback: unsupported")
	case j.IgnoreMerges:
		return fmt.Errorf("tokenizer: model.ignore_merges: unsupported")
	case j.ContinuingSubwordPrefix != nil && *j.ContinuingSubwordPrefix != "":
		return fmt.Errorf("tokenizer: model.continuing_subword_prefix: unsupported")
	case j.EndOfWordSuffix != nil && *j.EndOfWordSuffix != "":
		return fmt.Errorf("tokenizer: model.end_of_word_suffix: unsupported")
	case len(j.Vocab) == 0:
		return fmt.Errorf("tokenizer: model.vocab: empty")
	}
	m.vocab = make(map[string]int32, len(j.Vocab))
	maxID := 0
	for tok, id := range j.Vocab {
		if id < 0 || id >= 1<<30 {
			return fmt.Errorf("tokenizer: model.vocab[%q]: id %d out of range", tok, id)
		}
		m.vocab[tok] = int32(id)
		maxID = max(maxID, id)
	}
	m.tokens = make([]string, maxID+1)
	for tok, id := range m.vocab {
		m.tokens[id] = tok
	}
	for b := range 256 {
		id, ok := m.vocab[string(byteRune[b])]
		if !ok {
			return fmt.Errorf("tokenizer: model.vocab: no token for byte 0x%02x (%q): not a byte-level vocabulary", b, byteRune[b])
		}
		m.byteID[b] = id
	}
	// Merges are [a, b] pairs (tokenizers ≥ 0.20) or "a b" lines (older files).
	var pairs [][]string
	if err := json.Unmarshal(j.Merges, &pairs); err != nil {
		var lines []string
		if err2 := json.Unmarshal(j.Merges, &lines); err2 != nil {
			return fmt.Errorf("tokenizer: model.merges: neither [a, b] pairs nor \"a b\" lines: %w", err)
		}
		pairs = make([][]string, len(lines))
		for i, l := range lines {
			if strings.Count(l, " ") != 1 {
				return fmt.Errorf("tokenizer: model.merges[%d]: %q is not \"a b\"", i, l)
			}
			a, b, _ := strings.Cut(l, " ")
			pairs[i] = []string{a, b}
		}
	}
	m.merges = make(map[uint64]merge, len(pairs))
	for i, p := range pairs {
		if len(p) != 2 {
			return fmt.Errorf("tokenizer: model.merges[%d]: %d strings, want 2", i, len(p))
		}
		a, b := p[0], p[1]
		ia, oka := m.vocab[a]
		ib, okb := m.vocab[b]
		im, okm := m.vocab[a+b]
		if !oka || !okb || !okm {
			return fmt.Errorf("tokenizer: model.merges[%d]: %q + %q: a token is not in the vocab", i, a, b)
		}
		if _, dup := m.merges[pairKey(ia, ib)]; !dup { // the first (lowest) rank wins
			m.merges[pairKey(ia, ib)] = merge{rank: int32(i), id: im}
		}
	}
	m.cache = map[string][]int32{}
	return nil
}

// short abbreviates JSON for an error message.
func short(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}

func (t *Tokenizer) normalize(s string) string {
	if t.nfc {
		return nfc(s)
	}
	return s
}

// Encode returns the ids of s, as Hugging Face's tokenizer.encode(s).ids does (Qwen adds
// no special tokens around the sequence). Added tokens in s — <|im_start|>, <|vision_start|>
// — are recognised. Invalid UTF-8 bytes are read as U+FFFD each.
func (t *Tokenizer) Encode(s string) []int {
	return t.AppendEncode(nil, s)
}

// AppendEncode appends the ids of s to dst.
func (t *Tokenizer) AppendEncode(dst []int, s string) []int {
	if !utf8.ValidString(s) {
		s = string([]rune(s)) // each invalid byte becomes U+FFFD
	}
	var segs, segs2 []segment
	var pieces []string
	for _, sg := range t.raw.split(segs, s) {
		if sg.tok != nil {
			dst = append(dst, sg.tok.ID)
			continue
		}
		segs2 = t.normd.split(segs2[:0], t.normalize(sg.text))
		for _, sg2 := range segs2 {
			if sg2.tok != nil {
				dst = append(dst, sg2.tok.ID)
				continue
			}
			pieces = splitQwen2(pieces[:0], sg2.text)
			for _, p := range pieces {
				dst = t.model.encodeWord(dst, p)
			}
		}
	}
	return dst
}

// Decode returns the text of ids, as Hugging Face's tokenizer.decode(ids,
// skip_special_tokens) does: the tokens' bytes (an added token's own text where a rune is
// not byte-level) concatenated and read as UTF-8, each maximal invalid subsequence
// replaced by U+FFFD. Ids with no token are skipped, as Hugging Face skips them.
func (t *Tokenizer) Decode(ids []int, skipSpecial bool) string {
	var buf []byte
	for _, id := range ids {
		tok, ok := t.Token(id)
		if !ok {
			continue
		}
		if a := t.addedByID[id]; a != nil && skipSpecial && a.Special {
			continue
		}
		buf = appendTokenBytes(buf, tok)
	}
	return lossyUTF8(buf)
}

// appendTokenBytes maps a token's runes back to bytes; a token with a rune outside the
// byte-level alphabet contributes its UTF-8 text instead (Hugging Face's ByteLevel decoder).
func appendTokenBytes(dst []byte, tok string) []byte {
	n := len(dst)
	for _, r := range tok {
		b, ok := runeByte[r]
		if !ok {
			return append(dst[:n], tok...)
		}
		dst = append(dst, b)
	}
	return dst
}

// lossyUTF8 is String::from_utf8_lossy (and the WHATWG decoder): each maximal subpart of
// an ill-formed sequence becomes one U+FFFD. Go's utf8.DecodeRune reports an error per
// byte, so a truncated sequence like E2 82 needs the subpart rule spelled out.
func lossyUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var out bytes.Buffer
	out.Grow(len(b) + 8)
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError || n > 1 {
			out.Write(b[i : i+n])
			i += n
			continue
		}
		out.WriteRune(utf8.RuneError)
		i += maximalSubpart(b[i:])
	}
	return out.String()
}

// maximalSubpart returns the length of the longest prefix of b that starts a well-formed
// sequence but is cut short (at least 1): Unicode's "maximal subpart" (Table 3-7 ranges).
func maximalSubpart(b []byte) int {
	c := b[0]
	var need int
	lo, hi := byte(0x80), byte(0xBF) // the second byte's range
	switch {
	case c >= 0xC2 && c <= 0xDF:
		need = 1
	case c == 0xE0:
		need, lo = 2, 0xA0
	case c >= 0xE1 && c <= 0xEC, c == 0xEE, c == 0xEF:
		need = 2
	case c == 0xED:
		need, hi = 2, 0x9F
	case c == 0xF0:
		need, lo = 3, 0x90
	case c >= 0xF1 && c <= 0xF3:
		need = 3
	case c == 0xF4:
		need, hi = 3, 0x8F
	default:
		return 1
	}
	i := 1
	for ; i <= need && i < len(b); i++ {
		x := b[i]
		if i == 1 && (x < lo || x > hi) || i > 1 && (x < 0x80 || x > 0xBF) {
			break
		}
	}
	return i
}

// Token returns the string of id: a vocabulary token (byte-level runes) or an added token.
func (t *Tokenizer) Token(id int) (string, bool) {
	if a := t.addedByID[id]; a != nil {
		return a.Content, true
	}
	if id >= 0 && id < len(t.model.tokens) && t.model.tokens[id] != "" {
		return t.model.tokens[id], true
	}
	return "", false
}

// ID returns the id of a token string: an added token's content or a vocabulary token.
func (t *Tokenizer) ID(tok string) (int, bool) {
	for _, a := range t.added {
		if a.Content == tok {
			return a.ID, true
		}
	}
	id, ok := t.model.vocab[tok]
	return int(id), ok
}

// Added returns the added tokens, in the file's order.
func (t *Tokenizer) Added() []AddedToken {
	out := make([]AddedToken, len(t.added))
	for i, a := range t.added {
		out[i] = *a
	}
	return out
}

// VocabSize is the number of ids in use: the vocabulary and the added tokens kept.
func (t *Tokenizer) VocabSize() int { return len(t.model.vocab) + len(t.added) }
