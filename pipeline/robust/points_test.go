package robust

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/spatial/r3"
)

func TestErode(t *testing.T) {
	t.Parallel()
	const w, h = 9, 7
	m := make([]bool, w*h)
	for y := 1; y <= 5; y++ { // a 5×5 square at x 2..6, y 1..5
		for x := 2; x <= 6; x++ {
			m[y*w+x] = true
		}
	}
	e := erode(m, w, h, 1)
	for y := range h {
		for x := range w {
			want := x >= 3 && x <= 5 && y >= 2 && y <= 4
			if e[y*w+x] != want {
				t.Fatalf("erode r=1 at (%d,%d) = %v, want %v", x, y, e[y*w+x], want)
			}
		}
	}
	if e2 := erode(m, w, h, 2); count(e2) != 1 || !e2[3*w+4] {
		t.Fatalf("erode r=2 keeps %d pixels, want only the centre", count(e2))
	}
	// A mask touching the border loses its border row.
	full := make([]bool, w*h)
	for k := range full {
		full[k] = true
	}
	if got := count(erode(full, w, h, 1)); got != (w-2)*(h-2) {
		t.Fatalf("erode of a full mask keeps %d, want %d", got, (w-2)*(h-2))
	}
}

func count(m []bool) int {
	n := 0
	for _, b := range m {
		if b {
			n++
		}
	}
	return n
}

func TestTrimDepthDropsBackground(t *testing.T) {
	t.Parallel()
	var p []r3.Vec
	for k := range 40 {
		p = append(p, r3.Vec{X: 0.01 * float64(k%5), Z: 5 + 0.01*float64(k%7)})
	}
	p = append(p, r3.Vec{Z: 9}, r3.Vec{Z: 12}) // background through a dilated mask
	got := trimDepth(p, 3)
	if len(got) != 40 {
		t.Fatalf("kept %d points, want the 40 object points", len(got))
	}
}

// A sphere's visible (camera-facing) surface: its mean sits in front of the centre; Solid
// moves it back within a tenth of the radius, Median and Mean do not.
func TestSolidCentreOfSphere(t *testing.T) {
	t.Parallel()
	c, r := r3.Vec{X: 0.5, Y: -0.2, Z: 6}, 0.5
	var p []r3.Vec
	// Points on a pixel grid over the sphere's silhouette (uniform in projected area, as
	// mask pixels are), on its near side.
	for u := -r; u <= r; u += 0.01 {
		for v := -r; v <= r; v += 0.01 {
			if d := u*u + v*v; d < r*r {
				p = append(p, r3.Vec{X: c.X + u, Y: c.Y + v, Z: c.Z - math.Sqrt(r*r-d)})
			}
		}
	}
	for _, tc := range []struct {
		stat   string
		maxErr float64
		minErr float64
	}{{Solid, 0.05, 0}, {Mean, 1, 0.25}, {Median, 1, 0.25}} {
		e := r3.Norm(r3.Sub(centre(p, tc.stat, r3.Vec{Y: -1}), c))
		if e > tc.maxErr || e < tc.minErr {
			t.Errorf("%s: centre error %.3f, want in [%.2f, %.2f]", tc.stat, e, tc.minErr, tc.maxErr)
		}
	}
}

// A tall cylinder (a tree: radius 0.25 m, 3.2 m high) seen from the side: Solid moves its
// visible surface's mean back by its horizontal half-width to within 6 cm of the axis; by
// its apparent half-width in any direction across the ray (what Solid did before it knew
// the world's up), the height, it lands far behind it.
func TestSolidCentreOfTallCylinder(t *testing.T) {
	t.Parallel()
	c, r, hh := r3.Vec{X: -0.4, Y: 0.3, Z: 7}, 0.25, 1.6
	var p []r3.Vec
	for u := -r; u <= r; u += 0.01 {
		for v := -hh; v <= hh; v += 0.01 {
			p = append(p, r3.Vec{X: c.X + u, Y: c.Y + v, Z: c.Z - math.Sqrt(r*r-u*u)})
		}
	}
	if e := r3.Norm(r3.Sub(centre(p, Solid, r3.Vec{Y: -1}), c)); e > 0.06 {
		t.Errorf("with the world's up: centre error %.3f m, want ≤ 0.06", e)
	}
	if e := r3.Norm(r3.Sub(centre(p, Solid, r3.Vec{}), c)); e < 0.4 {
		t.Errorf("without it: centre error %.3f m, want the old overshoot (≥ 0.4)", e)
	}
}
