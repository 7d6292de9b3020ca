package tokenizer

import (
	"slices"
	"sync"
	"testing"
)

// TestNFC pins the x/text composition bug nfc works around, and that real compositions,
// supplementary ones included, still happen.
func TestNFC(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"\U000F0070\u0307", "\U000F0070\u0307"},                 // x/text: ṗ
		{"\U00020041\u0301", "\U00020041\u0301"},                 // x/text: Á
		{"a\u0301\U00020041\u0301e\u0308", "á\U00020041\u0301ë"}, //
		{"\U0002F800\u0301", "\u4E3D\u0301"},                     // singleton decomposition
		{"\U00011099\U000110BA", "\U0001109A"},                   // Kaithi: a real supplementary composition
		{"\U00011347\U0001133E", "\U0001134B"},                   // Grantha
		{"e\u0301\u0327", "ȩ\u0301"},                             // reordering then composition
		{"\u1100\u1161\u11A8", "각"},                              // Hangul
		{"plain", "plain"},
	} {
		if got := nfc(c.in); got != c.want {
			t.Errorf("nfc(%+q) = %+q, want %+q", c.in, got, c.want)
		}
	}
}

// TestConcurrentEncode: the word cache and the scratch pool are shared between goroutines.
func TestConcurrentEncode(t *testing.T) {
	t.Parallel()
	tok := tiny(t)
	texts := corpus(2000)
	want := make([][]int, len(texts))
	for i, s := range texts {
		want[i] = tok.Encode(s)
	}
	fresh := tiny(t)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := g; i < len(texts)+g; i++ {
				j := i % len(texts)
				if got := fresh.Encode(texts[j]); !slices.Equal(got, want[j]) {
					t.Errorf("goroutine %d, %q: %v, want %v", g, texts[j], got, want[j])
					return
				}
			}
		})
	}
	wg.Wait()
}
