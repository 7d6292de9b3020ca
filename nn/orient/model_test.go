package orient_test

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dsr4d/dsr4d/nn"
	"github.com/dsr4d/dsr4d/nn/dinov2"
	"github.com/dsr4d/dsr4d/nn/orient"
	"github.com/dsr4d/dsr4d/nn/torchfile"
	"github.com/dsr4d/dsr4d/pipeline/scene/npy"
	"github.com/dsr4d/dsr4d/vk/ops"
	"github.com/dsr4d/dsr4d/vk/vktest"
)

// tiny is scripts/golden_orient.py's model: the released structure, width 32, 2 layers, and a
// 37×37 position table as the released one, so that 224 px (16×16 patches) interpolates.
var tiny = orient.Config{Encoder: dinov2.Config{Dim: 32, Depth: 2, Heads: 2, Patch: 14, Grid: 37, Offset: 0.1}, Out: orient.Logits}

// goldenPixels preprocesses the five golden crops with this package (their bytes are checked
// against PIL by TestPreprocessGolden).
func goldenPixels(t testing.TB) []float32 {
	var x []float32
	for k := range 5 {
		var err error
		x, err = orient.Preprocess(x, readPNG(t, fmt.Sprintf("frame_%d.png", k)), readMask(t, k))
		require.NoError(t, err)
	}
	return x
}

func TestModelGolden(t *testing.T) {
	f, err := torchfile.Open(td("tiny.pt"))
	require.NoError(t, err)
	defer f.Close()
	a, err := npy.ReadFile(td("tiny_logits.npy"))
	require.NoError(t, err)
	want, err := npy.Values[float32](a)
	require.NoError(t, err)
	b, err := os.ReadFile(td("tiny_angles.json"))
	require.NoError(t, err)
	var ang struct{ Angles [][4]float64 }
	require.NoError(t, json.Unmarshal(b, &ang))
	x := goldenPixels(t)

	d := vktest.Open(t)
	g, err := nn.NewVulkan(d)
	require.NoError(t, err)
	defer func() { require.NoError(t, g.Close()) }()
	for _, be := range []nn.Backend{nn.NewRef(), nn.NewCPU(), g} {
		m, err := orient.Load(be, f, tiny)
		require.NoError(t, err)
		got, err := m.Forward(x, 5)
		require.NoError(t, err)
		w := make([]float64, len(want))
		for i, v := range want {
			w[i] = float64(v)
		}
		e := ops.NMSE(got, w)
		t.Logf("%s: logits NMSE %.2e", be.Name(), e)
		require.Less(t, e, 1e-6, be.Name())
		for r := range 5 {
			a := orient.Decode(got[r*orient.Logits : (r+1)*orient.Logits])
			wa := ang.Angles[r]
			require.Equal(t, [3]float64{wa[0], wa[1], wa[2]}, [3]float64{a.Azimuth, a.Polar, a.Rotation}, "%s crop %d", be.Name(), r)
			require.InDelta(t, wa[3], a.Confidence, 1e-5, "%s crop %d", be.Name(), r)
		}
		// One image alone gives its row of the batch (segments keep images apart).
		one, err := m.Forward(x[3*224*224*2:3*224*224*3], 1)
		require.NoError(t, err)
		require.InDeltaSlice(t, got[2*orient.Logits:3*orient.Logits], one, 1e-4, be.Name())
		m.Free()
	}
}

func TestLoadMissingTensor(t *testing.T) {
	f, err := torchfile.Open(td("tiny.pt"))
	require.NoError(t, err)
	defer f.Close()
	be := nn.NewCPU()
	c := tiny
	c.Encoder.Depth = 3 // the file has layers 0 and 1
	_, err = orient.Load(be, f, c)
	require.ErrorContains(t, err, `no tensor "dinov2.encoder.layer.2.norm1.weight"`)
	c = tiny
	c.Encoder.Grid = 16
	_, err = orient.Load(be, f, c)
	require.ErrorContains(t, err, `"dinov2.embeddings.position_embeddings" has shape [1 1370 32], want [1 257 32]`)
	c = tiny
	c.Out = 10
	_, err = orient.Load(be, f, c)
	require.ErrorContains(t, err, `"down_sampler.net1.0.weight" has shape`)
}

func TestConfigFrom(t *testing.T) {
	f, err := torchfile.Open(td("tiny.pt"))
	require.NoError(t, err)
	defer f.Close()
	c, err := orient.ConfigFrom(f, 2)
	require.NoError(t, err)
	require.Equal(t, tiny, c)
	c, err = orient.ConfigFrom(f, 0) // 32/64 = 0 heads
	require.ErrorContains(t, err, "2 layers of width 32 with 0 heads")
}
