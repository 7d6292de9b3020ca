package kern

import (
	"fmt"
	"math"
	"sync"

	"github.com/dsr4d/dsr4d/internal/par"
)

// Attention describes softmax(q·kᵀ·Scale + mask)·v for one sequence. q is [Lq×H×D], k and v
// are [Lk×Hkv×D] (row-major, heads interleaved as a Linear's output), out is [Lq×H×D]. Query head h
// reads key/value head h/(H/Hkv) (grouped-query attention; H must be a multiple of Hkv).
// QStride, KStride and VStride, when not 0, are the distances between consecutive rows of q, k and
// v in values: q, k and v may then be views into one fused qkv projection output, e.g.
// q = qkv[0:], k = qkv[H·D:], v = qkv[(H+Hkv)·D:] with every stride (H+2·Hkv)·D.
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

	QStride, KStride, VStride int
}

// Keys are taken in blocks of NR, queries in chunks of about attnRows/group (every query head of
// a kv head): a task holds its rows' running max, sum and output (O(L·D) in all), and packs each
// key/value block once for all of them. Both products run on the GEMM micro-kernel:
// S[MR×NR] = Q·Kᵀ with the key block packed as a B panel (D×NR), then O[MR×D] += P·V with P
// packed as an A panel and the value block as B panels of NR columns of D.
const attnRows = 128

// Attend computes the attention into out with online softmax over key blocks (flash attention:
// no Lq×Lk matrix), float32 accumulation. A NaN in q, k or v reaches exactly the outputs that
// see it. A query that sees no key (possible only with Causal and Lq > Lk) gets zeros. It panics
// on bad shapes.
func Attend(out, q, k, v []float32, p Attention) {
	if p.QStride == 0 {
		p.QStride = p.H * p.D
	}
	if p.KStride == 0 {
		p.KStride = p.Hkv * p.D
	}
	if p.VStride == 0 {
		p.VStride = p.Hkv * p.D
	}
	p.check(len(out), len(q), len(k), len(v))
	group := p.H / p.Hkv
	qb := max(1, attnRows/group)
	chunks := (p.Lq + qb - 1) / qb
	bufs := sync.Pool{New: func() any { return new(attnScratch) }}
	par.For(p.Hkv*chunks, 0, func(t int) {
		s := bufs.Get().(*attnScratch)
		defer bufs.Put(s)
		p.task(out, q, k, v, t/chunks, (t%chunks)*qb, qb, group, s)
	})
}

