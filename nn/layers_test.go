package nn_test

import (
	"github.com/dsr4d/dsr4d/nn/nntest"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dsr4d/dsr4d/internal/float16"
	"github.com/dsr4d/dsr4d/nn"
	"github.com/dsr4d/dsr4d/nn/safetensors"
	"github.com/dsr4d/dsr4d/vk/ops"
)

// randomWeights writes seeded weights for every parameter of m (named by its walk) to a
// safetensors file of dtype and opens it.
func randomWeights(t *testing.T, m nn.Module, dtype string, seed uint64) *safetensors.Set {
	rng := rand.New(rand.NewPCG(seed, 1))
	var ts []safetensors.Tensor
	for _, p := range nn.Params(m, "") {
		n := 1
		for _, d := range p.Shape {
			n *= d
		}
		mean, std := 0.0, 0.1
		if len(p.Shape) == 2 {
			std = 1 / math.Sqrt(float64(p.Shape[1]))
		} else if strings.HasSuffix(p.Name, "weight") || strings.HasSuffix(p.Name, "gamma") {
			mean = 1
		}
		data := make([]float32, n)
		for i := range data {
			data[i] = float32(mean + std*rng.NormFloat64())
		}
		ts = append(ts, safetensors.Tensor{Name: p.Name, Shape: p.Shape, Data: data, DType: dtype})
	}
	path := filepath.Join(t.TempDir(), "w.safetensors")
	require.NoError(t, safetensors.Write(path, ts, nil))
	set, err := safetensors.Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { set.Close() })
	return set
}

// TestBlockGolden runs π³'s decoder block (fused qkv, qk-norm, RoPE2D, LayerScale) against
// PyTorch (testdata/block_golden.py), with frame attention (one segment per frame) and global
// attention, on every backend; the block's temporaries are released by its scopes.
func TestBlockGolden(t *testing.T) {
	set, err := safetensors.Open("testdata/block.safetensors")
	require.NoError(t, err)
	defer set.Close()
	x, err := set.Float32("in.x", 14, 48)
	require.NoError(t, err)
	posF, err := set.Float32("in.pos", 14, 2)
	require.NoError(t, err)
	pos := make([][2]float32, 14)
	for i := range pos {
		pos[i] = [2]float32{posF[2*i], posF[2*i+1]}
	}
	cs, sn, err := nn.RoPE2DTable(pos, 12, 100)
	require.NoError(t, err)
	for _, be := range nntest.Backends(t) {
		blk := nn.NewBlock(nn.AttentionConfig{Dim: 48, Heads: 4, Fused: true, QKVBias: true, OBias: true, QKNorm: true}, 96, true)
		require.NoError(t, nn.Load(be, set.Prefix("blk."), blk))
		rope := nn.NewRotary(be, cs, sn, 12, 2)
		X := be.New(x, 14, 48)
		var before int64
		if v, ok := be.(*nn.Vulkan); ok {
			require.NoError(t, v.Sync())
			before = v.Bytes()
		}
		for _, c := range []struct {
			name   string
			lens   []int
			golden string
		}{{"frame", []int{7, 7}, "out.frame"}, {"global", nil, "out.global"}} {
			want, err := set.Float32(c.golden, 14, 48)
			require.NoError(t, err)
			out := blk.Forward(X, nn.AttnArgs{QRope: &rope, QLens: c.lens, KLens: c.lens})
			got := read(t, be, out)
			e := nntest.NMSE(got, want)
			t.Logf("%s %s attention: NMSE %.3g vs PyTorch", be.Name(), c.name, e)
			require.LessOrEqual(t, e, 1e-6, "%s %s", be.Name(), c.name)
			be.Release(out)
		}
		if v, ok := be.(*nn.Vulkan); ok {
			require.NoError(t, v.Sync())
			require.Equal(t, before, v.Bytes(), "temporaries left alive")
		}
		nn.Free(be, blk)
		be.Release(X, rope.Cos, rope.Sin)
	}
}

