package pi3

import (
	"fmt"
	"math"
	"strconv"

	"github.com/dsr4d/dsr4d/nn"
	"github.com/dsr4d/dsr4d/nn/dinov2"
)

// Patch is π³'s patch size in pixels.
const Patch = 14

// Config sizes a Model.
type Config struct {
	Encoder            dinov2.Config
	Dim, Heads, Depth  int // decoder
	Registers          int // register tokens per frame
	HeadDim, HeadHeads int // TransformerDecoder heads
	HeadDepth          int
	CamDim             int // camera decoder output and CameraHead width
	RopeFreq           float64
}

// Official is the released π³ (decoder_size "large").
func Official() Config {
	return Config{Encoder: dinov2.ViTL14Reg(), Dim: 1024, Heads: 16, Depth: 36, Registers: 5,
		HeadDim: 1024, HeadHeads: 16, HeadDepth: 5, CamDim: 512, RopeFreq: 100}
}

// ConfigFrom returns the configuration a checkpoint's __metadata__ gives (the keys
// scripts/golden_pi3.py writes for its small models), or Official when it gives none.
func ConfigFrom(meta map[string]string) (Config, error) {
	c := Official()
	if _, ok := meta["dec_dim"]; !ok {
		return c, nil
	}
	keys := []struct {
		k string
		p *int
	}{{"enc_dim", &c.Encoder.Dim}, {"enc_heads", &c.Encoder.Heads}, {"enc_depth", &c.Encoder.Depth},
		{"enc_grid", &c.Encoder.Grid}, {"registers", &c.Encoder.Registers}, {"dec_dim", &c.Dim},
		{"dec_heads", &c.Heads}, {"dec_depth", &c.Depth}, {"head_dim", &c.HeadDim},
		{"head_heads", &c.HeadHeads}, {"head_depth", &c.HeadDepth}, {"cam_dim", &c.CamDim}}
	for _, k := range keys {
		v, err := strconv.Atoi(meta[k.k])
		if err != nil || v <= 0 {
			return c, fmt.Errorf("pi3: checkpoint metadata %s = %q, want a positive integer", k.k, meta[k.k])
		}
		*k.p = v
	}
	return c, nil
}

// TransformerDecoder is π³'s head trunk: projects, blocks (no LayerScale, no qk-norm, RoPE2D,
// per-frame attention), linear_out.
type TransformerDecoder struct {
	Projects, Out nn.Linear
	Blocks        []*nn.Block
}

func newTransformerDecoder(in, dim, heads, depth, out int) *TransformerDecoder {
	t := &TransformerDecoder{Projects: nn.Linear{In: in, Out: dim, HasBias: true}, Out: nn.Linear{In: dim, Out: out, HasBias: true}}
	for range depth {
		t.Blocks = append(t.Blocks, nn.NewBlock(nn.AttentionConfig{Dim: dim, Heads: heads, Fused: true, QKVBias: true, OBias: true}, 4*dim, false))
	}
	return t
}

func (t *TransformerDecoder) Params(prefix string, visit func(nn.Param)) {
	t.Projects.Params(prefix+"projects.", visit)
	for i, b := range t.Blocks {
		b.Params(fmt.Sprintf("%sblocks.%d.", prefix, i), visit)
	}
	t.Out.Params(prefix+"linear_out.", visit)
}

// CameraHead is π³'s CameraHead: res_conv (two blocks of three Linears), more_mlps, fc_t, fc_rot.
type CameraHead struct {
	Res       [2][3]nn.Linear
	More      [2]nn.Linear
	FcT, FcRo nn.Linear
}

func newCameraHead(d int) *CameraHead {
	c := &CameraHead{FcT: nn.Linear{In: d, Out: 3, HasBias: true}, FcRo: nn.Linear{In: d, Out: 9, HasBias: true}}
	for i := range c.Res {
		for j := range c.Res[i] {
			c.Res[i][j] = nn.Linear{In: d, Out: d, HasBias: true}
		}
		c.More[i] = nn.Linear{In: d, Out: d, HasBias: true}
	}
	return c
}

func (c *CameraHead) Params(prefix string, visit func(nn.Param)) {
	for i := range c.Res {
		for j := range c.Res[i] {
			c.Res[i][j].Params(fmt.Sprintf("%sres_conv.%d.res_conv%d.", prefix, i, j+1), visit)
		}
	}
	c.More[0].Params(prefix+"more_mlps.0.", visit)
	c.More[1].Params(prefix+"more_mlps.2.", visit)
	c.FcT.Params(prefix+"fc_t.", visit)
	c.FcRo.Params(prefix+"fc_rot.", visit)
}

// Model is π³ (see the package doc).
type Model struct {
	Cfg                 Config
	Encoder             *dinov2.Encoder
	Register            *nn.Tensor // (1,1,Registers,Dim)
	Decoder             []*nn.Block
	Point, Conf, Camera *TransformerDecoder
	PointHead, ConfHead nn.Linear
	CamHead             *CameraHead
}

