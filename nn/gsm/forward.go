package gsm

import (
	"fmt"

	"github.com/dsr4d/dsr4d/nn"
)

// Sample is one video and its question.
type Sample struct {
	// Text holds the prompt's text-token embeddings, (L, Hidden) row-major (rows of the LLM's
	// embed_tokens, special tokens removed).
	Text []float32
	// Features holds the encoder's patch tokens, (2·T, gh·gw, SpatialDim): frame-major, then
	// row-major patches.
	Features []float32
	// Grid is Qwen's video grid (T, gh, gw): T temporal steps of 2 frames, a gh × gw patch grid
	// (14-px patches) per frame; gh and gw are even.
	Grid [3]int
	// SecondPerGridT is the seconds spanned by one temporal step (Qwen's second_per_grid_ts).
	SecondPerGridT float32
}

// Tokens is the number of 3D tokens of the sample: T · gh/2 · gw/2.
func (s Sample) Tokens() int { return s.Grid[0] * (s.Grid[1] / 2) * (s.Grid[2] / 2) }

func (m *Model) check(i int, s Sample) (textLen int, err error) {
	t, gh, gw := s.Grid[0], s.Grid[1], s.Grid[2]
	if t <= 0 || gh <= 0 || gw <= 0 || gh%2 != 0 || gw%2 != 0 {
		return 0, fmt.Errorf("gsm: sample %d: grid %v, want positive T and even gh, gw", i, s.Grid)
	}
	if want := 2 * t * gh * gw * m.SpatialDim; len(s.Features) != want {
		return 0, fmt.Errorf("gsm: sample %d: %d feature values, grid %v needs (%d, %d, %d) = %d", i, len(s.Features), s.Grid, 2*t, gh*gw, m.SpatialDim, want)
	}
	if len(s.Text) == 0 || len(s.Text)%m.Hidden != 0 {
		return 0, fmt.Errorf("gsm: sample %d: %d text values are not (L ≥ 1, %d)", i, len(s.Text), m.Hidden)
	}
	if !(s.SecondPerGridT >= 0) {
		return 0, fmt.Errorf("gsm: sample %d: second_per_grid_t %v", i, s.SecondPerGridT)
	}
	return len(s.Text) / m.Hidden, nil
}

// Merge222 groups encoder tokens 2×2×2: features of frames = 2T frames, (2T, gh, gw, c), viewed
// as (T, 2, gh/2, 2, gw/2, 2, c), ordered (T, gh/2, gw/2, 2ₜ, 2ₕ, 2_w, c) and flattened to
// (T·gh/2·gw/2, 8c). frames, gh and gw must be even.
func Merge222(features []float32, frames, gh, gw, c int) []float32 {
	out := make([]float32, len(features))
	o := 0
	for ti := range frames / 2 {
		for hi := range gh / 2 {
			for wi := range gw / 2 {
				for dt := range 2 {
					for dh := range 2 {
						for dw := range 2 {
							f, h, w := 2*ti+dt, 2*hi+dh, 2*wi+dw
							src := ((f*gh+h)*gw + w) * c
							copy(out[o:o+c], features[src:src+c])
							o += c
						}
					}
				}
			}
		}
	}
	return out
}

// VisionPositions are the M-RoPE positions of a sample's 3D tokens, in token order:
// (⌊k · second_per_grid_t · 2⌋, row, col) for temporal step k, row < gh/2, col < gw/2. The time
// index is computed in float32 and truncated, as the reference's .long() does.
func VisionPositions(grid [3]int, secondPerGridT float32) [][3]float32 {
	t, h, w := grid[0], grid[1]/2, grid[2]/2
	pos := make([][3]float32, 0, t*h*w)
	for k := range t {
		tk := float32(int64(float32(k) * secondPerGridT * 2))
		for r := range h {
			for c := range w {
				pos = append(pos, [3]float32{tk, float32(r), float32(c)})
			}
		}
	}
	return pos
}

// TextPositions are (i, i, i) for i < n: the positions of text keys and of the queries.
func TextPositions(n int) [][3]float32 {
	pos := make([][3]float32, n)
	for i := range pos {
		pos[i] = [3]float32{float32(i), float32(i), float32(i)}
	}
	return pos
}

// RopeFor builds the M-RoPE tables of positions pos on the model's backend.
func (m *Model) RopeFor(pos [][3]float32) (nn.Rotary, error) {
	cs, sn, err := nn.MRoPETable(pos, m.HeadDim(), m.Theta, m.Sections)
	if err != nil {
		return nn.Rotary{}, err
	}
	return nn.NewRotary(m.be, cs, sn, m.HeadDim(), 1), nil
}

