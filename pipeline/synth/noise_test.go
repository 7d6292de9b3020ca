package synth

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/dsr4d/dsr4d/pipeline/scene"
	"gonum.org/v1/gonum/spatial/r3"
)

func TestParseNoise(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		want Noise
		err  string
	}{
		{"", Noise{}, ""},
		{"none", Noise{}, ""},
		{"heavy", NoiseLevels["heavy"], ""},
		{"light,orient=0,mask=0", func() Noise { n := NoiseLevels["light"]; n.Orient, n.Mask = 0, 0; return n }(), ""},
		{"depth=0.01, occlude=0.1", Noise{Depth: 0.01, Occlude: 0.1}, ""},
		{"loud", Noise{}, `unknown level "loud"`},
		{"colour=1", Noise{}, `unknown key "colour"`},
		{"mask=1.5", Noise{}, "want an integer"},
		{"depth=x", Noise{}, "want a number"},
		{"occlude=2", Noise{}, "occlude=2, want 0..1"},
		{"depth=NaN", Noise{}, "depth=NaN"},
	} {
		got, err := ParseNoise(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: error %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q: %+v, %v; want %+v", c.in, got, err, c.want)
		}
		if back, err := ParseNoise(got.String()); err != nil || back != got {
			t.Errorf("%q: String %q parses to %+v, %v", c.in, got.String(), back, err)
		}
	}
}

// TestNoise: without noise the stored poses and angles are the truth; with heavy noise they
// differ by about the requested amounts, occluded frames have empty masks and no angles, and
// gt.json stays noise-free.
func TestNoise(t *testing.T) {
	t.Parallel()
	cfg := smallConfig("static", 21)
	cfg.Frames, cfg.Objects = 12, 6
	clean, err := Generate(cfg, CPU{})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Noise = NoiseLevels["heavy"]
	cfg.Noise.Occlude = 0.2
	noisy, err := Generate(cfg, CPU{})
	if err != nil {
		t.Fatal(err)
	}
	var gt scene.GT
	if err := json.Unmarshal(noisy.Scene.GT, &gt); err != nil {
		t.Fatal(err)
	}
	if a, b := mustJSON(t, &gt), mustJSON(t, noisy.GT); !bytes.Equal(a, b) {
		t.Fatalf("gt.json does not read back into the GT it was written from")
	}
	if len(gt.Frames) != cfg.Frames || gt.Format != scene.GTFormat {
		t.Fatalf("gt: %d frames, format %q", len(gt.Frames), gt.Format)
	}
	occluded := 0
	for f, gf := range gt.Frames {
		cp, np := clean.Scene.Pose(f), noisy.Scene.Pose(f)
		for k := range 16 {
			if float32(gf.CameraPose[k]) != clean.Scene.Poses[16*f+k] {
				t.Fatalf("frame %d: clean stored pose differs from the truth", f)
			}
		}
		if d := r3.Norm(r3.Sub(np.T, cp.T)); d == 0 || d > 1 {
			t.Errorf("frame %d: noisy pose moved by %.3g", f, d)
		}
		for k, o := range gf.Objects {
			a, b := o, clean.GT.Frames[f].Objects[k]
			a.Occluded = false
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("frame %d object %d: gt differs under noise: %+v vs %+v", f, o.ID, a, b)
			}
			if o.Occluded {
				occluded++
				if anyTrue(noisy.Scene.Mask(o.ID, f)) {
					t.Errorf("frame %d object %d: occluded but masked", f, o.ID)
				}
				if _, ok := noisy.Scene.OrientationAt(o.ID, f); ok {
					t.Errorf("frame %d object %d: occluded but oriented", f, o.ID)
				}
			}
		}
	}
	if occluded == 0 {
		t.Errorf("no occluded frame at occlude=0.2")
	}
	n := 0
	for id, list := range clean.Scene.Orient {
		for _, o := range list {
			g := clean.GT.Frames[o.Frame].Objects[id-1].Angles
			if o.Azimuth != g.Azimuth || o.Polar != g.Polar || o.Rotation != g.Rotation || o.Confidence != OrientConfidence {
				t.Fatalf("clean orientation %+v, truth %+v", o, *g)
			}
			n++
		}
	}
	if n == 0 {
		t.Fatal("no orientations")
	}
	for _, list := range noisy.Scene.Orient {
		for _, o := range list {
			if o.Confidence < 0.5 || o.Confidence >= 1 {
				t.Fatalf("noisy confidence %v", o.Confidence)
			}
		}
	}
}

// TestMorph: dilation and erosion by one pixel of a 3×3 square in a 7×7 image.
func TestMorph(t *testing.T) {
	t.Parallel()
	const w, h = 7, 7
	m := make([]bool, w*h)
	for y := 2; y <= 4; y++ {
		for x := 2; x <= 4; x++ {
			m[y*w+x] = true
		}
	}
	count := func(m []bool) (n int) {
		for _, v := range m {
			if v {
				n++
			}
		}
		return n
	}
	if n := count(morph(m, w, h, 1)); n != 25 {
		t.Errorf("dilate: %d pixels, want 25", n)
	}
	if n := count(morph(m, w, h, 2)); n != 49 {
		t.Errorf("dilate 2: %d pixels, want 49", n)
	}
	if e := morph(m, w, h, -1); count(e) != 1 || !e[3*w+3] {
		t.Errorf("erode: %d pixels, want the centre", count(e))
	}
	if n := count(morph(m, w, h, -2)); n != 0 {
		t.Errorf("erode 2: %d pixels, want 0", n)
	}
	if n := count(morph(make([]bool, w*h), w, h, 2)); n != 0 {
		t.Errorf("dilating nothing gives %d pixels", n)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
