package qwen2

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/dsr4d/dsr4d/nn"
	"github.com/dsr4d/dsr4d/nn/safetensors"
)

// Layer is Qwen2DecoderLayer: x += self_attn(input_layernorm(x)); x += mlp(post_attention_layernorm(x)).
type Layer struct {
	InNorm, PostNorm nn.RMSNorm
	Attn             *nn.Attention
	MLP              *nn.SwiGLU
}

func (l *Layer) Params(prefix string, visit func(nn.Param)) {
	l.InNorm.Params(prefix+"input_layernorm.", visit)
	l.Attn.Params(prefix+"self_attn.", visit)
	l.PostNorm.Params(prefix+"post_attention_layernorm.", visit)
	l.MLP.Params(prefix+"mlp.", visit)
}

// Model is the decoder with its head: embed_tokens, the layers, the final norm and lm_head.
type Model struct {
	Cfg    Config
	be     nn.Backend
	Prefix string // of the decoder's names: "model." (the released checkpoints) or "model.language_model."
	Embed  *nn.Tensor
	Layers []*Layer
	Norm   nn.RMSNorm
	Head   nn.Linear
}

// New returns a model of c's sizes on be, weights not loaded.
func New(be nn.Backend, c Config) *Model {
	m := &Model{Cfg: c, be: be, Prefix: "model.", Norm: nn.RMSNorm{Dim: c.Hidden, Eps: float32(c.RMSEps)},
		Head: nn.Linear{In: c.Hidden, Out: c.Vocab}}
	for range c.Layers {
		m.Layers = append(m.Layers, &Layer{
			InNorm:   nn.RMSNorm{Dim: c.Hidden, Eps: float32(c.RMSEps)},
			PostNorm: nn.RMSNorm{Dim: c.Hidden, Eps: float32(c.RMSEps)},
			Attn:     nn.NewAttention(nn.AttentionConfig{Dim: c.Hidden, Heads: c.Heads, KVHeads: c.KVHeads, QKVBias: true}),
			MLP:      nn.NewSwiGLU(c.Hidden, c.Intermediate, false),
		})
	}
	return m
}

// Params walks the released names: model.embed_tokens.weight, model.layers.N.…, model.norm.weight,
// lm_head.weight. The embedding table is float32 (a gather reads it); lm_head and the layers'
// Linear weights stay 16-bit when stored so.
func (m *Model) Params(prefix string, visit func(nn.Param)) {
	p := prefix + m.Prefix
	visit(nn.Param{Name: p + "embed_tokens.weight", Shape: []int{m.Cfg.Vocab, m.Cfg.Hidden}, Dst: []**nn.Tensor{&m.Embed}})
	for i, l := range m.Layers {
		l.Params(fmt.Sprintf("%slayers.%d.", p, i), visit)
	}
	m.Norm.Params(p+"norm.", visit)
	m.Head.Params(prefix+"lm_head.", visit)
}

// Backend is the backend the model lives on.
func (m *Model) Backend() nn.Backend { return m.be }

// Load reads dir/config.json and the weights (dir/model.safetensors, or the shards of
// dir/model.safetensors.index.json) onto be. A missing shard or tensor, or one of the wrong
// shape, is an error naming it.
func Load(be nn.Backend, dir string) (*Model, error) {
	c, err := LoadConfig(filepath.Join(dir, "config.json"))
	if err != nil {
		return nil, err
	}
	set, err := safetensors.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("qwen2: %w", err)
	}
	defer set.Close()
	return LoadFrom(be, c, set)
}

// LoadFrom loads a model of config c from an opened checkpoint. The decoder's names are looked
// for under "model." and, failing that, "model.language_model." (transformers ≥ 4.52 saves so).
func LoadFrom(be nn.Backend, c Config, set *safetensors.Set) (*Model, error) {
	m := New(be, c)
	if _, err := set.Info("model.embed_tokens.weight"); errors.Is(err, safetensors.ErrNotFound) {
		if _, err2 := set.Info("model.language_model.embed_tokens.weight"); err2 == nil {
			m.Prefix = "model.language_model."
		}
	}
	if err := nn.Load(be, set, m); err != nil {
		return nil, fmt.Errorf("qwen2: %w", err)
	}
	return m, nil
}

// Free releases the weights.
func (m *Model) Free() { nn.Free(m.be, m) }

