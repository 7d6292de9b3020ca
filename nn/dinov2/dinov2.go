package dinov2

import (
	"fmt"

	"github.com/dsr4d/dsr4d/nn"
)

// Config sizes an Encoder.
type Config struct {
	Dim, Depth, Heads int
	Registers         int     // register tokens after the cls token
	Patch             int     // patch side in pixels
	Grid              int     // side of the position table's patch grid (pos_embed has 1 + Grid² rows)
	Offset            float64 // interpolate_offset
	// Antialias is interpolate_antialias: torch's antialiased bicubic (InterpolateAA) for the
	// position table, as the hub's *_reg models set it (with Offset 0).
	Antialias bool
}

// ViTL14Reg is DINOv2 ViT-L/14 with 4 registers at img_size 518, as π³ and the DSR Suite build it.
func ViTL14Reg() Config {
	return Config{Dim: 1024, Depth: 24, Heads: 16, Registers: 4, Patch: 14, Grid: 37, Offset: 0.1}
}

// DSRSpatial is the DSR Suite's spatial encoder: its copy of the DINOv2 hub's
// dinov2_vitl14_reg, which (unlike π³'s ViTL14Reg) resizes the position table by size with
// antialiasing (interpolate_antialias=True, interpolate_offset=0.0).
func DSRSpatial() Config {
	c := ViTL14Reg()
	c.Offset, c.Antialias = 0, true
	return c
}

// Encoder is the DINOv2 vision transformer (see the package doc).
type Encoder struct {
	Cfg            Config
	Cls, Pos, Reg  *nn.Tensor // (1,1,D), (1,1+Grid²,D), (1,Registers,D)
	PatchW, PatchB *nn.Tensor // conv (D,3,P,P) and (D)
	Blocks         []*nn.Block
	Norm           nn.LayerNorm

	patchW *nn.Tensor // PatchW as (D, 3·P·P), made once (the CPU packs it on first use)
}

// New returns an encoder of c's sizes, weights not loaded.
func New(c Config) *Encoder {
	e := &Encoder{Cfg: c, Norm: nn.LayerNorm{Dim: c.Dim, Eps: 1e-6}}
	for range c.Depth {
		e.Blocks = append(e.Blocks, nn.NewBlock(nn.AttentionConfig{Dim: c.Dim, Heads: c.Heads, Fused: true, QKVBias: true, OBias: true}, 4*c.Dim, true))
	}
	return e
}

func (e *Encoder) Params(prefix string, visit func(nn.Param)) {
	c := e.Cfg
	visit(nn.Param{Name: prefix + "cls_token", Shape: []int{1, 1, c.Dim}, Dst: []**nn.Tensor{&e.Cls}})
	visit(nn.Param{Name: prefix + "pos_embed", Shape: []int{1, 1 + c.Grid*c.Grid, c.Dim}, Dst: []**nn.Tensor{&e.Pos}})
	if c.Registers > 0 {
		visit(nn.Param{Name: prefix + "register_tokens", Shape: []int{1, c.Registers, c.Dim}, Dst: []**nn.Tensor{&e.Reg}})
	}
	// Not a Weight: a 16-bit conv kernel would be packed in its 4-D shape.
	visit(nn.Param{Name: prefix + "patch_embed.proj.weight", Shape: []int{c.Dim, 3, c.Patch, c.Patch}, Dst: []**nn.Tensor{&e.PatchW}})
	visit(nn.Param{Name: prefix + "patch_embed.proj.bias", Shape: []int{c.Dim}, Dst: []**nn.Tensor{&e.PatchB}})
	for i, b := range e.Blocks {
		b.Params(fmt.Sprintf("%sblocks.%d.", prefix, i), visit)
	}
	e.Norm.Params(prefix+"norm.", visit)
	e.patchW = nil
}

// Patchify returns the patches of n images (n,3,h,w) row-major as (n·(h/p)·(w/p), 3·p·p) rows in
// the conv kernel's (channel, y, x) order, the patches of an image in row-major grid order.
func Patchify(img []float32, n, h, w, p int) []float32 {
	gh, gw := h/p, w/p
	k := 3 * p * p
	out := make([]float32, n*gh*gw*k)
	for f := range n {
		for gy := range gh {
			for gx := range gw {
				row := out[((f*gh+gy)*gw+gx)*k:]
				for c := range 3 {
					plane := img[(f*3+c)*h*w:]
					for y := range p {
						copy(row[(c*p+y)*p:][:p], plane[(gy*p+y)*w+gx*p:][:p])
					}
				}
			}
		}
	}
	return out
}

