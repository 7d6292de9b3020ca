package dinov2_test

import (
	"encoding/json"
	"fmt"
	"github.com/dsr4d/dsr4d/nn/nntest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dsr4d/dsr4d/nn"
	"github.com/dsr4d/dsr4d/nn/dinov2"
	"github.com/dsr4d/dsr4d/nn/pi3"
	"github.com/dsr4d/dsr4d/nn/safetensors"
	"github.com/dsr4d/dsr4d/pipeline/scene/npy"
	"github.com/dsr4d/dsr4d/vk/vktest"
)

// The goldens are π³'s tiny random model (scripts/golden_pi3.py), whose encoder is this one.
var tiny = dinov2.Config{Dim: 32, Depth: 2, Heads: 2, Registers: 4, Patch: 14, Grid: 4, Offset: 0.1}

func testdata(name string) string { return filepath.Join("..", "pi3", "testdata", name) }

func readNPY(t *testing.T, name string) ([]float32, []int) {
	a, err := npy.ReadFile(testdata(name))
	require.NoError(t, err)
	v, err := npy.Values[float32](a)
	require.NoError(t, err)
	return v, a.Shape
}

func TestEncoderGolden(t *testing.T) {
	set, err := safetensors.Open(testdata("tiny.safetensors"))
	require.NoError(t, err)
	defer set.Close()
	d := vktest.Open(t)
	g, err := nn.NewVulkan(d)
	require.NoError(t, err)
	defer func() { require.NoError(t, g.Close()) }()
	for _, be := range []nn.Backend{nn.NewRef(), nn.NewCPU(), g} {
		e := dinov2.New(tiny)
		require.NoError(t, nn.Load(be, set.Prefix("encoder."), e))
		for _, c := range []struct {
			in, out string
			norm    bool
		}{{"imgs.npy", "enc_tokens.npy", true}, {"enc2_imgs.npy", "enc2_tokens.npy", false}} {
			x, sh := readNPY(t, c.in)
			want, _ := readNPY(t, c.out)
			if c.norm {
				x = pi3.Normalise(x, sh[2]*sh[3])
			}
			out, err := e.Forward(be, x, sh[0], sh[2], sh[3])
			require.NoError(t, err)
			got, err := be.Read(out)
			require.NoError(t, err)
			be.Release(out)
			require.Len(t, got, len(want))
			e := nntest.NMSE(got, want)
			t.Logf("%s %s: NMSE %.2e", be.Name(), c.out, e)
			require.Less(t, e, 1e-6, "%s %s", be.Name(), c.out)
		}
		nn.Free(be, e)
	}
}

// A 4×4 table brought to 4×4 at a non-square image is not the identity (the 0.1 offset changes
// the scale); brought to the same size at a square image it is returned unchanged.
func TestInterpolateIdentityOnlyWhenSquare(t *testing.T) {
	pos := make([]float32, 16)
	for i := range pos {
		pos[i] = float32(i * i % 7)
	}
	same := dinov2.Interpolate(pos, 4, 1, 4, 4, 0)
	require.InDeltaSlice(t, pos, same, 1e-6)
	off := dinov2.Interpolate(pos, 4, 1, 4, 4, 0.1)
	require.NotEqual(t, pos, off)
}

// TestFromQwenPatches: the DSR Suite's spatial-encoder input from Qwen's patches, bit for bit.
func TestFromQwenPatches(t *testing.T) {
	x, _ := readNPY(t, "qwen_patches.npy")
	want, sh := readNPY(t, "qwen_images.npy")
	require.Equal(t, []int{2, 3, 56, 84}, sh)
	got, err := dinov2.FromQwenPatches(x, dinov2.QwenGrid{T: 1, H: 4, W: 6, Merge: 2, TemporalPatch: 2, Patch: 14})
	require.NoError(t, err)
	require.Equal(t, want, got)
	_, err = dinov2.FromQwenPatches(x[1:], dinov2.QwenGrid{T: 1, H: 4, W: 6, Merge: 2, TemporalPatch: 2, Patch: 14})
	require.Error(t, err)
}

// TestInterpolateAA: the DSR Suite's position-table resize (antialiased bicubic by size) against
// torch's F.interpolate(mode="bicubic", antialias=True) on a random 8×8 table of 3 channels,
// shrinking, growing and mixed (testdata/interp_aa.json, from scripts/golden_qwenvl.py).
func TestInterpolateAA(t *testing.T) {
	data, err := os.ReadFile("testdata/interp_aa.json")
	require.NoError(t, err)
	var g struct {
		Pos []float32
		Out map[string][]float32
	}
	require.NoError(t, json.Unmarshal(data, &g))
	require.Len(t, g.Out, 5)
	for size, want := range g.Out {
		var h, w int
		_, err := fmt.Sscanf(size, "%dx%d", &h, &w)
		require.NoError(t, err)
		got := dinov2.InterpolateAA(g.Pos, 8, 3, h, w)
		require.InDeltaSlice(t, want, got, 2e-6, size)
	}
}
