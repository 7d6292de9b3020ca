package tokenizer

// Stream decodes ids one at a time, for streaming a reply as it is generated. A token may
// end inside a multi-byte character (byte-level BPE splits an emoji or a CJK character over
// several tokens), so Next holds back an incomplete UTF-8 sequence until the bytes that
// finish it arrive; the concatenated outputs of Next and Flush equal Decode of all the ids.
type Stream struct {
	t           *Tokenizer
	skipSpecial bool
	pending     []byte
}

// NewStream starts a streaming decode; skipSpecial as in Decode.
func (t *Tokenizer) NewStream(skipSpecial bool) *Stream {
	return &Stream{t: t, skipSpecial: skipSpecial}
}

// Next adds one id and returns the text it completes (possibly "").
func (s *Stream) Next(id int) string {
	tok, ok := s.t.Token(id)
	if !ok {
		return ""
	}
	if a := s.t.addedByID[id]; a != nil && s.skipSpecial && a.Special {
		return ""
	}
	s.pending = appendTokenBytes(s.pending, tok)
	cut := len(s.pending) - incompleteTail(s.pending)
	out := lossyUTF8(s.pending[:cut])
	s.pending = append(s.pending[:0], s.pending[cut:]...)
	return out
}

// Flush returns what is held back, each incomplete sequence as U+FFFD, and resets the stream.
func (s *Stream) Flush() string {
	out := lossyUTF8(s.pending)
	s.pending = s.pending[:0]
	return out
}

// incompleteTail returns the length of the valid-but-unfinished UTF-8 sequence that ends b
// (0 if none): the bytes that later ones may still complete. Cutting before it splits b where
// a decoder of the whole text would be at a sequence boundary anyway.
func incompleteTail(b []byte) int {
	for k := 1; k <= 3 && k <= len(b); k++ {
		c := b[len(b)-k]
		if c < 0x80 {
			return 0 // ASCII: complete
		}
		if c >= 0xC0 { // a lead byte: is the tail a proper prefix of its sequence?
			need := 1
			switch {
			case c >= 0xF0:
				need = 3
			case c >= 0xE0:
				need = 2
			}
			if k <= need && maximalSubpart(b[len(b)-k:]) == k && c >= 0xC2 && c <= 0xF4 {
				return k
			}
			return 0
		}
	}
	return 0
}