// forward runs the decoder over ids at positions pos (3 rows per token: t, h, w), appending
// to caches (one per layer; nil for none), and returns the logits of the last token, or of
// every token when all is set. vision (nil: none) holds the rows that replace the embeddings
// of the image and video pads, in order (checkVision checked the count).
func (m *Model) forward(ids []int, pos [][3]float32, vision *nn.Tensor, caches []*nn.KVCache, all bool) *nn.Tensor {
	be, c := m.be, m.Cfg
	s := be.Scope()
	defer s.Close()
	cos, sin, err := nn.MRoPETable(pos, c.HeadDim(), c.RopeTheta, c.MRoPESection)
	if err != nil {
		panic(err) // the config was checked: sections sum to head_dim/2
	}
	rot := nn.NewRotary(be, cos, sin, c.HeadDim(), 1)
	x := be.Embedding(m.Embed, ids)
	if vision != nil {
		m.scatterVision(x, ids, vision)
	}
	for i, l := range m.Layers {
		args := nn.AttnArgs{QRope: &rot, Causal: true}
		if caches != nil {
			args.Cache = caches[i]
		}
		x = be.Add(x, l.Attn.Forward(l.InNorm.Forward(x), nil, args))
		x = be.Add(x, l.MLP.Forward(l.PostNorm.Forward(x)))
	}
	if !all && x.Rows() > 1 {
		x = be.Embedding(x, []int{x.Rows() - 1}) // the last row: a gather of one id
	}
	return s.Keep(m.Head.Forward(m.Norm.Forward(x)))
}

// Logits runs the model over a whole sequence without a cache and returns the logits of every
// position (len(ids) × Vocab, row-major). pos nil means text positions 0, 1, ….
func (m *Model) Logits(ids []int, pos [][3]float32) ([]float32, error) {
	if err := m.checkIDs(ids, pos, 0); err != nil {
		return nil, err
	}
	if pos == nil {
		pos = TextPositions(0, len(ids))
	}
	out := m.forward(ids, pos, nil, nil, true)
	defer m.be.Release(out)
	return m.be.Read(out)
}

// LogitsVision is Logits for a prompt with images or videos: the embeddings of its pads
// (<|image_pad|>, <|video_pad|>) are replaced by the rows of vision in order, as
// Qwen2_5_VLModel.forward does with masked_scatter; pos are RopeIndex's.
func (m *Model) LogitsVision(ids []int, pos [][3]float32, vision *nn.Tensor) ([]float32, error) {
	if err := m.checkIDs(ids, pos, 0); err != nil {
		return nil, err
	}
	if err := m.checkVision(ids, vision); err != nil {
		return nil, err
	}
	if pos == nil {
		pos = TextPositions(0, len(ids))
	}
	out := m.forward(ids, pos, vision, nil, true)
	defer m.be.Release(out)
	return m.be.Read(out)
}

// isPad says whether id is a vision placeholder whose embedding the vision tower replaces.
func (m *Model) isPad(id int) bool { return id == m.Cfg.ImageToken || id == m.Cfg.VideoToken }

// checkVision checks that vision has one row of the model's width per pad of ids. With vision
// nil the pads keep their embed_tokens rows (the language model alone, as its golden runs it).
func (m *Model) checkVision(ids []int, vision *nn.Tensor) error {
	if vision == nil {
		return nil
	}
	pads := 0
	for _, id := range ids {
		if m.isPad(id) {
			pads++
		}
	}
	switch {
	case vision.Cols() != m.Cfg.Hidden:
		return fmt.Errorf("qwen2: vision tokens of width %d for a model of hidden_size %d", vision.Cols(), m.Cfg.Hidden)
	case vision.Rows() != pads:
		return fmt.Errorf("qwen2: %d vision tokens for %d image/video pad tokens in the prompt", vision.Rows(), pads)
	}
	return nil
}

// scatterVision copies the rows of vision over x's rows at the pads of ids, one run of
// consecutive pads (one image or video) at a time.
func (m *Model) scatterVision(x *nn.Tensor, ids []int, vision *nn.Tensor) {
	be, k := m.be, 0
	for i := 0; i < len(ids); {
		if !m.isPad(ids[i]) {
			i++
			continue
		}
		j := i
		for j < len(ids) && m.isPad(ids[j]) {
			j++
		}
		rows := make([]int, j-i)
		for r := range rows {
			rows[r] = k + r
		}
		src := vision
		if len(rows) != vision.Rows() {
			src = be.Embedding(vision, rows) // a gather of this run's rows
		}
		be.CopyRows(x, i, src)
		k += j - i
		i = j
	}
}

func (m *Model) checkIDs(ids []int, pos [][3]float32, cached int) error {
	if len(ids) == 0 {
		return errors.New("qwen2: no tokens")
	}
	if pos != nil && len(pos) != len(ids) {
		return fmt.Errorf("qwen2: %d positions for %d tokens", len(pos), len(ids))
	}
	for i, id := range ids {
		if id < 0 || id >= m.Cfg.Vocab {
			return fmt.Errorf("qwen2: token %d (at %d) outside the vocabulary of %d", id, i, m.Cfg.Vocab)
		}
	}
	if n := cached + len(ids); n > m.Cfg.MaxPositions {
		return fmt.Errorf("qwen2: %d tokens exceed the context of %d (max_position_embeddings)", n, m.Cfg.MaxPositions)
	}
	return nil
}

// TextPositions returns the position triples (p, p, p) of n text tokens from start on.
func TextPositions(start, n int) [][3]float32 {
	pos := make([][3]float32, n)
	for i := range pos {
		p := float32(start + i)
		pos[i] = [3]float32{p, p, p}
	}
	return pos
}
