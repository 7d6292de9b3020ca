package viewer

import (
	"flag"
	stdimage "image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/dsr4d/dsr4d/internal/atomicfile"
)

// Regenerate the golden images with `go test ./viewer -run Golden -update` (or
// DSR4D_UPDATE_GOLDEN=1), look at them, and commit testdata/*.png.
var update = flag.Bool("update", os.Getenv("DSR4D_UPDATE_GOLDEN") != "", "rewrite the golden images in testdata")

// Tolerance: a pixel differs when a channel is off by more than pixelTol; an image matches when
// at most maxDiffFrac of its pixels differ (rasterisation rules and float rounding differ
// slightly between lavapipe versions and GPUs).
const (
	pixelTol    = 40
	maxDiffFrac = 0.01
)

func compareGolden(t *testing.T, name string, img *stdimage.RGBA) {
	t.Helper()
	path := filepath.Join("testdata", name+".png")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := writePNG(path, img); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", path)
		return
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	defer f.Close()
	want, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if want.Bounds() != img.Bounds() {
		t.Fatalf("%s: size %v, golden %v", name, img.Bounds(), want.Bounds())
	}
	diff := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r1, g1, b1, _ := img.At(x, y).RGBA()
			r2, g2, b2, _ := want.At(x, y).RGBA()
			if absDiff(r1, r2) > pixelTol || absDiff(g1, g2) > pixelTol || absDiff(b1, b2) > pixelTol {
				diff++
			}
		}
	}
	if frac := float64(diff) / float64(b.Dx()*b.Dy()); frac > maxDiffFrac {
		out := filepath.Join(t.TempDir(), name+".png")
		_ = writePNG(out, img)
		t.Errorf("%s: %.2f%% of pixels differ from %s (allowed %.2f%%); got %s", name, 100*frac, path, 100*maxDiffFrac, out)
	}
}

func absDiff(a, b uint32) uint32 {
	a, b = a>>8, b>>8
	if a > b {
		return a - b
	}
	return b - a
}

func TestGolden(t *testing.T) {
	s := testScene(t, 6, 80, 60)
	q := &Question{Type: "abs_dir", Viewpoint: 0, V: 1, Objects: []int{1, 2}, Start: 1, End: 4,
		Text:    "Between 0.5s and 2.0s, from the perspective of camera at 0.5s, how does the direction of person to ball change?",
		Options: []string{"A. left", "B. right", "C. front", "D. back"}, Answer: "B"}
	geo, err := Build(s, BuildOptions{Question: q})
	if err != nil {
		t.Fatal(err)
	}
	o := openOffscreen(t, geo, 480, 300)
	cases := []struct {
		name string
		set  func(st *State)
	}{
		{"accumulate", func(st *State) { st.Frame = 3; st.ColorBy = ColorConfidence }},
		{"current_object", func(st *State) { st.Frame = 2; st.Mode = ModeCurrent; st.ColorBy = ColorObject; st.PointSize = 3 }},
		{"trail_time_through", func(st *State) {
			st.Frame = 5
			st.Mode = ModeTrail
			st.Trail = 3
			st.ColorBy = ColorTime
			st.Cam.Through = 5
		}},
		{"question", func(st *State) { st.Frame = 2; st.Question = q; st.HUD = true }},
	}
	for _, c := range cases {
		st := NewState(geo)
		st.HUD = false
		c.set(st)
		img, err := o.Render(st)
		if err != nil {
			t.Fatal(err)
		}
		compareGolden(t, c.name, img)
	}
	if n := o.Uploads(); n != len(geo.Points)*20+len(geo.Lines)*16 {
		t.Errorf("uploads %d bytes, want %d", n, len(geo.Points)*20+len(geo.Lines)*16)
	}
}

func writePNG(path string, img stdimage.Image) error {
	return atomicfile.WriteFunc(path, func(w io.Writer) error { return png.Encode(w, img) })
}
