package pi3

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/dsr4d/dsr4d/nn"
)

// Options tune a Forward; the zero value is fine.
type Options struct {
	// Batch is the number of frames the encoder and the heads take at a time (0: 8).
	Batch int
	// Progress, if set, is told each finished step: stage "encoder", "decoder" or "heads", done of total.
	Progress func(stage string, done, total int)
	// Group is the number of decoder blocks between progress reports (0: 4).
	Group int
}

// Output is Pi3.forward's result for one batch of N frames of H×W pixels, row-major float32.
type Output struct {
	N, H, W     int
	LocalPoints []float32 // (N,H,W,3)
	Conf        []float32 // (N,H,W) logits
	Poses       []float32 // (N,4,4) camera-to-world
	Points      []float32 // (N,H,W,3) world
}

// Forward runs π³ on n frames imgs (n,3,h,w) row-major with values in [0,1] (before the
// ImageNet normalisation, as Pi3.forward takes them); h and w must be multiples of 14.
func (m *Model) Forward(be nn.Backend, imgs []float32, n, h, w int, opt Options) (*Output, error) {
	c := m.Cfg
	if n <= 0 || h <= 0 || w <= 0 || h%Patch != 0 || w%Patch != 0 || len(imgs) != n*3*h*w {
		return nil, fmt.Errorf("pi3: %d frames of %d×%d (%d values): want at least one frame, sides multiples of %d", n, h, w, len(imgs), Patch)
	}
	if len(m.Decoder) < 2 {
		return nil, fmt.Errorf("pi3: %d decoder blocks, want at least 2", len(m.Decoder))
	}
	if c.Encoder.Dim != c.Dim {
		return nil, fmt.Errorf("pi3: encoder width %d, decoder width %d: want equal", c.Encoder.Dim, c.Dim)
	}
	batch := opt.Batch
	if batch <= 0 {
		batch = 8
	}
	group := opt.Group
	if group <= 0 {
		group = 4
	}
	progress := opt.Progress
	if progress == nil {
		progress = func(string, int, int) {}
	}
	gh, gw := h/Patch, w/Patch
	hw := gh * gw
	R := c.Registers
	T := R + hw
	x := Normalise(imgs, h*w)

	s := be.Scope()
	defer s.Close()

	// Encoder, in batches; its tokens go after the registers of a table the decoder gathers from.
	table := be.Zeros(R+n*hw, c.Dim)
	be.CopyRows(table, 0, m.Register.Reshape(R, c.Dim))
	for f0 := 0; f0 < n; f0 += batch {
		f1 := min(f0+batch, n)
		tok, err := m.Encoder.Forward(be, x[f0*3*h*w:f1*3*h*w], f1-f0, h, w)
		if err != nil {
			return nil, err
		}
		be.CopyRows(table, R+f0*hw, tok)
		be.Release(tok)
		if err := be.Sync(); err != nil {
			return nil, err
		}
		progress("encoder", f1, n)
	}
	ids := make([]int, 0, n*T)
	for f := range n {
		ids = append(ids, seq(0, R)...)
		ids = append(ids, seq(R+f*hw, R+(f+1)*hw)...)
	}
	hidden := be.Embedding(table, ids)
	be.Release(table)

	// Decoder: even blocks attend within a frame, odd blocks across all frames.
	rope, err := rotary(be, positions(n, R, gh, gw), c.Dim/c.Heads, c.RopeFreq)
	if err != nil {
		return nil, err
	}
	frame, global := repeat(T, n), []int{n * T}
	var last [2]*nn.Tensor
	for i, b := range m.Decoder {
		lens := frame
		if i%2 == 1 {
			lens = global
		}
		next := b.Forward(hidden, nn.AttnArgs{QRope: &rope, QLens: lens, KLens: lens})
		if i >= len(m.Decoder)-2 {
			last[i-(len(m.Decoder)-2)] = next
		}
		if i != len(m.Decoder)-1 { // the last-but-one output is kept in last[0]
			be.Release(hidden)
		}
		hidden = next
		// Sync per block: on Vulkan the memory of released tensors comes back at the end of a batch.
		if err := be.Sync(); err != nil {
			return nil, err
		}
		if (i+1)%group == 0 || i == len(m.Decoder)-1 {
			progress("decoder", i+1, len(m.Decoder))
		}
	}
	be.Release(rope.Cos, rope.Sin)
	// torch.cat([a, b], dim=-1) is the row interleave of the stacked [a; b], viewed (rows, 2·D).
	rows := n * T
	stack := be.Zeros(2*rows, c.Dim)
	be.CopyRows(stack, 0, last[0])
	be.CopyRows(stack, rows, last[1])
	be.Release(last[0], last[1])
	ids = ids[:0]
	for r := range rows {
		ids = append(ids, r, rows+r)
	}
	cat := be.Embedding(stack, ids)
	be.Release(stack)
	catv := cat.Reshape(rows, 2*c.Dim)

	out := &Output{N: n, H: h, W: w, LocalPoints: make([]float32, n*h*w*3), Conf: make([]float32, n*h*w),
		Poses: make([]float32, n*16), Points: make([]float32, n*h*w*3)}
	headRope, err := rotary(be, positions(min(batch, n), R, gh, gw), c.HeadDim/c.HeadHeads, c.RopeFreq)
	if err != nil {
		return nil, err
	}
	for f0 := 0; f0 < n; f0 += batch {
		f1 := min(f0+batch, n)
		if err := m.heads(be, catv, headRope, f0, f1, T, gh, gw, out); err != nil {
			return nil, err
		}
		progress("heads", f1, n)
	}
	be.Release(headRope.Cos, headRope.Sin, cat)
	out.world()
	return out, be.Err()
}

