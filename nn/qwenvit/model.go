package qwenvit

import (
	"fmt"
	"slices"

	"github.com/dsr4d/dsr4d/nn"
	"github.com/dsr4d/dsr4d/nn/safetensors"
)

// Prefix is where the tower's weights live in a Qwen2.5-VL checkpoint.
const Prefix = "visual."

// Block is Qwen2_5_VLVisionBlock: x += attn(norm1(x)); x += mlp(norm2(x)), RMSNorm eps 1e-6,
// fused qkv with bias, SwiGLU with biases.
type Block struct {
	Norm1, Norm2 nn.RMSNorm
	Attn         *nn.Attention
	MLP          *nn.SwiGLU
}

func (b *Block) Params(prefix string, visit func(nn.Param)) {
	b.Norm1.Params(prefix+"norm1.", visit)
	b.Norm2.Params(prefix+"norm2.", visit)
	b.Attn.Params(prefix+"attn.", visit)
	b.MLP.Params(prefix+"mlp.", visit)
}

func (b *Block) Forward(x *nn.Tensor, args nn.AttnArgs) *nn.Tensor {
	be := x.Backend()
	s := be.Scope()
	defer s.Close()
	x = be.Add(x, b.Attn.Forward(b.Norm1.Forward(x), nil, args))
	return s.Keep(be.Add(x, b.MLP.Forward(b.Norm2.Forward(x))))
}

// Model is Qwen2_5_VisionTransformerPretrainedModel.
type Model struct {
	Config
	// PatchEmbed is the Conv3d "patch_embed.proj" (kernel = stride = T×P×P, no bias) as the
	// Linear it is over flattened patches: the checkpoint's (Hidden, C, T, P, P) weight read
	// as (Hidden, C·T·P·P), which Params lists.
	PatchEmbed nn.Linear
	Blocks     []*Block
	// Merger is Qwen2_5_VLPatchMerger: ln_q RMSNorm over Hidden, then rows grouped by
	// MergeSize² into mlp.0 Linear, GELU, mlp.2 Linear to OutHidden.
	LnQ    nn.RMSNorm
	Merger *nn.MLP
}

// New returns a model of c's sizes, weights not loaded.
func New(c Config) (*Model, error) {
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("qwenvit: %w", err)
	}
	m := &Model{Config: c, PatchEmbed: nn.Linear{In: c.PatchDim(), Out: c.Hidden}}
	for range c.Depth {
		m.Blocks = append(m.Blocks, &Block{
			Norm1: nn.RMSNorm{Dim: c.Hidden, Eps: 1e-6}, Norm2: nn.RMSNorm{Dim: c.Hidden, Eps: 1e-6},
			Attn: nn.NewAttention(nn.AttentionConfig{Dim: c.Hidden, Heads: c.Heads, Fused: true, QKVBias: true, OBias: true}),
			MLP:  nn.NewSwiGLU(c.Hidden, c.Intermediate, true)})
	}
	m.LnQ = nn.RMSNorm{Dim: c.Hidden, Eps: 1e-6}
	g := c.Hidden * c.MergeSize * c.MergeSize
	m.Merger = nn.NewMLP(g, g, c.OutHidden)
	m.Merger.Names = [2]string{"0", "2"}
	return m, nil
}

func (m *Model) Params(prefix string, visit func(nn.Param)) {
	m.PatchEmbed.Params(prefix+"patch_embed.proj.", visit)
	for i, b := range m.Blocks {
		b.Params(fmt.Sprintf("%sblocks.%d.", prefix, i), visit)
	}
	m.LnQ.Params(prefix+"merger.ln_q.", visit)
	m.Merger.Params(prefix+"merger.mlp.", visit)
}

// Load reads the weights of m from src, names under prefix ("visual." in a Qwen2.5-VL
// checkpoint, "" in a tower-only file). A missing or mis-shaped tensor is an error naming it.
func (m *Model) Load(be nn.Backend, src nn.Source, prefix string) error {
	return nn.Load(be, convSource{src, prefix + "patch_embed.proj.weight", m.convShape()}, withPrefix{m, prefix})
}

func (m *Model) convShape() []int {
	return []int{m.Hidden, m.InChans, m.TemporalPatchSize, m.PatchSize, m.PatchSize}
}

type withPrefix struct {
	m      *Model
	prefix string
}

func (w withPrefix) Params(prefix string, visit func(nn.Param)) { w.m.Params(prefix+w.prefix, visit) }

// convSource serves the Conv3d weight, stored 5-D, under the 2-D shape of the Linear it is
// (the same row-major values), and passes everything else through. It keeps Info and Half so
// that nn.Load keeps 16-bit weights 16-bit.
type convSource struct {
	nn.Source
	name  string
	shape []int
}

func (c convSource) shapeOf(name string, shape []int) []int {
	if name == c.name {
		if len(shape) != 2 || shape[0] != c.shape[0] || shape[1] != c.shape[1]*c.shape[2]*c.shape[3]*c.shape[4] {
			return shape
		}
		return c.shape
	}
	return shape
}

func (c convSource) Float32(name string, shape ...int) ([]float32, error) {
	return c.Source.Float32(name, c.shapeOf(name, shape)...)
}

func (c convSource) Info(name string) (safetensors.Info, error) {
	if s, ok := c.Source.(interface {
		Info(string) (safetensors.Info, error)
	}); ok {
		return s.Info(name)
	}
	return safetensors.Info{DType: "F32"}, nil
}

