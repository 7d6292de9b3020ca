package pi3_test

import (
	"bufio"
	"github.com/dsr4d/dsr4d/nn/nntest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dsr4d/dsr4d/nn"
	"github.com/dsr4d/dsr4d/nn/pi3"
	"github.com/dsr4d/dsr4d/nn/safetensors"
	"github.com/dsr4d/dsr4d/pipeline/scene/npy"
	"github.com/dsr4d/dsr4d/vk/vktest"
)

func readNPY(t *testing.T, name string) ([]float32, []int) {
	a, err := npy.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	v, err := npy.Values[float32](a)
	require.NoError(t, err)
	return v, a.Shape
}

func tinyModel(t *testing.T) (*safetensors.Set, pi3.Config) {
	set, err := safetensors.Open(filepath.Join("testdata", "tiny.safetensors"))
	require.NoError(t, err)
	t.Cleanup(func() { set.Close() })
	c, err := pi3.ConfigFrom(set.Metadata)
	require.NoError(t, err)
	require.Equal(t, 4, c.Depth)
	return set, c
}

// TestGolden holds every backend to Pi3.forward's outputs on the tiny random model
// (scripts/golden_pi3.py), frames in batches of 2 so that batching is covered.
func TestGolden(t *testing.T) {
	set, c := tinyModel(t)
	d := vktest.Open(t)
	g, err := nn.NewVulkan(d)
	require.NoError(t, err)
	defer func() { require.NoError(t, g.Close()) }()
	imgs, sh := readNPY(t, "imgs.npy")
	want := map[string][]float32{}
	for _, k := range []string{"local_points", "conf", "camera_poses", "points"} {
		want[k], _ = readNPY(t, k+".npy")
	}
	for _, be := range []nn.Backend{nn.NewRef(), nn.NewCPU(), g} {
		m := pi3.New(c)
		require.NoError(t, nn.Load(be, set, m))
		var stages []string
		out, err := m.Forward(be, imgs, sh[0], sh[2], sh[3], pi3.Options{Batch: 2, Group: 3,
			Progress: func(s string, done, total int) { stages = append(stages, s) }})
		require.NoError(t, err)
		require.Equal(t, []string{"encoder", "encoder", "decoder", "decoder", "heads", "heads"}, stages)
		for k, got := range map[string][]float32{"local_points": out.LocalPoints, "conf": out.Conf, "camera_poses": out.Poses, "points": out.Points} {
			e := nntest.NMSE(got, want[k])
			t.Logf("%s %s: NMSE %.2e", be.Name(), k, e)
			require.Less(t, e, 1e-6, "%s %s", be.Name(), k)
		}
		nn.Free(be, m)
	}
}

// TestNames checks the parameter walk of the full-size model against the released state dict's
// names and shapes (testdata/pi3_names.txt): every name we load is there with its shape, and
// every name there is loaded, but the two constant buffers.
func TestNames(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "pi3_names.txt"))
	require.NoError(t, err)
	defer f.Close()
	released := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		require.Len(t, fs, 3)
		released[fs[0]] = fs[1]
	}
	ours := map[string]bool{}
	for _, p := range nn.Params(pi3.New(pi3.Official()), "") {
		var dims []string
		for _, d := range p.Shape {
			dims = append(dims, strconv.Itoa(d))
		}
		require.Equal(t, released[p.Name], strings.Join(dims, ","), p.Name)
		ours[p.Name] = true
	}
	var missing []string
	for k := range released {
		if !ours[k] {
			missing = append(missing, k)
		}
	}
	slices.Sort(missing)
	require.Equal(t, []string{"image_mean", "image_std"}, missing)
}

func TestBadCheckpoint(t *testing.T) {
	set, c := tinyModel(t)
	c.HeadDim = 48 // every head weight mis-shaped
	err := nn.Load(nn.NewCPU(), set, pi3.New(c))
	require.ErrorContains(t, err, "point_decoder.projects.weight")
	c, _ = pi3.ConfigFrom(set.Metadata)
	c.Depth = 6 // decoder.4 is missing
	err = nn.Load(nn.NewCPU(), set, pi3.New(c))
	require.ErrorContains(t, err, "decoder.4.")
}
