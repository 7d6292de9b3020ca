package tokenizer

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode"

	"github.com/dsr4d/dsr4d/pipeline/qa"
)

// Strings that exercise every alternative of the split pattern, the added tokens and the
// byte-level round trip. corpus adds generated DSR questions and random text to them.
var handmade = []string{
	"", " ", "  ", "\n", "\r\n", "\t", "a", "Hello, world!", "Hello world ", "Hello world  ",
	"It's, I'm, you're, we've, he'll, she'd, don't.", "IT'S I'M YOU'RE WE'VE HE'LL SHE'D DON'T",
	"It'S i'M yOu'Re We'vE hE'lL sHe'D", "'s 't 're 've 'm 'll 'd", "''s '''t 'x 'sss", "rock'n'roll",
	"12345678901234567890", "3.14159 2,718 1e-9 0x1F -42 +7", "٠١٢٣٤٥٦٧٨٩ ४२ ⅫⅣ ½ ² ①②",
	"你好，世界！这是一个测试。", "日本語のテキストとカタカナ、ひらがな。", "한국어 텍스트 처리 테스트입니다.",
	"مرحبا بالعالم، هذا اختبار.", "नमस्ते दुनिया, यह एक परीक्षण है।", "Привет, мир! Ёжик в тумане.",
	"Γειά σου Κόσμε", "שלום עולם", "สวัสดีชาวโลก", "Xin chào thế giới", "Ỳ̧ e\u0301 A\u030A n\u0303",
	"😀😃😄 👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 🧑🏿‍💻 ❤️‍🔥 🇩🇪🇯🇵 1️⃣ #️⃣",
	"\t\tindented\n\n\n  \r\n\r\n trailing   ", "a\u00a0b\u2003c\u3000d\u2028e\u2029f\u202fg\u205fh\u1680i",
	"line1\nline2\r\nline3\rline4\n", "   \n   ", " \n ", "x \n y", "x  \ny", "x\n  y", "  \t \n\t  x",
	"func main() {\n\tfmt.Println(\"hi\")\n}\n", "for (int i = 0; i < n; ++i) { a[i] += b[i] * 2; }",
	"def f(x):\n    return x ** 2  # square\n", "<div class=\"x\">&amp;</div>", "SELECT * FROM t WHERE a>=1;",
	"$ ls -la | grep -v '^d' && echo \"done\"", "http://example.com/path?q=1&r=2#frag", "a+b=c; x->y; p::q",
	"<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n",
	"<|vision_start|><|video_pad|><|video_pad|><|vision_end|>What is this?", "<|endoftext|>",
	"x<|im_end|>y<|im_start|>", "<|im_start|<|im_end|>>", "<|endoftext", "<think>reasoning</think>",
	"<tool_call>{\"name\": \"f\"}</tool_call>", "<|fim_prefix|>a<|fim_suffix|>b<|fim_middle|>",
	"<tool_response>x</tool_response>", "\U0010FFFD \uFFFD \u200b\u200c\u200d \u2060", "ﬁ ﬂ Å Ω K",
	strings.Repeat("a", 3000), strings.Repeat(" ", 1000), strings.Repeat("\n", 500) + "x",
	strings.Repeat("你好", 1500), strings.Repeat("9", 777), strings.Repeat("=-", 600),
	strings.Repeat("😀", 300), strings.Repeat("ab ", 1000),
}

// jsDivergent are runes where transformers.js's regex differs from Oniguruma's (which
// Hugging Face and this package follow): JS \s includes U+FEFF and excludes U+0085, and its
// (?i:'s) is rewritten to '[sS], which misses ſ (U+017F). The JS comparison avoids them;
// TestOnigurumaSemantics pins what this package does with them.
var jsDivergent = map[rune]bool{0x85: true, 0xFEFF: true, 0x17F: true}

// fragments are the building blocks of the random compositions.
var fragments = []string{
	" ", "  ", "   ", "\t", "\n", "\r\n", "\r", "\n\n", " \n", "\u00a0", "\u3000", "\u2009", "\v", "\f",
	"the", " the", "The", "HELLO", "naïve", "café", "straße", "Ελλάδα", "Москва", "东京", "北京市", "ソウル",
	"القاهرة", "मुंबई", "தமிழ்", "ኢትዮጵያ", "ქართული", "Հայերեն", "ᠮᠣᠩᠭᠣᠯ", "ꦗꦮ", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
	"0", "7", "42", "2024", "3.5", "1,000", "٣", "१२", "Ⅻ", "¾", "'s", "'S", "'t", "'re", "'RE", "'ve",
	"'m", "'ll", "'LL", "'d", "'D", "'", "\"", ".", ",", "!", "?", "...", "—", "-", "_", "(", ")", "[", "]",
	"{", "}", "<", ">", "/", "\\", "|", "#", "@", "$", "%", "^", "&", "*", "+", "=", "~", "`", ";", ":",
	"😀", "👍🏽", "👨‍👩‍👧", "🏳️‍🌈", "❤️", "🇫🇷", "✅", "™", "©", "°", "€", "£", "→", "∑", "√", "∞",
	"e\u0301", "\u0301", "\u200d", "\u200b", "<|im_start|>", "<|im_end|>", "<|video_pad|>", "<|image_pad|>",
	"<|vision_start|>", "<|vision_end|>", "<|endoftext|>", "<think>", "<|im_start", "|>", "<|",
	"if x == nil {", "return err", "\tfoo();", "0x7f", "a_b", "camelCase", "snake_case", "URL",
}