// New returns a model of c's sizes, weights not loaded.
func New(c Config) *Model {
	m := &Model{Cfg: c, Encoder: dinov2.New(c.Encoder),
		Point:     newTransformerDecoder(2*c.Dim, c.HeadDim, c.HeadHeads, c.HeadDepth, c.HeadDim),
		Conf:      newTransformerDecoder(2*c.Dim, c.HeadDim, c.HeadHeads, c.HeadDepth, c.HeadDim),
		Camera:    newTransformerDecoder(2*c.Dim, c.HeadDim, c.HeadHeads, c.HeadDepth, c.CamDim),
		PointHead: nn.Linear{In: c.HeadDim, Out: 3 * Patch * Patch, HasBias: true},
		ConfHead:  nn.Linear{In: c.HeadDim, Out: Patch * Patch, HasBias: true},
		CamHead:   newCameraHead(c.CamDim)}
	for range c.Depth {
		m.Decoder = append(m.Decoder, nn.NewBlock(nn.AttentionConfig{Dim: c.Dim, Heads: c.Heads, Fused: true, QKVBias: true, OBias: true, QKNorm: true}, 4*c.Dim, true))
	}
	return m
}

func (m *Model) Params(prefix string, visit func(nn.Param)) {
	visit(nn.Param{Name: prefix + "register_token", Shape: []int{1, 1, m.Cfg.Registers, m.Cfg.Dim}, Dst: []**nn.Tensor{&m.Register}})
	m.Encoder.Params(prefix+"encoder.", visit)
	for i, b := range m.Decoder {
		b.Params(fmt.Sprintf("%sdecoder.%d.", prefix, i), visit)
	}
	m.Point.Params(prefix+"point_decoder.", visit)
	m.PointHead.Params(prefix+"point_head.proj.", visit)
	m.Conf.Params(prefix+"conf_decoder.", visit)
	m.ConfHead.Params(prefix+"conf_head.proj.", visit)
	m.Camera.Params(prefix+"camera_decoder.", visit)
	m.CamHead.Params(prefix+"camera_head.", visit)
}

// Normalise returns (x − ImageNet mean) / std per channel of n images (n,3,h·w), in float32 as
// π³ computes it.
func Normalise(x []float32, hw int) []float32 {
	mean := [3]float32{0.485, 0.456, 0.406}
	std := [3]float32{0.229, 0.224, 0.225}
	out := make([]float32, len(x))
	for i, v := range x {
		c := i / hw % 3
		out[i] = (v - mean[c]) / std[c]
	}
	return out
}

// positions returns RoPE2D positions (y, x) of frames frames of regs specials at (0,0) then
// gh×gw patches at (y+1, x+1).
func positions(frames, regs, gh, gw int) [][2]float32 {
	var p [][2]float32
	for range frames {
		for range regs {
			p = append(p, [2]float32{0, 0})
		}
		for y := range gh {
			for x := range gw {
				p = append(p, [2]float32{float32(y + 1), float32(x + 1)})
			}
		}
	}
	return p
}

func rotary(be nn.Backend, pos [][2]float32, headDim int, freq float64) (nn.Rotary, error) {
	cos, sin, err := nn.RoPE2DTable(pos, headDim, freq)
	if err != nil {
		return nn.Rotary{}, err
	}
	return nn.NewRotary(be, cos, sin, headDim, 2), nil
}

func seq(lo, hi int) []int {
	ids := make([]int, 0, hi-lo)
	for i := lo; i < hi; i++ {
		ids = append(ids, i)
	}
	return ids
}

func repeat(v, n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = v
	}
	return s
}

// relu is ReLU on the host (package nn has no ReLU op): x is read, clamped and uploaded.
func relu(be nn.Backend, x *nn.Tensor) (*nn.Tensor, error) {
	v, err := be.Read(x)
	if err != nil {
		return nil, err
	}
	for i, f := range v {
		v[i] = max(f, 0)
	}
	return be.New(v, x.Shape()...), nil
}

// meanRows returns the mean of each block of k rows of x (rows, d), in float64.
func meanRows(x []float32, k, d int) []float32 {
	n := len(x) / (k * d)
	out := make([]float32, n*d)
	acc := make([]float64, d)
	for f := range n {
		clear(acc)
		for r := range k {
			for j, v := range x[(f*k+r)*d:][:d] {
				acc[j] += float64(v)
			}
		}
		for j := range d {
			out[f*d+j] = float32(acc[j] / float64(k))
		}
	}
	return out
}

func sqrt(v float64) float64 { return math.Sqrt(v) }

// expf is exp in float64 rounded to float32.
func expf(v float32) float32 { return float32(math.Exp(float64(v))) }