// TestKVCacheDecode: decoding a sequence in steps through a KV cache gives what one causal pass
// over the whole sequence gives (GQA, 1-D RoPE, the cache growing past its first capacity).
func TestKVCacheDecode(t *testing.T) {
	const dim, n = 32, 37
	attn := nn.NewAttention(nn.AttentionConfig{Dim: dim, Heads: 4, KVHeads: 2, QKVBias: true})
	set := randomWeights(t, attn, "F32", 3)
	rng := rand.New(rand.NewPCG(4, 4))
	x := random(rng, n*dim, 1)
	pos := make([]float32, n)
	for i := range pos {
		pos[i] = float32(i)
	}
	cs, sn, err := nn.RoPETable(pos, 8, 1e4)
	require.NoError(t, err)
	for _, be := range nntest.Backends(t) {
		require.NoError(t, nn.Load(be, set, attn))
		rope := nn.NewRotary(be, cs, sn, 8, 1)
		full := read(t, be, attn.Forward(be.New(x, n, dim), nil, nn.AttnArgs{QRope: &rope, Causal: true, QLens: []int{n}, KLens: []int{n}}))
		var cache nn.KVCache
		var steps []float32
		for i0, step := 0, 5; i0 < n; i0, step = i0+step, 1 {
			i1 := min(i0+step, n)
			r := nn.NewRotary(be, cs[i0*8:i1*8], sn[i0*8:i1*8], 8, 1)
			xs := be.New(x[i0*dim:i1*dim], i1-i0, dim)
			out := attn.Forward(xs, nil, nn.AttnArgs{QRope: &r, Causal: true, Cache: &cache,
				QLens: []int{i1 - i0}, KLens: []int{i1}})
			steps = append(steps, read(t, be, out)...)
			be.Release(out, xs, r.Cos, r.Sin)
		}
		require.Equal(t, n, cache.Len())
		e := nntest.NMSE(steps, full)
		t.Logf("%s: decode vs prefill NMSE %.3g", be.Name(), e)
		require.LessOrEqual(t, e, 1e-10, be.Name())
		cache.Release(be)
		nn.Free(be, attn)
		be.Release(rope.Cos, rope.Sin)
	}
}

// TestLinear16 loads BF16 and F16 weights whose magnitudes span BF16's range (1e-30 … 1e30 are
// outside binary16's): every backend must compute with the stored values exactly.
func TestLinear16(t *testing.T) {
	const m, k, n = 5, 24, 9
	defer nn.SetWidenChunk(64)() // BF16 widened in several windows, one partial
	rng := rand.New(rand.NewPCG(9, 9))
	for _, dtype := range []nn.DType{nn.BF16, nn.F16} {
		w := make([]uint16, n*k)
		wide := make([]float32, n*k)
		for i := range w {
			v := float32(rng.NormFloat64())
			if dtype == nn.BF16 { // one magnitude per output column: each is checked on its own
				v *= float32(math.Pow(10, float64(7*(i/k)-30)))
				w[i] = float16.BF16FromFloat32(v)
				wide[i] = float16.BF16ToFloat32(w[i])
			} else {
				w[i] = float16.FromFloat32(v)
				wide[i] = float16.ToFloat32(w[i])
			}
		}
		x := random(rng, m*k, 1)
		want := ops.MatMulRef(x, wide, nil, m, n, k, true)
		for _, be := range nntest.Backends(t) {
			W := be.New16(dtype, w, n, k)
			got := read(t, be, be.Linear(be.New(x, m, k), W, nil))
			for i, g := range got {
				var mag float64 // Σ|x·w|: the scale of the rounding error
				for p := range k {
					mag += math.Abs(float64(x[i/n*k+p]) * float64(wide[i%n*k+p]))
				}
				require.InDelta(t, want[i], g, 1e-6*mag, "%v %s element %d", dtype, be.Name(), i)
			}
			if be.Name() != "cpu" { // the CPU keeps it packed for the matmul only
				require.Equal(t, wide, read(t, be, W), "%v %s: stored values", dtype, be.Name())
			}
		}
	}
}

// TestScope: tensors made in a scope are released by Close, except those kept, which go to the
// enclosing scope.
func TestScope(t *testing.T) {
	for _, be := range nntest.Backends(t) {
		w := be.New([]float32{1, 2}, 2)
		outer := be.Scope()
		a := be.Zeros(4, 4)
		inner := be.Scope()
		b := be.Add(a, a)
		c := inner.Keep(be.Add(b, a))
		inner.Close()
		_, err := be.Read(b)
		if be.Name() == "vulkan" {
			require.Error(t, err, "b released by the inner scope")
		}
		require.Equal(t, make([]float32, 16), read(t, be, c))
		inner = be.Scope()
		require.Same(t, w, inner.Keep(w), "a tensor made outside")
		inner.Close()
		outer.Close()
		require.Equal(t, []float32{1, 2}, read(t, be, w), "Keep of a tensor made outside the scope leaves it alone")
		if be.Name() == "vulkan" {
			_, err = be.Read(c)
			require.Error(t, err, "c released by the outer scope")
		}
	}
}
