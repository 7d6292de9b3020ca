package tokenizer

import (
	"unicode"
	"unicode/utf8"
)

// Qwen2Pattern is the Split pre-tokenizer regex of Qwen2 (and Qwen2.5, Qwen2.5-VL, Qwen3), as
// tokenizer.json spells it. splitQwen2 implements exactly this pattern with Oniguruma's
// semantics (the engine Hugging Face tokenizers uses); split_test.go checks it against regexp2.
const Qwen2Pattern = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`

// Character classes of the pattern. \s is Unicode White_Space (Oniguruma's \s for UTF-8,
// and Go's unicode.IsSpace), \p{L} and \p{N} the general categories.
const (
	clsOther = iota // none of the below: [^\s\p{L}\p{N}]
	clsLetter
	clsNumber
	clsSpace
)

// latin1 holds the class of every rune below 0x100: most text never leaves the table.
var latin1 = func() (t [0x100]uint8) {
	for r := range rune(0x100) {
		t[r] = classOf(r)
	}
	return t
}()

func classOf(r rune) uint8 {
	switch {
	case unicode.IsLetter(r):
		return clsLetter
	case unicode.IsNumber(r):
		return clsNumber
	case unicode.IsSpace(r):
		return clsSpace
	}
	return clsOther
}

// class decodes the rune at s[i:] and returns its class and width. Invalid UTF-8 counts as
// one "other" byte (callers pass valid UTF-8).
func class(s string, i int) (cls uint8, r rune, n int) {
	if c := s[i]; c < utf8.RuneSelf {
		return latin1[c], rune(c), 1
	}
	r, n = utf8.DecodeRuneInString(s[i:])
	if r < 0x100 {
		return latin1[r], r, n
	}
	return classOf(r), r, n
}

// splitQwen2 appends to dst the pieces Qwen2Pattern cuts s into. Every rune is covered by
// some alternative, so the pieces tile s: their concatenation is s.
func splitQwen2(dst []string, s string) []string {
	for i := 0; i < len(s); {
		e := matchQwen2(s, i)
		dst = append(dst, s[i:e])
		i = e
	}
	return dst
}

// matchQwen2 returns the end of the match of Qwen2Pattern that starts at i (there always is
// one), trying the alternatives in order as a backtracking engine does.
func matchQwen2(s string, i int) int {
	cls, r, n := class(s, i)

	// (?i:'s|'t|'re|'ve|'m|'ll|'d): case-insensitive with Unicode simple case folding, so
	// ſ (U+017F, which folds to s) counts as s, as in Oniguruma.
	if r == '\'' {
		if k := contraction(s[i+1:]); k > 0 {
			return i + 1 + k
		}
	}

	// [^\r\n\p{L}\p{N}]?\p{L}+
	switch {
	case cls == clsLetter:
		return letters(s, i+n)
	case r != '\r' && r != '\n' && cls != clsNumber && i+n < len(s):
		if c2, _, n2 := class(s, i+n); c2 == clsLetter {
			return letters(s, i+n+n2)
		}
	}

	// \p{N}
	if cls == clsNumber {
		return i + n
	}

	//  ?[^\s\p{L}\p{N}]+[\r\n]*
	if cls == clsOther {
		return others(s, i+n)
	}
	if r == ' ' && i+1 < len(s) {
		if c2, _, n2 := class(s, i+1); c2 == clsOther {
			return others(s, i+1+n2)
		}
	}

	// The rune is white space. Scan its run: e is its end, lastNL the end of its last \r or
	// \n (0 if none), last the start of its last rune.
	e, lastNL, last := i, 0, i
	for e < len(s) {
		c, r, n := class(s, e)
		if c != clsSpace {
			break
		}
		last = e
		e += n
		if r == '\r' || r == '\n' {
			lastNL = e
		}
	}
	switch {
	case lastNL > 0: // \s*[\r\n]+ backtracks to the run's last line break
		return lastNL
	case e == len(s): // \s+(?!\S) at the end of the text
		return e
	case last > i: // \s+(?!\S) backs off one rune so that white space follows
		return last
	}
	return e // \s+: one white-space rune before a non-space
}

// contraction returns the length of 's 't 're 've 'm 'll 'd (without the apostrophe) at the
// start of s, case-insensitively, or 0.
func contraction(s string) int {
	if len(s) == 0 {
		return 0
	}
	lower := func(j int) byte {
		if j < len(s) {
			return s[j] | 0x20 // ASCII letters only are compared below
		}
		return 0
	}
	switch lower(0) {
	case 's', 't', 'm', 'd':
		return 1
	case 'r':
		if lower(1) == 'e' {
			return 2
		}
	case 'v':
		if lower(1) == 'e' {
			return 2
		}
	case 'l':
		if lower(1) == 'l' {
			return 2
		}
	}
	if len(s) >= 2 && s[0] == 0xC5 && s[1] == 0xBF { // ſ
		return 2
	}
	return 0
}

// letters returns the end of the run of letters starting at i.
func letters(s string, i int) int {
	for i < len(s) {
		c, _, n := class(s, i)
		if c != clsLetter {
			break
		}
		i += n
	}
	return i
}

// others returns the end of [^\s\p{L}\p{N}]*[\r\n]* starting at i.
func others(s string, i int) int {
	for i < len(s) {
		c, _, n := class(s, i)
		if c != clsOther {
			break
		}
		i += n
	}
	for i < len(s) && (s[i] == '\r' || s[i] == '\n') {
		i++
	}
	return i
}
