package qwen2

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/dsr4d/dsr4d/nn"
)

// Session is one sequence being decoded: a KV cache per layer and the next text position.
type Session struct {
	m      *Model
	caches []*nn.KVCache
	n      int     // tokens in the cache
	next   float32 // the next token's position (all three rows): max position + 1
}

// NewSession starts an empty sequence. Close releases its cache.
func (m *Model) NewSession() *Session {
	s := &Session{m: m}
	for range m.Layers {
		s.caches = append(s.caches, &nn.KVCache{})
	}
	return s
}

// Len is the number of tokens seen.
func (s *Session) Len() int { return s.n }

// Close releases the cache.
func (s *Session) Close() {
	for _, c := range s.caches {
		c.Release(s.m.be)
	}
}

// Append runs ids through the model in one batch at positions pos (nil: text positions after
// what the session holds) and returns the logits of the last one.
func (s *Session) Append(ids []int, pos [][3]float32) ([]float32, error) {
	return s.AppendVision(ids, pos, nil)
}

// AppendVision is Append with the embeddings of the image/video pads of ids replaced by the
// rows of vision in order (see Model.LogitsVision).
func (s *Session) AppendVision(ids []int, pos [][3]float32, vision *nn.Tensor) ([]float32, error) {
	if err := s.m.checkIDs(ids, pos, s.n); err != nil {
		return nil, err
	}
	if err := s.m.checkVision(ids, vision); err != nil {
		return nil, err
	}
	if pos == nil {
		pos = TextPositions(int(s.next), len(ids))
	}
	out := s.m.forward(ids, pos, vision, s.caches, false)
	defer s.m.be.Release(out)
	logits, err := s.m.be.Read(out)
	if err != nil {
		return nil, fmt.Errorf("qwen2: %w", err)
	}
	s.n += len(ids)
	for _, p := range pos {
		s.next = max(s.next, p[0]+1, p[1]+1, p[2]+1)
	}
	return logits, nil
}

// Sampling chooses the next token from logits: greedy (argmax, the first of equal maxima as
// torch.argmax) when Temperature is 0, else softmax(logits / Temperature) restricted to the TopK
// most likely tokens (0: all) and then to the smallest set whose probability reaches TopP (0 or
// 1: all), drawn with a PCG seeded by Seed.
type Sampling struct {
	Temperature float64
	TopK        int
	TopP        float64
	Seed        uint64
}

// Check names a bad setting.
func (p Sampling) Check() error {
	switch {
	case p.Temperature < 0 || math.IsNaN(p.Temperature):
		return fmt.Errorf("temperature %v: want ≥ 0", p.Temperature)
	case p.TopK < 0:
		return fmt.Errorf("top_k %d: want ≥ 0", p.TopK)
	case p.TopP < 0 || p.TopP > 1 || math.IsNaN(p.TopP):
		return fmt.Errorf("top_p %v: want in [0, 1]", p.TopP)
	}
	return nil
}

// Sampler draws tokens by a Sampling.
type Sampler struct {
	p   Sampling
	rng *rand.Rand
}

// NewSampler returns a sampler with its own seeded generator.
func NewSampler(p Sampling) *Sampler {
	return &Sampler{p: p, rng: rand.New(rand.NewPCG(p.Seed, 0x9e3779b97f4a7c15))}
}

// Argmax is the index of the first maximum.
func Argmax(x []float32) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}

// Next picks a token from logits.
func (s *Sampler) Next(logits []float32) int {
	if s.p.Temperature == 0 {
		return Argmax(logits)
	}
	type cand struct {
		id int
		p  float64
	}
	cs := make([]cand, len(logits))
	for i, v := range logits {
		cs[i] = cand{i, float64(v) / s.p.Temperature}
	}
	slices.SortStableFunc(cs, func(a, b cand) int { return cmp.Compare(b.p, a.p) })
	if k := s.p.TopK; k > 0 && k < len(cs) {
		cs = cs[:k]
	}
	top, sum := cs[0].p, 0.0
	for i := range cs {
		cs[i].p = math.Exp(cs[i].p - top)
		sum += cs[i].p
	}
	for i := range cs {
		cs[i].p /= sum
	}
	if p := s.p.TopP; p > 0 && p < 1 {
		acc := 0.0
		for i := range cs {
			acc += cs[i].p
			if acc >= p {
				cs = cs[:i+1]
				break
			}
		}
		sum = acc
	} else {
		sum = 1
	}
	r := s.rng.Float64() * sum
	for _, c := range cs {
		if r < c.p {
			return c.id
		}
		r -= c.p
	}
	return cs[len(cs)-1].id
}

// GenOptions bound a generation.
type GenOptions struct {
	MaxTokens int   // new tokens at most (> 0)
	Stop      []int // tokens that end the reply (not included in it)
	Sampling
	// Vision, if set, holds the rows that replace the prompt's image/video pad embeddings in
	// order (the vision tower's merged tokens; see Model.LogitsVision).
	Vision *nn.Tensor
	// OnToken, if set, receives each new token as it is chosen; returning false stops.
	OnToken func(id int) bool
}

// Result is a finished generation.
type Result struct {
	IDs          []int  // the reply's tokens, stop token excluded
	PromptTokens int    //
	Finish       string // "stop" (a stop token or OnToken), or "length" (MaxTokens)
	Prefill      time.Duration
	Decode       time.Duration // all steps after the first token
}

// PrefillRate and DecodeRate are tokens per second.
func (r Result) PrefillRate() float64 { return float64(r.PromptTokens) / r.Prefill.Seconds() }
func (r Result) DecodeRate() float64 {
	if len(r.IDs) <= 1 || r.Decode <= 0 {
		return 0
	}
	return float64(len(r.IDs)-1) / r.Decode.Seconds()
}

// Generate prefills prompt in one batch (at pos; nil: text positions) and decodes until a stop
// token, MaxTokens new tokens, or the context is full.
func (m *Model) Generate(prompt []int, pos [][3]float32, opt GenOptions) (Result, error) {
	if opt.MaxTokens <= 0 {
		return Result{}, fmt.Errorf("qwen2: max tokens %d: want > 0", opt.MaxTokens)
	}
	if err := opt.Sampling.Check(); err != nil {
		return Result{}, fmt.Errorf("qwen2: %w", err)
	}
	if len(prompt) >= m.Cfg.MaxPositions {
		return Result{}, fmt.Errorf("qwen2: the prompt's %d tokens leave no room in the context of %d (max_position_embeddings)", len(prompt), m.Cfg.MaxPositions)
	}
	s := m.NewSession()
	defer s.Close()
	res := Result{PromptTokens: len(prompt), Finish: "length"}
	t0 := time.Now()
	logits, err := s.AppendVision(prompt, pos, opt.Vision)
	if err != nil {
		return res, err
	}
	res.Prefill = time.Since(t0)
	sm := NewSampler(opt.Sampling)
	t1 := time.Now()
	for {
		id := sm.Next(logits)
		if slices.Contains(opt.Stop, id) {
			res.Finish = "stop"
			break
		}
		res.IDs = append(res.IDs, id)
		if len(res.IDs) == 1 {
			t1 = time.Now()
		}
		if opt.OnToken != nil && !opt.OnToken(id) {
			res.Finish = "stop"
			break
		}
		if len(res.IDs) >= opt.MaxTokens || s.Len() >= m.Cfg.MaxPositions {
			break
		}
		if logits, err = s.Append([]int{id}, nil); err != nil {
			return res, err
		}
	}
	res.Decode = time.Since(t1)
	return res, nil
}
