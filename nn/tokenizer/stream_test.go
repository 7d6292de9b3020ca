package tokenizer

import (
	"strings"
	"testing"
)

// TestStream: streamed pieces concatenate to Decode, on the JS corpus with Qwen's tokens
// (which split multi-byte characters) and on raw byte sequences.
func TestStream(t *testing.T) {
	tok := qwen25VL(t)
	for _, s := range corpus(3000) {
		ids := tok.Encode(s)
		for _, skip := range []bool{false, true} {
			st := tok.NewStream(skip)
			var b strings.Builder
			for _, id := range ids {
				b.WriteString(st.Next(id))
			}
			b.WriteString(st.Flush())
			if want := tok.Decode(ids, skip); b.String() != want {
				t.Fatalf("%q (skip %v): streamed %q, decoded %q", s, skip, b.String(), want)
			}
		}
	}
	// A character split over tokens appears once its last byte arrives, not before.
	ids := tok.Encode("𒁄")
	if len(ids) < 2 {
		t.Fatalf("𒁄 is %v: want a character split over tokens", ids)
	}
	st := tok.NewStream(false)
	for i, id := range ids {
		got, want := st.Next(id), ""
		if i == len(ids)-1 {
			want = "𒁄"
		}
		if got != want {
			t.Errorf("token %d of 𒁄: %q, want %q", i, got, want)
		}
	}
	// Broken sequences: a truncated 3-byte sequence, then ASCII; a lone continuation byte.
	tiny := tiny(t)
	for _, in := range [][]byte{{0xE2, 0x82, 'x'}, {0x80, 'a'}, {0xF0, 0x9F, 0x98, 0x80}, {0xE2, 0x82}, {0xED, 0xA0, 0x80}} {
		ids := make([]int, len(in))
		for i, c := range in {
			ids[i] = int(c)
		}
		st := tiny.NewStream(false)
		var b strings.Builder
		for _, id := range ids {
			b.WriteString(st.Next(id))
		}
		b.WriteString(st.Flush())
		if want := tiny.Decode(ids, false); b.String() != want {
			t.Errorf("% x: streamed %q, decoded %q", in, b.String(), want)
		}
	}
}
