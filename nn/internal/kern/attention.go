package kern

import (
	"fmt"
	"math"
	"sync"
)

// Attention describes softmax(q·kᵀ·Scale + mask)·v for one sequence. q is [Lq×H×D], k and v
// are [Lk×Hkv×D] (row-major, heads interleaved as a Linear's output), out is [Lq×H×D]. Query head h
// reads key/value head h/(H/Hkv) (grouped-query attention; H must be a multiple of Hkv).
//
// The mask is built from positions, never stored: query i sits at position i+Lk−Lq (the new
// tokens at the end of a KV cache). With Causal it sees keys at positions ≤ its own. With
// Segments, a partition of [0,Lk) into [start,end) ranges, it sees only keys of its own segment
// (Qwen2.5-VL's windowed vision attention, π³'s frame attention). Rotary embeddings and q/k
// norms are the caller's, applied to q and k before.
type Attention struct {
	Lq, Lk, H, Hkv, D int
	Scale             float32
	Causal            bool
	Segments          [][2]int
}

// Key blocks and query chunks of the fused kernel: a task holds its queries' running max, sum
// and output (O(L·D) in all) and walks the keys in blocks of attnBK, transposed once per block.
const (
	attnBK = 64
	attnQB = 32
)

// Attend computes the attention into out with online softmax over key blocks (flash attention:
// no Lq×Lk matrix), float32 accumulation. A NaN in q, k or v reaches the outputs it feeds. A query
// that sees no key (possible only with Causal and Lq > Lk) gets zeros. It panics on bad shapes.
func Attend(out, q, k, v []float32, p Attention) {
	p.check(len(out), len(q), len(k), len(v))
	group := p.H / p.Hkv
	chunks := (p.Lq + attnQB - 1) / attnQB
	bufs := sync.Pool{New: func() any { return new(attnScratch) }}
	parallelFor(p.Hkv*chunks, func(t int) {
		s := bufs.Get().(*attnScratch)
		defer bufs.Put(s)
		p.task(out, q, k, v, t/chunks, (t%chunks)*attnQB, group, s)
	})
}

type attnScratch struct {
	kt, qs, m, l []float32
	s            [attnBK]float32
}

// keys is the range of key positions query i sees.
func (p *Attention) keys(i int) (lo, hi int) {
	pos := i + p.Lk - p.Lq
	lo, hi = 0, p.Lk
	if p.Causal {
		hi = min(hi, pos+1)
	}
	if p.Segments != nil {
		for _, sg := range p.Segments {
			if pos >= sg[0] && pos < sg[1] {
				lo, hi = sg[0], min(hi, sg[1])
				break
			}
		}
	}
	return lo, max(lo, hi)
}

// task computes queries [i0, i0+attnQB) of every query head that reads kv head hk.
func (p *Attention) task(out, q, k, v []float32, hk, i0, group int, s *attnScratch) {
	d, h, hkv := p.D, p.H, p.Hkv
	i1 := min(i0+attnQB, p.Lq)
	nq := (i1 - i0) * group
	s.kt = grow(s.kt, d*attnBK)
	s.qs = grow(s.qs, nq*d)
	s.m, s.l = grow(s.m, nq), grow(s.l, nq)
	klo, khi := p.Lk, 0
	for i := i0; i < i1; i++ {
		lo, hi := p.keys(i)
		klo, khi = min(klo, lo), max(khi, hi)
		for g := range group {
			row := (i-i0)*group + g
			qh := i*h*d + (hk*group+g)*d
			copy(s.qs[row*d:row*d+d], q[qh:qh+d])
			scal(s.qs[row*d:row*d+d], p.Scale)
			clear(out[qh : qh+d])
			s.m[row], s.l[row] = float32(math.Inf(-1)), 0
		}
	}
	for j0 := klo; j0 < khi; j0 += attnBK {
		j1 := min(j0+attnBK, khi)
		// kt[dd][j] = k[j0+j, hk, dd], zero past j1 so the score block is always attnBK wide.
		clear(s.kt)
		for j := j0; j < j1; j++ {
			kr := k[(j*hkv+hk)*d : (j*hkv+hk)*d+d]
			for dd, x := range kr {
				s.kt[dd*attnBK+j-j0] = x
			}
		}
		for i := i0; i < i1; i++ {
			lo, hi := p.keys(i)
			a, b := max(lo, j0), min(hi, j1)
			if a >= b {
				continue
			}
			for g := range group {
				row := (i-i0)*group + g
				scores(&s.s, s.qs[row*d:row*d+d], s.kt)
				sc := s.s[a-j0 : b-j0]
				m := max(s.m[row], maxf(sc))
				if m != s.m[row] || math.IsNaN(float64(m)) {
					// Rescale what was summed under the old max (exp(-Inf) = 0 on the first block).
					corr := expScalar(s.m[row] - m)
					if math.IsInf(float64(s.m[row]), -1) {
						corr = 0
					}
					s.l[row] *= corr
					o := out[i*h*d+(hk*group+g)*d:]
					scal(o[:d], corr)
					s.m[row] = m
				}
				s.l[row] += expShift(sc, m)
				o := out[i*h*d+(hk*group+g)*d:]
				accPV(o[:d], sc, v[(a*hkv+hk)*d:], hkv*d)
			}
		}
	}
	for i := i0; i < i1; i++ {
		for g := range group {
			row := (i-i0)*group + g
			if s.l[row] != 0 || math.IsNaN(float64(s.l[row])) {
				o := out[i*h*d+(hk*group+g)*d:]
				scal(o[:d], 1/s.l[row])
			}
		}
	}
}

func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

func (p *Attention) check(nOut, nq, nk, nv int) {
	bad := func(f string, args ...any) {
		panic(fmt.Sprintf("kern: Attend: "+f, args...))
	}
	if p.Lq <= 0 || p.Lk <= 0 || p.H <= 0 || p.Hkv <= 0 || p.D <= 0 || p.H%p.Hkv != 0 {
		bad("Lq=%d Lk=%d H=%d Hkv=%d D=%d", p.Lq, p.Lk, p.H, p.Hkv, p.D)
	}
	if nq != p.Lq*p.H*p.D || nOut != nq || nk != p.Lk*p.Hkv*p.D || nv != nk {
		bad("len(out)=%d len(q)=%d len(k)=%d len(v)=%d for Lq=%d Lk=%d H=%d Hkv=%d D=%d",
			nOut, nq, nk, nv, p.Lq, p.Lk, p.H, p.Hkv, p.D)
	}
	if p.Segments != nil {
		at := 0
		for _, sg := range p.Segments {
			if sg[0] != at || sg[1] <= sg[0] {
				bad("Segments %v do not partition [0,%d)", p.Segments, p.Lk)
			}
			at = sg[1]
		}
		if at != p.Lk {
			bad("Segments %v do not partition [0,%d)", p.Segments, p.Lk)
		}
	}
}
