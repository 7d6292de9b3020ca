package tokenizer

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/dlclark/regexp2"
)

// whiteSpace is Unicode's White_Space property, Oniguruma's \s for UTF-8.
const whiteSpace = `\t\n\v\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000`

// onigPattern is Qwen2Pattern for regexp2 (a backtracking engine with look-ahead), with the
// two places where .NET's semantics could differ from Oniguruma's spelled out: \s as
// White_Space, and the case-insensitive group with Unicode simple case folding (ſ folds to s).
var onigPattern = func() string {
	p := strings.Replace(Qwen2Pattern, `(?i:'s|'t|'re|'ve|'m|'ll|'d)`,
		`'(?:[sSſ]|[tT]|[rR][eE]|[vV][eE]|[mM]|[lL][lL]|[dD])`, 1)
	p = strings.ReplaceAll(p, `[^\s`, `[^`+whiteSpace)
	p = strings.ReplaceAll(p, `\s`, `[`+whiteSpace+`]`)
	return strings.ReplaceAll(p, `\S`, `[^`+whiteSpace+`]`)
}()

var onigRE = regexp2.MustCompile(onigPattern, regexp2.None)

// regexSplit cuts s with the regexp2 pattern, Isolated: matches and the gaps between them.
func regexSplit(t testing.TB, s string) []string {
	var out []string
	m, err := onigRE.FindStringMatch(s)
	prev := 0 // in runes: regexp2 indexes runes
	rs := []rune(s)
	for ; m != nil && err == nil; m, err = onigRE.FindNextMatch(m) {
		if m.Index > prev {
			out = append(out, string(rs[prev:m.Index]))
		}
		out = append(out, m.String())
		prev = m.Index + m.Length
	}
	if err != nil {
		t.Fatal(err)
	}
	if prev < len(rs) {
		out = append(out, string(rs[prev:]))
	}
	return out
}

// splitCorpus is the JS corpus plus the runes where JS and Oniguruma disagree.
func splitCorpus() []string {
	c := corpus(12000)
	rng := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		var b strings.Builder
		for range 1 + rng.IntN(30) {
			switch rng.IntN(5) {
			case 0:
				b.WriteString([]string{"'ſ", "'S", "\u0085", "\ufeff", "'S", " \u0085", "\u0085\n"}[rng.IntN(7)])
			case 1:
				b.WriteString(fragments[rng.IntN(14)])
			default:
				b.WriteString(fragments[rng.IntN(len(fragments))])
			}
		}
		c = append(c, b.String())
	}
	return c
}

// TestSplitMatchesRegex checks the hand-written splitter against regexp2 running the
// pattern itself.
func TestSplitMatchesRegex(t *testing.T) {
	t.Parallel()
	bad := 0
	for _, s := range splitCorpus() {
		want := regexSplit(t, s)
		got := splitQwen2(nil, s)
		if !slices.Equal(got, want) {
			if bad++; bad <= 10 {
				t.Errorf("%q:\n got  %q\n want %q", s, got, want)
			}
		}
	}
}

// TestOnigurumaSemantics pins the splits where transformers.js differs (see jsDivergent).
func TestOnigurumaSemantics(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"it'ſ", []string{"it", "'ſ"}},                           // ſ folds to s
		{"x\u0085y", []string{"x", "\u0085y"}},                   // NEL is white space: [^\r\n…]?\p{L}+
		{"a \u0085\u0085b", []string{"a", " \u0085", "\u0085b"}}, // \s+(?!\S) leaves one
		{"x\ufeffy", []string{"x", "\ufeffy"}},                   // BOM is not white space (Cf)
		{"a\ufeff\ufeff", []string{"a", "\ufeff\ufeff"}},
		{"don'T", []string{"don", "'T"}},
		{"1234", []string{"1", "2", "3", "4"}},
		{"  \n\n  x", []string{"  \n\n", " ", " x"}},
		{"a  ", []string{"a", "  "}},
		{"a \t\nb", []string{"a", " \t\n", "b"}},
		{"?!\n\n x", []string{"?!\n\n", " x"}},
	} {
		if got := splitQwen2(nil, c.in); !slices.Equal(got, c.want) {
			t.Errorf("%q: got %q, want %q", c.in, got, c.want)
		}
		if got := regexSplit(t, c.in); !slices.Equal(got, c.want) {
			t.Errorf("%q: regexp2 gives %q, want %q", c.in, got, c.want)
		}
	}
}

// FuzzSplit compares the splitter with regexp2 on arbitrary valid UTF-8.
func FuzzSplit(f *testing.F) {
	for _, s := range handmade {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		s = strings.ToValidUTF8(s, "\uFFFD")
		got, want := splitQwen2(nil, s), regexSplit(t, s)
		if !slices.Equal(got, want) {
			t.Fatalf("%q:\n got  %q\n want %q", s, got, want)
		}
		if strings.Join(got, "") != s {
			t.Fatalf("%q: pieces do not tile the text", s)
		}
	})
}

// BenchmarkSplit: the hand-written splitter against regexp2 on the same text.
func BenchmarkSplit(b *testing.B) {
	text := strings.Join(corpus(3000), "\n")
	b.Run("go", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		var buf []string
		for b.Loop() {
			buf = splitQwen2(buf[:0], text)
		}
	})
	b.Run("regexp2", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		for b.Loop() {
			regexSplit(b, text)
		}
	})
}
