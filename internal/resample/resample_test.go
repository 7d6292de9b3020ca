package resample

import (
	"bufio"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func readPNG(t *testing.T, name string) Image {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if g, ok := img.(*image.Gray); ok { // keep "L" images single-channel, as Pillow does
		b := g.Bounds()
		out := Image{Pix: make([]uint8, b.Dx()*b.Dy()), W: b.Dx(), H: b.Dy(), C: 1}
		for y := range out.H {
			copy(out.Pix[y*out.W:][:out.W], g.Pix[y*g.Stride:])
		}
		return out
	}
	return FromImage(img)
}

// TestPillowGoldens compares every byte with Pillow 9.4's Image.resize (scripts/golden_resample.py):
// up and down, odd sizes, one axis only, grey and RGB, every filter.
func TestPillowGoldens(t *testing.T) {
	f, err := os.Open("testdata/cases.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		var in, fname, out string
		var w, h int
		fields := strings.Fields(line)
		in, fname, out = fields[0], fields[1], fields[4]
		w, _ = strconv.Atoi(fields[2])
		h, _ = strconv.Atoi(fields[3])
		filter, err := ParseFilter(fname)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(out, func(t *testing.T) {
			src, want := readPNG(t, in), readPNG(t, out)
			got, err := Resize(src, w, h, filter)
			if err != nil {
				t.Fatal(err)
			}
			if got.W != want.W || got.H != want.H || got.C != want.C {
				t.Fatalf("got %dx%dx%d, Pillow %dx%dx%d", got.W, got.H, got.C, want.W, want.H, want.C)
			}
			bad := 0
			for i := range got.Pix {
				if got.Pix[i] != want.Pix[i] {
					if bad < 3 {
						p := i / got.C
						t.Errorf("pixel (%d,%d) channel %d: %d, Pillow %d", p%got.W, p/got.W, i%got.C, got.Pix[i], want.Pix[i])
					}
					bad++
				}
			}
			if bad > 0 {
				t.Errorf("%d of %d bytes differ from Pillow", bad, len(got.Pix))
			}
		})
		n++
	}
	if n < 40 {
		t.Fatalf("only %d golden cases", n)
	}
}

func TestResizeErrors(t *testing.T) {
	ok := Image{Pix: make([]uint8, 12), W: 2, H: 2, C: 3}
	for _, tc := range []struct {
		name string
		src  Image
		w, h int
		f    Filter
	}{
		{"short pixels", Image{Pix: make([]uint8, 5), W: 2, H: 2, C: 3}, 4, 4, Bicubic},
		{"empty", Image{}, 4, 4, Bicubic},
		{"zero width", ok, 0, 4, Bicubic},
		{"negative height", ok, 4, -1, Lanczos},
		{"bad filter", ok, 4, 4, Filter(9)},
	} {
		if _, err := Resize(tc.src, tc.w, tc.h, tc.f); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	if _, err := ParseFilter("nearest"); err == nil {
		t.Error("ParseFilter(nearest): no error")
	}
}

func TestSameSizeCopies(t *testing.T) {
	src := Image{Pix: []uint8{1, 2, 3, 4, 5, 6}, W: 2, H: 1, C: 3}
	got, err := Resize(src, 2, 1, Lanczos)
	if err != nil {
		t.Fatal(err)
	}
	got.Pix[0] = 9
	if src.Pix[0] != 1 {
		t.Fatal("Resize to the same size aliases its input")
	}
}

func BenchmarkResizeLanczos(b *testing.B) {
	src := Image{Pix: make([]uint8, 640*360*3), W: 640, H: 360, C: 3}
	for i := range src.Pix {
		src.Pix[i] = uint8(i * 7)
	}
	b.SetBytes(int64(len(src.Pix)))
	for b.Loop() {
		if _, err := Resize(src, 672, 378, Lanczos); err != nil {
			b.Fatal(err)
		}
	}
}
