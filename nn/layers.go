package nn

// The layers below mirror the PyTorch modules whose checkpoints they load: the same parameter
// names (relative to the layer) and shapes, and a Forward that computes what the module's
// forward does. Each Forward makes its temporaries in a Scope and returns only its result.

// Linear is torch.nn.Linear: y = x·Wᵀ + b, W (Out, In); "weight", "bias".
type Linear struct {
	In, Out int
	HasBias bool
	W, B    *Tensor
}

func (l *Linear) Params(prefix string, visit func(Param)) {
	visit(Param{Name: prefix + "weight", Shape: []int{l.Out, l.In}, Dst: []**Tensor{&l.W}, Weight: true})
	if l.HasBias {
		visit(Param{Name: prefix + "bias", Shape: []int{l.Out}, Dst: []**Tensor{&l.B}})
	}
}

func (l *Linear) Forward(x *Tensor) *Tensor { return x.be.Linear(x, l.W, l.B) }

// LayerNorm is torch.nn.LayerNorm over the last dimension, with affine "weight" and "bias".
type LayerNorm struct {
	Dim  int
	Eps  float32
	W, B *Tensor
}

func (n *LayerNorm) Params(prefix string, visit func(Param)) {
	visit(Param{Name: prefix + "weight", Shape: []int{n.Dim}, Dst: []**Tensor{&n.W}})
	visit(Param{Name: prefix + "bias", Shape: []int{n.Dim}, Dst: []**Tensor{&n.B}})
}

func (n *LayerNorm) Forward(x *Tensor) *Tensor { return x.be.LayerNorm(x, n.W, n.B, n.Eps) }

// RMSNorm is Qwen2RMSNorm / LlamaRMSNorm (float32): "weight".
type RMSNorm struct {
	Dim int
	Eps float32
	W   *Tensor
}

func (n *RMSNorm) Params(prefix string, visit func(Param)) {
	visit(Param{Name: prefix + "weight", Shape: []int{n.Dim}, Dst: []**Tensor{&n.W}})
}

func (n *RMSNorm) Forward(x *Tensor) *Tensor { return x.be.RMSNorm(x, n.W, n.Eps) }

// LayerScale is DINOv2's LayerScale: x ⊙ "gamma".
type LayerScale struct {
	Dim   int
	Gamma *Tensor
}

func (s *LayerScale) Params(prefix string, visit func(Param)) {
	visit(Param{Name: prefix + "gamma", Shape: []int{s.Dim}, Dst: []**Tensor{&s.Gamma}})
}

func (s *LayerScale) Forward(x *Tensor) *Tensor { return x.be.ScaleCols(x, s.Gamma) }

// MLP is the two-layer GELU MLP: FC2(GELU(FC1(x))), the Linears named by Names (timm's and
// DINOv2's Mlp: "fc1", "fc2"; Qwen2.5-VL's merger: "0", "2").
type MLP struct {
	FC1, FC2 Linear
	Names    [2]string
	Tanh     bool // GELU's tanh approximation instead of the exact (erf) form
}

// NewMLP returns an MLP in → hidden → out with biases and the names fc1, fc2.
func NewMLP(in, hidden, out int) *MLP {
	return &MLP{FC1: Linear{In: in, Out: hidden, HasBias: true}, FC2: Linear{In: hidden, Out: out, HasBias: true}, Names: [2]string{"fc1", "fc2"}}
}

func (m *MLP) Params(prefix string, visit func(Param)) {
	m.FC1.Params(prefix+m.Names[0]+".", visit)
	m.FC2.Params(prefix+m.Names[1]+".", visit)
}

func (m *MLP) Forward(x *Tensor) *Tensor {
	s := x.be.Scope()
	defer s.Close()
	return s.Keep(m.FC2.Forward(x.be.GELU(m.FC1.Forward(x), m.Tanh)))
}

// SwiGLU is the gated MLP of Qwen2 and Llama: down_proj(SiLU(gate_proj(x)) ⊙ up_proj(x)).
type SwiGLU struct {
	Gate, Up, Down Linear
}

// NewSwiGLU returns a SwiGLU MLP dim → hidden → dim, with or without biases.
func NewSwiGLU(dim, hidden int, bias bool) *SwiGLU {
	return &SwiGLU{Gate: Linear{In: dim, Out: hidden, HasBias: bias}, Up: Linear{In: dim, Out: hidden, HasBias: bias},
		Down: Linear{In: hidden, Out: dim, HasBias: bias}}
}

func (m *SwiGLU) Params(prefix string, visit func(Param)) {
	m.Gate.Params(prefix+"gate_proj.", visit)
	m.Up.Params(prefix+"up_proj.", visit)
	m.Down.Params(prefix+"down_proj.", visit)
}

