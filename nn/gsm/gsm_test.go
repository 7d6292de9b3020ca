package gsm_test

import (
	"encoding/binary"
	"fmt"
	"github.com/dsr4d/dsr4d/nn/nntest"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dsr4d/dsr4d/nn"
	"github.com/dsr4d/dsr4d/nn/gsm"
	"github.com/dsr4d/dsr4d/nn/safetensors"
)

const tol = 1e-6 // NMSE, DESIGN.md (f32, tiny configs)

// readNPY reads the little-endian float32 C-order arrays golden.py writes.
func readNPY(t *testing.T, name string) ([]float32, []int) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	require.Equal(t, "\x93NUMPY", string(b[:6]))
	hl := int(binary.LittleEndian.Uint16(b[8:10]))
	h := string(b[10 : 10+hl])
	require.Contains(t, h, "'<f4'")
	m := regexp.MustCompile(`'shape': \(([^)]*)\)`).FindStringSubmatch(h)
	var shape []int
	for _, f := range strings.Split(m[1], ",") {
		if f = strings.TrimSpace(f); f != "" {
			d, err := strconv.Atoi(f)
			require.NoError(t, err)
			shape = append(shape, d)
		}
	}
	data := b[10+hl:]
	out := make([]float32, len(data)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
	}
	return out, shape
}

// TestGolden compares every stage with PyTorch (testdata/golden.py) on both backends.
func TestGolden(t *testing.T) {
	set, err := safetensors.Open("testdata/tiny.safetensors")
	require.NoError(t, err)
	defer set.Close()
	text, ts := readNPY(t, "text.npy")
	feats, _ := readNPY(t, "features.npy")
	wantMerged, _ := readNPY(t, "merged.npy")
	wantMerger, _ := readNPY(t, "merger.npy")
	wantQ1, _ := readNPY(t, "qformer1.npy")
	wantOut, _ := readNPY(t, "out.npy")
	grid := [3]int{3, 4, 6}
	require.Equal(t, wantMerged, gsm.Merge222(feats, 6, 4, 6, 16), "2×2×2 merge")

	for _, be := range nntest.Backends(t) {
		m, err := gsm.Load(be, set, "visual.", gsm.Tiny())
		require.NoError(t, err)
		p, err := m.Prepare([]gsm.Sample{{Text: text, Features: feats, Grid: grid, SecondPerGridT: 0.7}})
		require.NoError(t, err)
		require.Equal(t, 9, ts[0])

		tokens := m.SpatialMerger(p.Merged)
		q0 := be.RepeatRows(m.QFormerQueries, 1)
		q1 := m.QFormerLayer(0, q0, p.Text, p.QueryRope, p.TextRope, nil, nil)
		out := m.Run(p)
		for _, c := range []struct {
			name string
			got  *nn.Tensor
			want []float32
		}{{"merger", tokens, wantMerger}, {"qformer1", q1, wantQ1}, {"out", out, wantOut}} {
			got, err := be.Read(c.got)
			require.NoError(t, err)
			e := nntest.NMSE(got, c.want)
			t.Logf("%s %s: NMSE %.3g vs PyTorch", be.Name(), c.name, e)
			require.LessOrEqual(t, e, tol, "%s %s", be.Name(), c.name)
		}
		be.Release(tokens, q0, q1, out)
		m.ReleasePrepared(p)
		m.Close()
	}
}

func randomSample(rng *rand.Rand, c gsm.Config, grid [3]int, textLen int, spgt float32) gsm.Sample {
	r := func(n int) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		return x
	}
	return gsm.Sample{Text: r(textLen * c.Hidden), Features: r(2 * grid[0] * grid[1] * grid[2] * c.SpatialDim), Grid: grid, SecondPerGridT: spgt}
}