// heads runs the three heads on frames [f0, f1) of hidden (n·T, 2·Dim) and fills their part of out.
func (m *Model) heads(be nn.Backend, hidden *nn.Tensor, rope nn.Rotary, f0, f1, T, gh, gw int, out *Output) error {
	s := be.Scope()
	defer s.Close()
	R, hw, b := m.Cfg.Registers, gh*gw, f1-f0
	x := be.Embedding(hidden, seq(f0*T, f1*T))
	if rope.Cos.Rows() != b*T {
		r, err := rotary(be, positions(b, R, gh, gw), m.Cfg.HeadDim/m.Cfg.HeadHeads, m.Cfg.RopeFreq)
		if err != nil {
			return err
		}
		rope = r
	}
	lens := repeat(T, b)
	var patchIDs []int
	for f := range b {
		patchIDs = append(patchIDs, seq(f*T+R, (f+1)*T)...)
	}
	trunk := func(d *TransformerDecoder) *nn.Tensor {
		y := d.Projects.Forward(x)
		for _, blk := range d.Blocks {
			next := blk.Forward(y, nn.AttnArgs{QRope: &rope, QLens: lens, KLens: lens})
			be.Release(y)
			y = next
			be.Sync() // frees the block's temporaries on Vulkan; an error sticks and comes back from Read
		}
		z := d.Out.Forward(y)
		be.Release(y)
		p := be.Embedding(z, patchIDs)
		be.Release(z)
		return p
	}
	H, W := gh*Patch, gw*Patch
	// LinearPts3d: each patch's Linear output (C, 14, 14) is pixel-shuffled into its 14×14 pixels.
	shuffle := func(feat []float32, C int, put func(f, y, x, c int, v float32)) {
		for f := range b {
			for py := range gh {
				for px := range gw {
					row := feat[((f*gh+py)*gw+px)*C*Patch*Patch:]
					for ch := range C {
						for i := range Patch {
							for j := range Patch {
								put(f0+f, py*Patch+i, px*Patch+j, ch, row[(ch*Patch+i)*Patch+j])
							}
						}
					}
				}
			}
		}
	}
	pts, err := be.Read(m.PointHead.Forward(trunk(m.Point)))
	if err != nil {
		return err
	}
	shuffle(pts, 3, func(f, y, x, c int, v float32) { out.LocalPoints[((f*H+y)*W+x)*3+c] = v })
	for f := f0; f < f1; f++ {
		for p := range H * W {
			l := out.LocalPoints[(f*H*W+p)*3:][:3]
			z := expf(l[2])
			l[0], l[1], l[2] = l[0]*z, l[1]*z, z
		}
	}
	conf, err := be.Read(m.ConfHead.Forward(trunk(m.Conf)))
	if err != nil {
		return err
	}
	shuffle(conf, 1, func(f, y, x, _ int, v float32) { out.Conf[(f*H+y)*W+x] = v })

	// CameraHead.
	ch := m.CamHead
	feat := trunk(m.Camera)
	for i := range ch.Res {
		y := feat
		var err error
		for j := range ch.Res[i] {
			if y, err = relu(be, ch.Res[i][j].Forward(y)); err != nil {
				return err
			}
		}
		feat = be.Add(feat, y)
	}
	fv, err := be.Read(feat)
	if err != nil {
		return err
	}
	d := m.Cfg.CamDim
	pooled := be.New(meanRows(fv, hw, d), b, d)
	for _, l := range ch.More {
		if pooled, err = relu(be, l.Forward(pooled)); err != nil {
			return err
		}
	}
	t, err := be.Read(ch.FcT.Forward(pooled))
	if err != nil {
		return err
	}
	r, err := be.Read(ch.FcRo.Forward(pooled))
	if err != nil {
		return err
	}
	for f := range b {
		pose := out.Poses[(f0+f)*16:][:16]
		rot := svdOrthogonalize(r[f*9:][:9])
		for i := range 3 {
			for j := range 3 {
				pose[i*4+j] = float32(rot[i*3+j])
			}
			pose[i*4+3] = t[f*3+i]
		}
		pose[15] = 1
	}
	return nil
}