func (m *SwiGLU) Forward(x *Tensor) *Tensor {
	be := x.be
	s := be.Scope()
	defer s.Close()
	return s.Keep(m.Down.Forward(be.SwiGLU(m.Gate.Forward(x), m.Up.Forward(x))))
}

// AttentionConfig sizes an Attention.
type AttentionConfig struct {
	Dim            int  // model width (input and output)
	Heads, KVHeads int  // KVHeads 0 means Heads
	HeadDim        int  // 0 means Dim / Heads
	Fused          bool // one "qkv" projection and "proj" (DINOv2, π³, Qwen's vision tower); else q_proj, k_proj, v_proj, o_proj
	QKVBias, OBias bool
	QKNorm         bool    // per-head LayerNorm of q and k ("q_norm", "k_norm"), π³'s qk_norm
	NormEps        float32 // of the q/k LayerNorms (PyTorch's default 1e-5 when 0)
}

// Attention is multi-head attention with GQA, optional per-head q/k LayerNorm, rotary embedding
// and any mask AttnOpts expresses, computed by the fused kernel (no score matrix).
type Attention struct {
	Heads, KVHeads, HeadDim int
	Fused                   bool
	Q, K, V, O              Linear
	QNorm, KNorm            *LayerNorm // nil without qk-norm
	Scale                   float32    // 0: 1/√HeadDim
}

// NewAttention returns an Attention of c's sizes (weights not loaded).
func NewAttention(c AttentionConfig) *Attention {
	kv := c.KVHeads
	if kv == 0 {
		kv = c.Heads
	}
	hd := c.HeadDim
	if hd == 0 {
		hd = c.Dim / c.Heads
	}
	a := &Attention{Heads: c.Heads, KVHeads: kv, HeadDim: hd, Fused: c.Fused,
		Q: Linear{In: c.Dim, Out: c.Heads * hd, HasBias: c.QKVBias},
		K: Linear{In: c.Dim, Out: kv * hd, HasBias: c.QKVBias},
		V: Linear{In: c.Dim, Out: kv * hd, HasBias: c.QKVBias},
		O: Linear{In: c.Heads * hd, Out: c.Dim, HasBias: c.OBias}}
	if c.QKNorm {
		eps := c.NormEps
		if eps == 0 {
			eps = 1e-5
		}
		a.QNorm, a.KNorm = &LayerNorm{Dim: hd, Eps: eps}, &LayerNorm{Dim: hd, Eps: eps}
	}
	return a
}

func (a *Attention) Params(prefix string, visit func(Param)) {
	if a.Fused {
		rows := []int{a.Q.Out, a.K.Out, a.V.Out}
		out := a.Q.Out + a.K.Out + a.V.Out
		visit(Param{Name: prefix + "qkv.weight", Shape: []int{out, a.Q.In}, Dst: []**Tensor{&a.Q.W, &a.K.W, &a.V.W}, Rows: rows, Weight: true})
		if a.Q.HasBias {
			visit(Param{Name: prefix + "qkv.bias", Shape: []int{out}, Dst: []**Tensor{&a.Q.B, &a.K.B, &a.V.B}, Rows: rows})
		}
		a.O.Params(prefix+"proj.", visit)
	} else {
		a.Q.Params(prefix+"q_proj.", visit)
		a.K.Params(prefix+"k_proj.", visit)
		a.V.Params(prefix+"v_proj.", visit)
		a.O.Params(prefix+"o_proj.", visit)
	}
	if a.QNorm != nil {
		a.QNorm.Params(prefix+"q_norm.", visit)
		a.KNorm.Params(prefix+"k_norm.", visit)
	}
}

// AttnArgs is what one Attention call needs beside the weights.
type AttnArgs struct {
	// QRope and KRope rotate queries and keys (nil: no rotary); in self-attention KRope nil
	// means QRope.
	QRope, KRope *Rotary
	// QLens, KLens and Causal are the mask (AttnOpts). With a Cache the keys are the cache's.
	QLens, KLens []int
	Causal       bool
	// Cache, if set, receives this call's keys and values, and the queries attend to all of it.
	Cache *KVCache
}