// TestBatchVulkanVsCPU runs three samples of different sizes in one batch on both backends and
// checks that the batch equals each sample run alone (the block-diagonal mask).
func TestBatchVulkanVsCPU(t *testing.T) {
	cfg := gsm.Tiny()
	w := gsm.Tensors(gsm.Random(cfg, 3))
	rng := rand.New(rand.NewPCG(5, 6))
	samples := []gsm.Sample{
		randomSample(rng, cfg, [3]int{2, 4, 4}, 7, 0.5),
		randomSample(rng, cfg, [3]int{1, 2, 6}, 1, 1),
		randomSample(rng, cfg, [3]int{4, 6, 2}, 33, 0.35),
	}
	var results [][][]float32
	for _, be := range nntest.Backends(t) {
		m, err := gsm.LoadFrom(be, w, cfg)
		require.NoError(t, err)
		out, err := m.Forward(samples)
		require.NoError(t, err)
		require.Len(t, out, 3)
		for i, s := range samples {
			alone, err := m.Forward([]gsm.Sample{s})
			require.NoError(t, err)
			e := nntest.NMSE(out[i], alone[0])
			require.LessOrEqual(t, e, 1e-10, "%s sample %d: batch vs alone", be.Name(), i)
		}
		results = append(results, out)
		m.Close()
	}
	for i := range samples {
		for b, name := range []string{"cpu", "vulkan"} {
			e := nntest.NMSE(results[b+1][i], results[0][i])
			t.Logf("sample %d: %s vs ref NMSE %.3g", i, name, e)
			require.LessOrEqual(t, e, tol)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	cfg := gsm.Tiny()
	ws := gsm.Random(cfg, 1)
	dir := t.TempDir()
	for i := range ws {
		ws[i].Name = "visual." + ws[i].Name
	}
	missing := filepath.Join(dir, "missing.safetensors")
	require.NoError(t, safetensors.Write(missing, ws[1:], nil))
	set, err := safetensors.Open(missing)
	require.NoError(t, err)
	defer set.Close()
	_, err = gsm.Load(nn.NewCPU(), set, "visual.", cfg)
	require.ErrorContains(t, err, "visual.q_former_queries")
	require.ErrorContains(t, err, missing)

	ws[5].Shape = []int{ws[5].Shape[1], ws[5].Shape[0]} // transposed mlp.2 weight
	bad := filepath.Join(dir, "bad.safetensors")
	require.NoError(t, safetensors.Write(bad, ws, nil))
	set2, err := safetensors.Open(bad)
	require.NoError(t, err)
	defer set2.Close()
	_, err = gsm.Load(nn.NewCPU(), set2, "visual.", cfg)
	require.ErrorContains(t, err, "visual.spatial_merger.mlp.2.weight")
	require.ErrorContains(t, err, "shape [128 64], want [64 128]")
	require.ErrorContains(t, err, bad)
}

func TestVisionPositions(t *testing.T) {
	t.Parallel()
	pos := gsm.VisionPositions([3]int{3, 4, 6}, 0.35)
	require.Len(t, pos, 3*2*3)
	// k·0.35·2 = 0, 0.7, 1.4 → 0, 0, 1; then (row, col) over the merged 2×3 grid.
	require.Equal(t, [3]float32{0, 0, 0}, pos[0])
	require.Equal(t, [3]float32{0, 1, 2}, pos[5])
	require.Equal(t, [3]float32{0, 0, 1}, pos[6+1])
	require.Equal(t, [3]float32{1, 1, 2}, pos[17])
	// Merge222 of a (2, 2, 2, 1) volume lists the 8 voxels as (t, h, w).
	in := []float32{0, 1, 2, 3, 4, 5, 6, 7}
	require.Equal(t, in, gsm.Merge222(in, 2, 2, 2, 1))
	// (2, 2, 4, 1): two merged tokens along w.
	in = []float32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}
	require.Equal(t, []float32{0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15}, gsm.Merge222(in, 2, 2, 4, 1))
}

func TestConfig(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"tiny", "official"} {
		c, err := gsm.Named(name)
		require.NoError(t, err)
		require.NoError(t, c.Validate())
		back, ok, err := gsm.ConfigFromMetadata(c.Metadata())
		require.True(t, ok)
		require.NoError(t, err)
		require.Equal(t, c, back)
	}
	o := gsm.Official()
	require.Equal(t, 128, o.HeadDim())
	require.Equal(t, 512, o.KVDim())
	n := 0
	for _, p := range o.Params() {
		k := 1
		for _, d := range p.Shape {
			k *= d
		}
		n += k
	}
	t.Logf("official parameters: %d", n)
	require.InDelta(t, 0.56e9, float64(n), 0.01e9, fmt.Sprint(n))
}

// TestHalfWeights loads a BF16 and an F16 checkpoint: CPU and Vulkan keep the Linear weights in
// 16 bits (half the memory) and must give the tokens the reference gives from the same stored
// values.
func TestHalfWeights(t *testing.T) {
	cfg := gsm.Tiny()
	rng := rand.New(rand.NewPCG(8, 9))
	sample := randomSample(rng, cfg, [3]int{2, 4, 4}, 5, 0.5)
	for _, dtype := range []string{"BF16", "F16"} {
		ws := gsm.Random(cfg, 11)
		for i := range ws {
			ws[i].DType = dtype
			ws[i].Name = "visual." + ws[i].Name
		}
		path := filepath.Join(t.TempDir(), "w.safetensors")
		require.NoError(t, safetensors.Write(path, ws, nil))
		set, err := safetensors.Open(path)
		require.NoError(t, err)
		var outs [][]float32
		var sizes []int64
		for _, be := range nntest.Backends(t) {
			var before int64
			if v, ok := be.(*nn.Vulkan); ok {
				before = v.Bytes()
			}
			m, err := gsm.Load(be, set, "visual.", cfg)
			require.NoError(t, err)
			if v, ok := be.(*nn.Vulkan); ok {
				sizes = append(sizes, v.Bytes()-before)
			}
			out, err := m.Forward([]gsm.Sample{sample})
			require.NoError(t, err)
			outs = append(outs, out[0])
			m.Close()
		}
		for b, name := range []string{"cpu", "vulkan"} {
			e := nntest.NMSE(outs[b+1], outs[0])
			t.Logf("%s: %s (16-bit weights) vs ref NMSE %.3g", dtype, name, e)
			require.LessOrEqual(t, e, tol, dtype)
		}
		t.Logf("%s: weights on the device %d bytes", dtype, sizes[0])
		var params int64
		for _, p := range cfg.Params() {
			n := int64(1)
			for _, d := range p.Shape {
				n *= int64(d)
			}
			params += n
		}
		require.Less(t, sizes[0], params*3, "%s: 16-bit weights must take well under 4 bytes per parameter", dtype)
		set.Close()
	}
}