// SpatialMerger maps merged encoder tokens x (N, 8·SpatialDim) to 3D tokens (N, Hidden):
// Linear(GELU(Linear(RMSNorm(x)))) with the exact GELU.
func (m *Model) SpatialMerger(x *nn.Tensor) *nn.Tensor {
	s := m.be.Scope()
	defer s.Close()
	return s.Keep(m.Merger.MLP.Forward(m.Merger.LnQ.Forward(x)))
}

// QFormerLayer runs Q-Former layer i (0 or 1) for queries q (nq, D) over target (nk, D):
//
//	q = q + o_proj(Attention(RoPE(q_proj(norm1(q))), RoPE(k_proj(norm1(target))), v_proj(norm1(target))))
//	q = q + down_proj(SiLU(gate_proj(norm2(q))) ⊙ up_proj(norm2(q)))
//
// qRope and kRope hold the tables of the queries' and keys' positions; qLens, kLens the
// block-diagonal mask (nil: one sample).
func (m *Model) QFormerLayer(i int, q, target *nn.Tensor, qRope, kRope nn.Rotary, qLens, kLens []int) *nn.Tensor {
	be, w := m.be, m.QF[i]
	s := be.Scope()
	defer s.Close()
	a := w.Attn.Forward(w.Norm1.Forward(q), w.Norm1.Forward(target), nn.AttnArgs{QRope: &qRope, KRope: &kRope, QLens: qLens, KLens: kLens})
	q1 := be.Add(q, a)
	return s.Keep(be.Add(q1, w.MLP.Forward(w.Norm2.Forward(q1))))
}

// Prepared is a batch's inputs on the backend: the merged encoder tokens, the text embeddings,
// the rotary tables and the mask segments.
type Prepared struct {
	Merged, Text                 *nn.Tensor
	QueryRope, TextRope, VisRope nn.Rotary
	QLens, TextLens, VisLens     []int
}

// Prepare checks the samples and uploads their inputs.
func (m *Model) Prepare(samples []Sample) (*Prepared, error) {
	if len(samples) == 0 {
		return nil, fmt.Errorf("gsm: no samples")
	}
	p := &Prepared{}
	var merged, text []float32
	var visPos, textPos, qPos [][3]float32
	for i, s := range samples {
		l, err := m.check(i, s)
		if err != nil {
			return nil, err
		}
		merged = append(merged, Merge222(s.Features, 2*s.Grid[0], s.Grid[1], s.Grid[2], m.SpatialDim)...)
		text = append(text, s.Text...)
		visPos = append(visPos, VisionPositions(s.Grid, s.SecondPerGridT)...)
		textPos = append(textPos, TextPositions(l)...)
		qPos = append(qPos, TextPositions(m.Queries)...)
		p.QLens = append(p.QLens, m.Queries)
		p.TextLens = append(p.TextLens, l)
		p.VisLens = append(p.VisLens, s.Tokens())
	}
	var err error
	if p.QueryRope, err = m.RopeFor(qPos); err != nil {
		return nil, err
	}
	p.TextRope, _ = m.RopeFor(textPos)
	p.VisRope, _ = m.RopeFor(visPos)
	p.Merged = m.be.New(merged, len(visPos), m.MergedDim())
	p.Text = m.be.New(text, len(textPos), m.Hidden)
	return p, nil
}

// Release frees the prepared inputs.
func (m *Model) ReleasePrepared(p *Prepared) {
	m.be.Release(p.QueryRope.Cos, p.QueryRope.Sin, p.TextRope.Cos, p.TextRope.Sin, p.VisRope.Cos, p.VisRope.Sin, p.Merged, p.Text)
}

// Run is the forward pass on prepared inputs; it returns (B·Queries, Hidden) on the backend.
func (m *Model) Run(p *Prepared) *nn.Tensor {
	s := m.be.Scope()
	defer s.Close()
	tokens := m.SpatialMerger(p.Merged)
	q0 := m.be.RepeatRows(m.QFormerQueries, len(p.QLens))
	q1 := m.QFormerLayer(0, q0, p.Text, p.QueryRope, p.TextRope, p.QLens, p.TextLens)
	q2 := m.QFormerLayer(1, q1, tokens, p.QueryRope, p.VisRope, p.QLens, p.VisLens)
	return s.Keep(m.Norm.Forward(q2))
}

// Forward runs the whole module on a batch and returns each sample's (Queries, Hidden) geometry
// tokens, row-major.
func (m *Model) Forward(samples []Sample) ([][]float32, error) {
	p, err := m.Prepare(samples)
	if err != nil {
		return nil, err
	}
	defer m.ReleasePrepared(p)
	out := m.Run(p)
	defer m.be.Release(out)
	all, err := m.be.Read(out)
	if err != nil {
		return nil, fmt.Errorf("gsm: forward: %w", err)
	}
	res := make([][]float32, len(samples))
	n := m.Queries * m.Hidden
	for i := range res {
		res[i] = all[i*n : (i+1)*n]
	}
	return res, nil
}