// svdOrthogonalize is CameraHead.svd_orthogonalize: rows L2-normalised, M = that transposed,
// M = U·S·Vᵀ, R = [V₀ V₁ V₂·det(V·Uᵀ)]·Uᵀ. Computed in float64.
func svdOrthogonalize(m9 []float32) [9]float64 {
	var a [9]float64
	for i := range 3 {
		var n float64
		for j := range 3 {
			n += float64(m9[i*3+j]) * float64(m9[i*3+j])
		}
		n = max(sqrt(n), 1e-12)
		for j := range 3 {
			a[j*3+i] = float64(m9[i*3+j]) / n // transposed
		}
	}
	var svd mat.SVD
	var r [9]float64
	if !svd.Factorize(mat.NewDense(3, 3, a[:]), mat.SVDFull) {
		return r
	}
	var u, v mat.Dense
	svd.UTo(&u)
	svd.VTo(&v)
	var vut mat.Dense
	vut.Mul(&v, u.T())
	det := mat.Det(&vut)
	for j := range 3 {
		v.Set(j, 2, v.At(j, 2)*det)
	}
	var rm mat.Dense
	rm.Mul(&v, u.T())
	for i := range 3 {
		for j := range 3 {
			r[i*3+j] = rm.At(i, j)
		}
	}
	return r
}

// world sets Points = pose · (local points, 1).
func (o *Output) world() {
	hw := o.H * o.W
	for f := range o.N {
		p := o.Poses[f*16:][:16]
		for k := range hw {
			l := o.LocalPoints[(f*hw+k)*3:][:3]
			w := o.Points[(f*hw+k)*3:][:3]
			for i := range 3 {
				w[i] = float32(float64(p[i*4])*float64(l[0]) + float64(p[i*4+1])*float64(l[1]) + float64(p[i*4+2])*float64(l[2]) + float64(p[i*4+3]))
			}
		}
	}
}
