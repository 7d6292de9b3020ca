package tokenizer

import "sync"

// byteRune is GPT-2's bytes_to_unicode: every byte as a printable rune, so that byte-level
// tokens are strings. Printable Latin-1 bytes map to themselves, the other 68 to U+0100 on.
var byteRune, runeByte = func() (br [256]rune, rb map[rune]byte) {
	rb = make(map[rune]byte, 256)
	n := rune(0)
	for b := range 256 {
		if (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF) {
			br[b] = rune(b)
		} else {
			br[b] = 0x100 + n
			n++
		}
		rb[br[b]] = byte(b)
	}
	return br, rb
}()

// merge is the result of merging a pair of adjacent tokens.
type merge struct {
	rank int32 // the line of the pair in merges: lower merges first
	id   int32 // the id of the merged token
}

func pairKey(a, b int32) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

// bpe is a byte-level BPE model: the vocabulary, the merges and a cache of words already
// encoded.
type bpe struct {
	vocab  map[string]int32
	tokens []string         // id → token, "" for ids the vocabulary does not use
	byteID [256]int32       // the token of each single byte
	merges map[uint64]merge // pairKey(left, right) → merge

	mu    sync.RWMutex
	cache map[string][]int32
}

// cacheCap bounds the word cache, as Hugging Face's BPE cache does (it stops inserting when
// full): a long-running server must not grow without bound.
const cacheCap = 1 << 17

// cacheMaxLen is the longest piece (bytes) worth caching.
const cacheMaxLen = 64

// symbol is one token of a word being merged, in a doubly linked list over the word.
type symbol struct {
	id         int32
	prev, next int32 // indices into the word, -1 at the ends
}

// candidate is an adjacent pair that may merge: pos is its left symbol.
type candidate struct {
	rank, pos, id int32
}

// less orders candidates as Hugging Face does: lowest rank first, then leftmost.
func (c candidate) less(d candidate) bool {
	return c.rank < d.rank || (c.rank == d.rank && c.pos < d.pos)
}

// scratch is per-call working memory, pooled to keep encoding allocation-light.
type scratch struct {
	syms []symbol
	heap []candidate
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// encodeWord appends the ids of one pre-tokenized piece (raw bytes, before the byte-level
// mapping) to dst.
func (m *bpe) encodeWord(dst []int, piece string) []int {
	if len(piece) == 1 { // digits, spaces, punctuation: one byte, nothing to merge
		return append(dst, int(m.byteID[piece[0]]))
	}
	if len(piece) <= cacheMaxLen {
		m.mu.RLock()
		ids, ok := m.cache[piece]
		m.mu.RUnlock()
		if ok {
			for _, id := range ids {
				dst = append(dst, int(id))
			}
			return dst
		}
	}
	ids := m.mergeWord(piece)
	if len(piece) <= cacheMaxLen {
		m.mu.Lock()
		if len(m.cache) < cacheCap {
			m.cache[piece] = ids
		}
		m.mu.Unlock()
	}
	for _, id := range ids {
		dst = append(dst, int(id))
	}
	return dst
}

// mergeWord applies the merges to a word's bytes: repeatedly the lowest-ranked adjacent pair,
// leftmost first, with a heap of candidates and a linked list of symbols (Hugging Face's
// Word::merge_all), so a long piece costs O(n log n). There is no shortcut for a piece that is
// itself a token: with ignore_merges=false Hugging Face merges it too, and the merges need
// not rebuild it.
func (m *bpe) mergeWord(piece string) []int32 {
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	n := int32(len(piece))
	if n == 0 {
		return nil
	}
	syms := sc.syms[:0]
	for i := range n {
		syms = append(syms, symbol{id: m.byteID[piece[i]], prev: i - 1, next: i + 1})
	}
	syms[n-1].next = -1
	h := sc.heap[:0]
	for i := range n - 1 {
		if mg, ok := m.merges[pairKey(syms[i].id, syms[i+1].id)]; ok {
			h = heapPush(h, candidate{mg.rank, i, mg.id})
		}
	}
	for len(h) > 0 {
		var c candidate
		c, h = heapPop(h)
		s := &syms[c.pos]
		if s.id < 0 || s.next < 0 {
			continue // merged away
		}
		r := &syms[s.next]
		if mg, ok := m.merges[pairKey(s.id, r.id)]; !ok || mg.id != c.id {
			continue // stale: one side has changed since it was queued
		}
		s.id = c.id
		r.id = -1
		s.next = r.next
		if s.next >= 0 {
			syms[s.next].prev = c.pos
			if mg, ok := m.merges[pairKey(s.id, syms[s.next].id)]; ok {
				h = heapPush(h, candidate{mg.rank, c.pos, mg.id})
			}
		}
		if s.prev >= 0 {
			if mg, ok := m.merges[pairKey(syms[s.prev].id, s.id)]; ok {
				h = heapPush(h, candidate{mg.rank, s.prev, mg.id})
			}
		}
	}
	var ids []int32
	for i := int32(0); i >= 0; i = syms[i].next {
		ids = append(ids, syms[i].id)
	}
	sc.syms, sc.heap = syms, h
	return ids
}

func heapPush(h []candidate, c candidate) []candidate {
	h = append(h, c)
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if !h[i].less(h[p]) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
	return h
}

func heapPop(h []candidate) (candidate, []candidate) {
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(h) && h[l].less(h[m]) {
			m = l
		}
		if r < len(h) && h[r].less(h[m]) {
			m = r
		}
		if m == i {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	return top, h
}
