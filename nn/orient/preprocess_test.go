package orient_test

import (
	"encoding/json"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dsr4d/dsr4d/internal/resample"
	"github.com/dsr4d/dsr4d/nn/orient"
	"github.com/dsr4d/dsr4d/pipeline/scene/npy"
)

func td(name string) string { return filepath.Join("testdata", name) }

func readPNG(t testing.TB, name string) resample.Image {
	f, err := os.Open(td(name))
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	return resample.FromImage(img)
}

func readMask(t testing.TB, k int) []bool {
	a, err := npy.ReadFile(td(fmt.Sprintf("mask_%d.npy", k)))
	require.NoError(t, err)
	v, err := npy.Values[bool](a)
	require.NoError(t, err)
	return v
}

type goldenCase struct {
	Frame    [2]int `json:"frame"`
	Crop     [4]int `json:"crop"` // y0, y1, x0, x1
	CropSize [2]int `json:"crop_size"`
}

func readCases(t *testing.T) []goldenCase {
	b, err := os.ReadFile(td("cases.json"))
	require.NoError(t, err)
	var cs []goldenCase
	require.NoError(t, json.Unmarshal(b, &cs))
	require.Len(t, cs, 5)
	return cs
}

// The crop window and the processor's 224×224 bytes equal the reference's (PIL) for odd frame
// sizes and masks touching the borders.
func TestPreprocessGolden(t *testing.T) {
	for k, c := range readCases(t) {
		frame := readPNG(t, fmt.Sprintf("frame_%d.png", k))
		require.Equal(t, c.Frame, [2]int{frame.W, frame.H})
		mask := readMask(t, k)
		b, err := orient.CropBox(mask, frame.W, frame.H)
		require.NoError(t, err)
		require.Equal(t, orient.Box{Y0: c.Crop[0], Y1: c.Crop[1], X0: c.Crop[2], X1: c.Crop[3]}, b, "case %d", k)
		crop := orient.Crop(frame, b)
		require.Equal(t, c.CropSize, [2]int{crop.W, crop.H})
		got, err := orient.Resized(crop)
		require.NoError(t, err)
		want := readPNG(t, fmt.Sprintf("proc_%d.png", k))
		require.Equal(t, want.Pix, got.Pix, "case %d: processed bytes", k)
	}
}

func TestNormaliseGolden(t *testing.T) {
	frame := readPNG(t, "frame_0.png")
	got, err := orient.Preprocess(nil, frame, readMask(t, 0))
	require.NoError(t, err)
	a, err := npy.ReadFile(td("pixel_values_0.npy"))
	require.NoError(t, err)
	want, err := npy.Values[float32](a)
	require.NoError(t, err)
	require.Equal(t, []int{1, 3, 224, 224}, a.Shape)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("value %d: %v, want %v (bit-exact)", i, got[i], want[i])
		}
	}
}

func TestCropBoxRules(t *testing.T) {
	w, h := 30, 20
	mask := make([]bool, w*h)
	_, err := orient.CropBox(mask, w, h)
	require.ErrorIs(t, err, orient.ErrEmptyMask)
	_, err = orient.CropBox(mask[:10], w, h)
	require.ErrorContains(t, err, "mask of 10 values for a 30×20 frame")
	// One row on the top border: margin 0, exclusive end → no rows: skipped as empty.
	for x := 3; x < 9; x++ {
		mask[x] = true
	}
	_, err = orient.CropBox(mask, w, h)
	require.ErrorIs(t, err, orient.ErrEmptyMask)
	// A pixel at (5, 4): margins min(10, 4, 20−4) = 4 and min(10, 5, 30−5) = 5.
	clear(mask)
	mask[4*w+5] = true
	b, err := orient.CropBox(mask, w, h)
	require.NoError(t, err)
	require.Equal(t, orient.Box{Y0: 0, Y1: 8, X0: 0, X1: 10}, b)
	// Bottom-right pixel: margin min(10, 19, 1) = 1 → [18, 20) × [28, 30).
	clear(mask)
	mask[w*h-1] = true
	b, err = orient.CropBox(mask, w, h)
	require.NoError(t, err)
	require.Equal(t, orient.Box{Y0: 18, Y1: 20, X0: 28, X1: 30}, b)
}

func TestDecode(t *testing.T) {
	l := make([]float32, orient.Logits)
	l[17], l[300] = 5, 5 // ties: the first maximum
	l[360+10] = 2
	l[540+179] = 1
	l[720], l[721] = 1, 0
	a := orient.Decode(l)
	require.Equal(t, 17.0, a.Azimuth)
	require.Equal(t, -80.0, a.Polar)
	require.Equal(t, 89.0, a.Rotation)
	require.InDelta(t, 1/(1+math.Exp(-1)), a.Confidence, 1e-7)
	l[5] = float32(math.NaN())
	require.Equal(t, 5.0, orient.Decode(l).Azimuth)
}