// Tokens returns the tokens per image, 1 + Registers + (h/P)·(w/P).
func (e *Encoder) Tokens(h, w int) int {
	return 1 + e.Cfg.Registers + (h/e.Cfg.Patch)*(w/e.Cfg.Patch)
}

// PosTable returns the position rows added to the patch tokens of an h×w image (pixels), as
// interpolate_pos_encoding (see the package doc), and the cls token's row.
func (e *Encoder) PosTable(be nn.Backend, h, w int) (patches, cls []float32, err error) {
	c := e.Cfg
	pos, err := be.Read(e.Pos)
	if err != nil {
		return nil, nil, err
	}
	gh, gw := h/c.Patch, w/c.Patch
	cls, table := pos[:c.Dim], pos[c.Dim:]
	if gh*gw == c.Grid*c.Grid && h == w {
		return table, cls, nil
	}
	if c.Antialias {
		return InterpolateAA(table, c.Grid, c.Dim, gh, gw), cls, nil
	}
	return Interpolate(table, c.Grid, c.Dim, gh, gw, c.Offset), cls, nil
}

// Output selects the normalised tokens Encode returns.
type Output int

const (
	PatchTokens Output = iota // x_norm_patchtokens: (n·(h/P)·(w/P), D)
	CLSToken                  // x_norm_clstoken (Hugging Face's last_hidden_state[:, 0]): (n, D)
)

// Forward encodes n images x (n,3,h,w) row-major, already normalised, h and w multiples of the
// patch size, and returns x_norm_patchtokens (n·(h/P)·(w/P), D).
func (e *Encoder) Forward(be nn.Backend, x []float32, n, h, w int) (*nn.Tensor, error) {
	return e.Encode(be, x, n, h, w, PatchTokens)
}

// Encode is Forward returning the tokens out selects.
func (e *Encoder) Encode(be nn.Backend, x []float32, n, h, w int, out Output) (*nn.Tensor, error) {
	c := e.Cfg
	if n <= 0 || h <= 0 || w <= 0 || h%c.Patch != 0 || w%c.Patch != 0 || len(x) != n*3*h*w {
		return nil, fmt.Errorf("dinov2: %d images of %d×%d (%d values): want sides multiple of %d", n, h, w, len(x), c.Patch)
	}
	pos, cls, err := e.PosTable(be, h, w)
	if err != nil {
		return nil, err
	}
	head := make([]float32, 0, (1+c.Registers)*c.Dim)
	clsTok, err := be.Read(e.Cls)
	if err != nil {
		return nil, err
	}
	for d := range c.Dim {
		head = append(head, clsTok[d]+cls[d])
	}
	if c.Registers > 0 {
		reg, err := be.Read(e.Reg)
		if err != nil {
			return nil, err
		}
		head = append(head, reg...)
	}
	s := be.Scope()
	defer s.Close()
	if e.patchW == nil {
		e.patchW = e.PatchW.Reshape(c.Dim, 3*c.Patch*c.Patch)
	}
	hw := len(pos) / c.Dim
	k := 3 * c.Patch * c.Patch
	patches := be.Linear(be.New(Patchify(x, n, h, w, c.Patch), n*hw, k), e.patchW, e.PatchB)
	posAll := make([]float32, 0, n*len(pos))
	for range n {
		posAll = append(posAll, pos...)
	}
	patches = be.Add(patches, be.New(posAll, n*hw, c.Dim))
	// Rows: [cls+pos₀, registers] then every image's patches; gather each image's sequence.
	nh := 1 + c.Registers
	table := be.Zeros(nh+n*hw, c.Dim)
	be.CopyRows(table, 0, be.New(head, nh, c.Dim))
	be.CopyRows(table, nh, patches)
	T := nh + hw
	ids := make([]int, 0, n*T)
	lens := make([]int, n)
	for f := range n {
		for i := range nh {
			ids = append(ids, i)
		}
		for i := range hw {
			ids = append(ids, nh+f*hw+i)
		}
		lens[f] = T
	}
	tok := be.Embedding(table, ids)
	for _, b := range e.Blocks {
		next := b.Forward(tok, nn.AttnArgs{QLens: lens, KLens: lens})
		be.Release(tok) // bounds the memory to two layers' outputs
		tok = next
		if err := be.Sync(); err != nil { // on Vulkan released memory comes back at a batch's end
			return nil, err
		}
	}
	ids = ids[:0]
	for f := range n {
		if out == CLSToken {
			ids = append(ids, f*T)
			continue
		}
		for i := range hw {
			ids = append(ids, f*T+nh+i)
		}
	}
	// The norm is per row: gathering first normalises only the rows returned.
	res := s.Keep(e.Norm.Forward(be.Embedding(tok, ids)))
	return res, be.Err()
}
