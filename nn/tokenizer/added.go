package tokenizer

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// AddedToken is one entry of tokenizer.json's added_tokens: a string matched in the input
// before normalisation and pre-tokenisation, and encoded as one id.
type AddedToken struct {
	ID      int    `json:"id"`
	Content string `json:"content"`
	// SingleWord: match only where no word character touches either end.
	SingleWord bool `json:"single_word"`
	// LStrip, RStrip: the match swallows the white space on its left / right.
	LStrip bool `json:"lstrip"`
	RStrip bool `json:"rstrip"`
	// Normalized: matched in the normalised text instead of the raw input.
	Normalized bool `json:"normalized"`
	// Special: dropped by Decode when skipping special tokens.
	Special bool `json:"special"`
}

// matcher finds added tokens leftmost-longest, as Hugging Face's Aho-Corasick automaton
// (MatchKind::LeftmostLongest) does. Added tokens are few and start with few distinct bytes,
// so candidates indexed by first byte beat an automaton here.
type matcher struct {
	firsts  []byte              // the distinct first bytes
	isFirst [256]bool           //
	byFirst [256][]matcherEntry // candidates per first byte, longest first
	n       int
}

type matcherEntry struct {
	text string // the string matched: the content, normalised for normalized tokens
	tok  *AddedToken
}

func newMatcher(toks []*AddedToken, content func(*AddedToken) string) *matcher {
	m := &matcher{}
	seen := map[string]bool{}
	for _, t := range toks {
		c := content(t)
		if c == "" || seen[c] {
			continue // the first entry wins, as in Hugging Face's trie
		}
		seen[c] = true
		m.n++
		if !m.isFirst[c[0]] {
			m.isFirst[c[0]] = true
			m.firsts = append(m.firsts, c[0])
		}
		m.byFirst[c[0]] = append(m.byFirst[c[0]], matcherEntry{c, t})
	}
	for b := range m.byFirst {
		slices.SortStableFunc(m.byFirst[b], func(x, y matcherEntry) int { return len(y.text) - len(x.text) })
	}
	return m
}

// find returns the leftmost-longest match in s at or after from, or tok == nil.
func (m *matcher) find(s string, from int) (start, end int, tok *AddedToken) {
	for i := from; i < len(s); i++ {
		if len(m.firsts) == 1 { // Qwen's added tokens all start with '<'
			k := strings.IndexByte(s[i:], m.firsts[0])
			if k < 0 {
				break
			}
			i += k
		} else if !m.isFirst[s[i]] {
			continue
		}
		for _, e := range m.byFirst[s[i]] {
			if strings.HasPrefix(s[i:], e.text) {
				return i, i + len(e.text), e.tok
			}
		}
	}
	return 0, 0, nil
}

// segment is a piece of the input: either an added token or text to encode.
type segment struct {
	text string
	tok  *AddedToken
}

// split cuts s around the added tokens m finds, applying their flags exactly as Hugging
// Face's AddedVocabulary::find_matches does: a discarded single_word match is skipped, not
// re-searched; an lstrip never reaches back before the previous match's end. (Where an
// rstrip swallows white space that another added token starts with, Hugging Face emits
// overlapping pieces; here the search resumes after the stripped space.)
func (m *matcher) split(dst []segment, s string) []segment {
	if m == nil || m.n == 0 {
		return append(dst, segment{text: s})
	}
	done := 0 // end of the previous match
	for at := 0; ; {
		start, stop, t := m.find(s, at)
		if t == nil {
			break
		}
		at = stop
		if t.SingleWord {
			startOK := start == 0 || !endsWithWord(s[:start])
			stopOK := stop == len(s) || !startsWithWord(s[stop:])
			if !startOK || !stopOK {
				continue
			}
		}
		if t.LStrip {
			start = max(len(strings.TrimRightFunc(s[:start], unicode.IsSpace)), done)
		}
		if t.RStrip {
			stop = len(s) - len(strings.TrimLeftFunc(s[stop:], unicode.IsSpace))
			at = stop
		}
		if done < start {
			dst = append(dst, segment{text: s[done:start]})
		}
		dst = append(dst, segment{text: s[start:stop], tok: t})
		done = stop
	}
	if done < len(s) {
		dst = append(dst, segment{text: s[done:]})
	}
	return dst
}

// isWordChar is Rust's char::is_alphanumeric() || c == '_' (Hugging Face's single_word test):
// Alphabetic (L, Nl, Other_Alphabetic) or Numeric (N).
func isWordChar(r rune) bool {
	return r == '_' || unicode.In(r, unicode.L, unicode.N, unicode.Other_Alphabetic)
}

func endsWithWord(s string) bool {
	r, n := utf8.DecodeLastRuneInString(s)
	return n > 0 && isWordChar(r)
}

func startsWithWord(s string) bool {
	r, n := utf8.DecodeRuneInString(s)
	return n > 0 && isWordChar(r)
}