func (c convSource) Bits(name string, shape ...int) ([]uint16, string, error) {
	if s, ok := c.Source.(interface {
		Bits(string, ...int) ([]uint16, string, error)
	}); ok {
		return s.Bits(name, c.shapeOf(name, shape)...)
	}
	return nil, "", fmt.Errorf("%s: no 16-bit source", name)
}

// Tokens is the number of merged tokens the tower makes for grid (t, h, w) in patches.
func (c Config) Tokens(grid [3]int) int {
	return grid[0] * grid[1] * grid[2] / (c.MergeSize * c.MergeSize)
}

func (c Config) checkGrids(grids [][3]int) (patches int, err error) {
	if len(grids) == 0 {
		return 0, fmt.Errorf("qwenvit: no grid")
	}
	for i, g := range grids {
		if g[0] <= 0 || g[1] <= 0 || g[2] <= 0 || g[1]%c.MergeSize != 0 || g[2]%c.MergeSize != 0 {
			return 0, fmt.Errorf("qwenvit: grid %d %v: want positive (t, h, w) with h, w multiples of %d", i, g, c.MergeSize)
		}
		patches += g[0] * g[1] * g[2]
	}
	return patches, nil
}

// WindowIndex is get_window_index: the order of the merged tokens (groups of MergeSize² patch
// rows) that puts each window's tokens together — per grid, per frame, windows of
// WindowTokens² merged tokens row-major over the frame, tokens row-major inside a window — and
// the length in patch rows of each non-empty window (cu_window_seqlens' differences after
// unique_consecutive).
func (c Config) WindowIndex(grids [][3]int) (index, lens []int) {
	ws, unit := c.WindowTokens(), c.MergeSize*c.MergeSize
	base := 0
	for _, g := range grids {
		lh, lw := g[1]/c.MergeSize, g[2]/c.MergeSize
		for t := range g[0] {
			for wy := 0; wy < lh; wy += ws {
				for wx := 0; wx < lw; wx += ws {
					n := 0
					for y := wy; y < min(wy+ws, lh); y++ {
						for x := wx; x < min(wx+ws, lw); x++ {
							index = append(index, base+(t*lh+y)*lw+x)
							n++
						}
					}
					lens = append(lens, n*unit)
				}
			}
		}
		base += g[0] * lh * lw
	}
	return index, lens
}

// FullLens are the segments of the full-attention blocks: one per frame (cu_seqlens).
func (c Config) FullLens(grids [][3]int) []int {
	var lens []int
	for _, g := range grids {
		for range g[0] {
			lens = append(lens, g[1]*g[2])
		}
	}
	return lens
}

// Positions are rot_pos_emb's (row, col) of each patch row in processor order: per frame,
// merged blocks row-major and the MergeSize² patches of a block row-major.
func (c Config) Positions(grids [][3]int) [][2]float32 {
	var pos [][2]float32
	ms := c.MergeSize
	for _, g := range grids {
		for range g[0] {
			for by := 0; by < g[1]/ms; by++ {
				for bx := 0; bx < g[2]/ms; bx++ {
					for i := range ms {
						for j := range ms {
							pos = append(pos, [2]float32{float32(by*ms + i), float32(bx*ms + j)})
						}
					}
				}
			}
		}
	}
	return pos
}

// Forward runs the tower on patches (N, PatchDim), the rows of the grids in processor order
// (Patchify's output), and returns the merged tokens (N / MergeSize², OutHidden) in the same
// order — the reverse window permutation applied, as the reference returns them.
func (m *Model) Forward(patches *nn.Tensor, grids [][3]int) (*nn.Tensor, error) {
	n, err := m.checkGrids(grids)
	if err != nil {
		return nil, err
	}
	if patches.Rows() != n || patches.Cols() != m.PatchDim() {
		return nil, fmt.Errorf("qwenvit: patches %v, want (%d, %d) for grids %v", patches.Shape(), n, m.PatchDim(), grids)
	}
	be := patches.Backend()
	s := be.Scope()
	defer s.Close()
	index, winLens := m.WindowIndex(grids)
	unit := m.MergeSize * m.MergeSize
	perm := make([]int, 0, n) // patch row of each windowed row
	for _, u := range index {
		for k := range unit {
			perm = append(perm, u*unit+k)
		}
	}
	pos := m.Positions(grids)
	wpos := make([][2]float32, n)
	for i, p := range perm {
		wpos[i] = pos[p]
	}
	cos, sin, err := nn.VisionRoPETable(wpos, m.HeadDim(), 10000)
	if err != nil {
		return nil, fmt.Errorf("qwenvit: %w", err)
	}
	rope := nn.NewRotary(be, cos, sin, m.HeadDim(), 1)
	// The patch embedding acts per row, so permuting the rows before it (a gather) is the
	// reference's permutation after it.
	x := m.PatchEmbed.Forward(be.Embedding(patches, perm))
	full := nn.AttnArgs{QRope: &rope, QLens: m.FullLens(grids)}
	full.KLens = full.QLens
	win := nn.AttnArgs{QRope: &rope, QLens: winLens, KLens: winLens}
	for i, b := range m.Blocks {
		args := win
		if slices.Contains(m.FullAttBlocks, i) {
			args = full
		}
		x = b.Forward(x, args)
	}
	y := m.Merger.Forward(m.LnQ.Forward(x).Reshape(n/unit, m.Hidden*unit))
	reverse := make([]int, len(index))
	for i, u := range index {
		reverse[u] = i
	}
	return s.Keep(be.Embedding(y, reverse)), nil
}