// Forward attends from x (n, Dim) to ctx (m, Dim), or to x itself when ctx is nil.
func (a *Attention) Forward(x, ctx *Tensor, args AttnArgs) *Tensor {
	be := x.be
	s := be.Scope()
	defer s.Close()
	krope := args.KRope
	if ctx == nil {
		ctx = x
		if krope == nil {
			krope = args.QRope
		}
	}
	q, k, v := a.Q.Forward(x), a.K.Forward(ctx), a.V.Forward(ctx)
	if a.QNorm != nil {
		q = a.QNorm.Forward(q.Reshape(q.Rows()*a.Heads, a.HeadDim)).Reshape(q.shape...)
		k = a.KNorm.Forward(k.Reshape(k.Rows()*a.KVHeads, a.HeadDim)).Reshape(k.shape...)
	}
	if args.QRope != nil {
		q = be.RoPE(q, *args.QRope, a.Heads)
	}
	if krope != nil {
		k = be.RoPE(k, *krope, a.KVHeads)
	}
	if args.Cache != nil {
		k, v = args.Cache.Append(k, v)
	}
	o := be.Attention(q, k, v, AttnOpts{Heads: a.Heads, KVHeads: a.KVHeads, Scale: a.Scale, QLens: args.QLens, KLens: args.KLens, Causal: args.Causal})
	return s.Keep(a.O.Forward(o))
}

// KVCache holds the keys and values of the positions seen so far (LLM decoding). It grows by
// appending: capacity doubles, so n steps copy O(n) rows in all.
type KVCache struct {
	K, V *Tensor // (capacity, width); rows [0, Len()) are filled
	n    int
}

// Len is the number of cached positions.
func (c *KVCache) Len() int { return c.n }

// Append adds k and v (rows, width) and returns views of all cached keys and values.
func (c *KVCache) Append(k, v *Tensor) (keys, values *Tensor) {
	be := k.be
	be.ops().persistent(func() {
		if c.K == nil || c.n+k.Rows() > c.K.Rows() {
			capacity := max(16, c.n+k.Rows())
			if c.K != nil {
				capacity = max(capacity, 2*c.K.Rows())
			}
			K, V := be.Zeros(capacity, k.Cols()), be.Zeros(capacity, v.Cols())
			if c.n > 0 {
				be.CopyRows(K, 0, c.K.Prefix(c.n))
				be.CopyRows(V, 0, c.V.Prefix(c.n))
			}
			be.Release(c.K, c.V)
			c.K, c.V = K, V
		}
	})
	be.CopyRows(c.K, c.n, k)
	be.CopyRows(c.V, c.n, v)
	c.n += k.Rows()
	return c.K.Prefix(c.n), c.V.Prefix(c.n)
}

// Release frees the cache.
func (c *KVCache) Release(be Backend) {
	be.Release(c.K, c.V)
	c.K, c.V, c.n = nil, nil, 0
}

// Block is the pre-norm ViT block of DINOv2 and π³:
// x += ls1(attn(norm1(x))); x += ls2(mlp(norm2(x))), LayerScales optional.
type Block struct {
	Norm1, Norm2 LayerNorm
	Attn         *Attention
	LS1, LS2     *LayerScale // nil without LayerScale
	MLP          *MLP
}

// NewBlock returns a block of width dim with an MLP of width hidden, LayerNorm eps 1e-6 (DINOv2)
// and LayerScale when layerScale is set.
func NewBlock(c AttentionConfig, hidden int, layerScale bool) *Block {
	b := &Block{Norm1: LayerNorm{Dim: c.Dim, Eps: 1e-6}, Norm2: LayerNorm{Dim: c.Dim, Eps: 1e-6},
		Attn: NewAttention(c), MLP: NewMLP(c.Dim, hidden, c.Dim)}
	if layerScale {
		b.LS1, b.LS2 = &LayerScale{Dim: c.Dim}, &LayerScale{Dim: c.Dim}
	}
	return b
}

func (b *Block) Params(prefix string, visit func(Param)) {
	b.Norm1.Params(prefix+"norm1.", visit)
	b.Attn.Params(prefix+"attn.", visit)
	if b.LS1 != nil {
		b.LS1.Params(prefix+"ls1.", visit)
	}
	b.Norm2.Params(prefix+"norm2.", visit)
	b.MLP.Params(prefix+"mlp.", visit)
	if b.LS2 != nil {
		b.LS2.Params(prefix+"ls2.", visit)
	}
}

func (b *Block) Forward(x *Tensor, args AttnArgs) *Tensor {
	be := x.be
	s := be.Scope()
	defer s.Close()
	h := b.Attn.Forward(b.Norm1.Forward(x), nil, args)
	if b.LS1 != nil {
		h = b.LS1.Forward(h)
	}
	x = be.Add(x, h)
	h = b.MLP.Forward(b.Norm2.Forward(x))
	if b.LS2 != nil {
		h = b.LS2.Forward(h)
	}
	return s.Keep(be.Add(x, h))
}