type attnScratch struct {
	qa, kb, vb, o, m, l, qv []float32
	lo, hi                  []int
	pa                      [MR * NR]float32
	sc                      [MR * NR]float32
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

// task computes queries [i0, i0+qb) of every query head that reads kv head hk. Row
// (i-i0)·group+g of the task's matrices is query i of head hk·group+g.
func (p *Attention) task(out, q, k, v []float32, hk, i0, qb, group int, s *attnScratch) {
	d, h := p.D, p.H
	i1 := min(i0+qb, p.Lq)
	nq := (i1 - i0) * group
	nqp := roundUp(nq, MR)
	dp := roundUp(d, NR) // O rows and V panels are padded to whole panels
	s.qa, s.kb = grow(s.qa, nqp*d), grow(s.kb, d*NR)
	s.vb, s.o = grow(s.vb, dp*NR), grow(s.o, nqp*dp)
	s.m, s.l = grow(s.m, nqp), grow(s.l, nqp)
	if cap(s.lo) < nqp {
		s.lo, s.hi = make([]int, nqp), make([]int, nqp)
	}
	lo, hi := s.lo[:nqp], s.hi[:nqp]
	clear(s.o)
	clear(s.qa)
	klo, khi := p.Lk, 0
	for row := range nqp {
		lo[row], hi[row] = 0, 0 // padding rows see nothing
		s.m[row], s.l[row] = float32(math.Inf(-1)), 0
		if row >= nq {
			continue
		}
		i, g := i0+row/group, row%group
		lo[row], hi[row] = p.keys(i)
		if lo[row] < hi[row] {
			klo, khi = min(klo, lo[row]), max(khi, hi[row])
		}
		// Scaled q into MR-row A panels: panel row/MR, element (dd, row%MR).
		qr := q[i*p.QStride+(hk*group+g)*d : i*p.QStride+(hk*group+g)*d+d]
		pan := s.qa[row/MR*MR*d:]
		for dd, x := range qr {
			pan[dd*MR+row%MR] = x * p.Scale
		}
	}
	for j0, j1 := klo, 0; j0 < khi; j0 = j1 {
		j1 = min(j0+NR, khi, p.segmentEnd(j0)) // a block never straddles two segments
		if nq < MR {
			p.direct(s, k, v, hk, nq, j0, j1, dp)
			continue
		}
		vNaN := p.packKV(s, k, v, hk, j0, j1)
		for r0 := 0; r0 < nq; r0 += MR {
			p.block(s, r0, j0, j1, dp, vNaN)
		}
	}
	for row := range nq {
		i, g := i0+row/group, row%group
		o := out[(i*h+hk*group+g)*d : (i*h+hk*group+g)*d+d]
		copy(o, s.o[row*dp:row*dp+d])
		if s.l[row] != 0 || math.IsNaN(float64(s.l[row])) {
			scal(o, 1/s.l[row])
		}
	}
}

// packKV packs keys [j0,j1) of kv head hk: K as one D×NR B panel, V as dp/NR panels NR×NR
// (zero past j1 and past D). It reports whether the V block holds a NaN.
func (p *Attention) packKV(s *attnScratch, k, v []float32, hk, j0, j1 int) (vNaN bool) {
	d := p.D
	clear(s.kb)
	clear(s.vb)
	for j := j0; j < j1; j++ {
		kr := k[j*p.KStride+hk*d : j*p.KStride+hk*d+d]
		for dd, x := range kr {
			s.kb[dd*NR+j-j0] = x
		}
		vr := v[j*p.VStride+hk*d : j*p.VStride+hk*d+d]
		for c := 0; c < d; c += NR {
			copy(s.vb[c*NR+(j-j0)*NR:], vr[c:min(c+NR, d)])
		}
		vNaN = vNaN || hasNaN(vr)
	}
	return vNaN
}

// block folds keys [j0,j1) into rows [r0, r0+MR) of the task: scores, online-softmax update,
// O += P·V.
func (p *Attention) block(s *attnScratch, r0, j0, j1, dp int, vNaN bool) {
	d := p.D
	seen := false
	for r := r0; r < r0+MR; r++ {
		seen = seen || (max(s.lo[r], j0) < min(s.hi[r], j1))
	}
	if !seen {
		return
	}
	kernel.full(d, &s.qa[r0*d], &s.kb[0], &s.sc[0], NR, false)
	clear(s.pa[:])
	for r := r0; r < r0+MR; r++ {
		a, b := max(s.lo[r], j0)-j0, min(s.hi[r], j1)-j0
		if a >= b {
			continue
		}
		sc := s.sc[(r-r0)*NR+a : (r-r0)*NR+b]
		s.online(r, sc, s.o[r*dp:r*dp+dp])
		for j, x := range sc {
			s.pa[(a+j)*MR+r-r0] = x
		}
		if vNaN { // 0·NaN must not reach rows that do not see the NaN: sum only what they see
			for j, x := range sc {
				row := s.o[r*dp : r*dp+d]
				for dd := range row {
					row[dd] += x * s.vb[dd/NR*NR*NR+(a+j)*NR+dd%NR]
				}
			}
		}
	}
	if vNaN {
		return
	}
	for c := 0; c < dp; c += NR { // O's padding columns past D are never computed
		kernel.upTo(d-c)(j1-j0, &s.pa[0], &s.vb[c*NR], &s.o[r0*dp+c], dp, true)
	}
}

// online folds the scores sc of row r's visible keys in one block into its running max and sum,
// rescaling its output o when the max grows, and turns sc into the block's weights exp(s-max).
func (s *attnScratch) online(r int, sc, o []float32) {
	m := max(s.m[r], maxf(sc))
	if m != s.m[r] || m != m {
		// Rescale what was summed under the old max (nothing yet on the first block).
		if !math.IsInf(float64(s.m[r]), -1) {
			corr := expScalar(s.m[r] - m)
			s.l[r] *= corr
			scal(o, corr)
		}
		s.m[r] = m
	}
	s.l[r] += expShift(sc, m)
}

// direct folds keys [j0,j1) into the task's rows without packing: dot products against the key
// rows and axpys of the value rows. For a few rows (decoding: one query per head) packing the
// block would cost more than the products.
func (p *Attention) direct(s *attnScratch, k, v []float32, hk, nq, j0, j1, dp int) {
	d := p.D
	for r := range nq {
		a, b := max(s.lo[r], j0), min(s.hi[r], j1)
		if a >= b {
			continue
		}
		qr := s.qa[r/MR*MR*d:]
		s.qv = grow(s.qv, d)
		qv := s.qv // this row's scaled q, gathered from its A panel
		for dd := range qv {
			qv[dd] = qr[dd*MR+r%MR]
		}
		sc := s.pa[:b-a]
		for j := a; j < b; j++ {
			sc[j-a] = dot(qv, k[j*p.KStride+hk*d:j*p.KStride+hk*d+d])
		}
		o := s.o[r*dp : r*dp+dp]
		s.online(r, sc, o)
		for j := a; j < b; j++ {
			axpy(o[:d], v[j*p.VStride+hk*d:j*p.VStride+hk*d+d], sc[j-a])
		}
	}
}

// segmentEnd is the end of the segment holding key position j (Lk without segments).
func (p *Attention) segmentEnd(j int) int {
	for _, sg := range p.Segments {
		if j < sg[1] {
			return sg[1]
		}
	}
	return p.Lk
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
	// Each view must hold its last row's heads; a row stride may not overlap the next row.
	qw, kw := p.H*p.D, p.Hkv*p.D
	if nOut != p.Lq*qw || p.QStride < qw || p.KStride < kw || p.VStride < kw ||
		nq < (p.Lq-1)*p.QStride+qw || nk < (p.Lk-1)*p.KStride+kw || nv < (p.Lk-1)*p.VStride+kw {
		bad("len(out)=%d len(q)=%d len(k)=%d len(v)=%d for Lq=%d Lk=%d H=%d Hkv=%d D=%d strides %d %d %d",
			nOut, nq, nk, nv, p.Lq, p.Lk, p.H, p.Hkv, p.D, p.QStride, p.KStride, p.VStride)
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
