package pi3_test

import (
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dsr4d/dsr4d/nn/pi3"
)

func TestTargetSizeGolden(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "target_sizes.json"))
	require.NoError(t, err)
	var want map[string][2]int
	require.NoError(t, json.Unmarshal(b, &want))
	for k, v := range want {
		var w, h int
		_, err := fmt.Sscanf(k, "%dx%d", &w, &h)
		require.NoError(t, err)
		tw, th := pi3.TargetSize(w, h, pi3.PixelLimit)
		require.Equal(t, v, [2]int{tw, th}, k)
	}
}

// TestLoadFramesGolden compares with the reference's load_images_as_tensor: same order (1, 2,
// 10), same size rule, same LANCZOS bytes, same /255.
func TestLoadFramesGolden(t *testing.T) {
	paths, err := pi3.FrameFiles(filepath.Join("testdata", "load"))
	require.NoError(t, err)
	require.Equal(t, "10.png", filepath.Base(paths[2]))
	fr, err := pi3.LoadFrames(paths, 5000)
	require.NoError(t, err)
	want, sh := readNPY(t, "load_imgs.npy")
	require.Equal(t, []int{fr.N, 3, fr.H, fr.W}, sh)
	require.Equal(t, want, fr.Pix)
}

func TestLoadFramesErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := pi3.FrameFiles(dir)
	require.ErrorContains(t, err, "no frames")
	_, err = pi3.LoadFrames(nil, pi3.PixelLimit)
	require.ErrorContains(t, err, "no frames")
	write := func(name string, w, h int) string {
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		require.NoError(t, err)
		require.NoError(t, png.Encode(f, image.NewRGBA(image.Rect(0, 0, w, h))))
		require.NoError(t, f.Close())
		return p
	}
	a, b := write("0.png", 30, 20), write("1.png", 20, 30)
	_, err = pi3.LoadFrames([]string{a, b}, 5000)
	require.ErrorContains(t, err, "1.png: 20×30")
	bad := filepath.Join(dir, "2.png")
	require.NoError(t, os.WriteFile(bad, []byte("not a png"), 0o644))
	_, err = pi3.LoadFrames([]string{a, bad}, 5000)
	require.ErrorContains(t, err, "2.png")
}