// questions returns DSR question prompts as the bench poses them: a question from the
// reference's templates with four lettered options taken from qa's golden answers.
func questions(rng *rand.Rand, n int) []string {
	objs := []string{"the camera", "the red car", "the person in a blue shirt", "the dog", "the white van",
		"the cyclist", "the traffic light", "the tall building on the left", "the ball"}
	answers := []string{}
	for _, v := range []struct {
		d []float64
	}{{[]float64{1, 1.1, 1.5, 2.2, 2.2}}, {[]float64{3, 2, 1, 1, 1.02}}, {[]float64{1, 2, 3, 4, 5, 6}}, {[]float64{5, 4.9, 5.1, 5}}} {
		if s, err := qa.DescribeDistRuns(v.d); err == nil {
			answers = append(answers, s)
		}
	}
	if s, err := qa.DescribeSpdComp([]float64{1, 1, 1}, []float64{2, 2, 2}); err == nil {
		answers = append(answers, s)
	}
	answers = append(answers, "(1) Front|Left. (2) Behind|Below.", "The former is always faster.",
		"(1) Keep nearly constant.", "Left", "Behind|Right|Above")
	var out []string
	for len(out) < n {
		typ := qa.Types[rng.IntN(len(qa.Types))]
		tpl := qa.Templates[typ]
		var args []any
		for _, verb := range strings.Split(tpl, "%")[1:] {
			if strings.HasPrefix(verb, ".1f") {
				args = append(args, rng.Float64()*30)
			} else {
				args = append(args, objs[rng.IntN(len(objs))])
			}
		}
		q := fmt.Sprintf(tpl, args...)
		var b strings.Builder
		b.WriteString(q)
		b.WriteString("\nOptions:\n")
		for k, l := range []string{"A", "B", "C", "D"} {
			fmt.Fprintf(&b, "%s. %s", l, answers[(k+len(out))%len(answers)])
			if k < 3 {
				b.WriteString("\n")
			}
		}
		b.WriteString("\nAnswer with the option's letter from the given choices directly.")
		out = append(out, q, b.String())
	}
	return out[:n]
}

// randomRune returns an assigned code point outside the surrogates, biased towards the
// scripts and symbols text is made of, excluding jsDivergent.
func randomRune(rng *rand.Rand) rune {
	ranges := [][2]rune{
		{0x20, 0x7F}, {0x80, 0x2FF}, {0x300, 0x36F}, {0x370, 0x52F}, {0x590, 0x6FF}, {0x900, 0xDFF},
		{0xE00, 0xEFF}, {0x1100, 0x11FF}, {0x1E00, 0x1FFF}, {0x2000, 0x2BFF}, {0x3000, 0x30FF},
		{0x4E00, 0x9FFF}, {0xAC00, 0xD7A3}, {0xF900, 0xFFFD}, {0x1F300, 0x1FAFF}, {0x10000, 0x3134F},
		{0xE0000, 0xE01EF}, {0xF0000, 0xF00FF},
	}
	for {
		g := ranges[rng.IntN(len(ranges))]
		r := g[0] + rng.Int32N(g[1]-g[0])
		if jsDivergent[r] || (r >= 0xD800 && r <= 0xDFFF) {
			continue
		}
		if r >= 0xF0000 || unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Z, unicode.Cc, unicode.Cf, unicode.Co) {
			return r
		}
	}
}

// corpus returns at least n strings: the handmade ones, DSR questions, random compositions
// of fragments and random Unicode, all from a fixed seed.
func corpus(n int) []string {
	rng := rand.New(rand.NewPCG(17, 2026))
	out := append([]string(nil), handmade...)
	out = append(out, questions(rng, 2000)...)
	for len(out) < n {
		var b strings.Builder
		k := 1 + rng.IntN(24)
		switch rng.IntN(3) {
		case 0, 1: // fragments
			for range k {
				b.WriteString(fragments[rng.IntN(len(fragments))])
			}
		case 2: // random runes with some white space
			for range 4 * k {
				if rng.IntN(6) == 0 {
					b.WriteString(fragments[rng.IntN(14)]) // the white-space fragments
				} else {
					b.WriteRune(randomRune(rng))
				}
			}
		}
		out = append(out, b.String())
	}
	return out
}
