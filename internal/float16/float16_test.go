package float16

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestHalfRoundTripsEveryValue(t *testing.T) {
	for h := range 1 << 16 {
		f := ToFloat32(uint16(h))
		if f != f { // NaNs come back quieted (0x7c01 → 0x7e01), still NaN
			if g := ToFloat32(FromFloat32(f)); g == g {
				t.Fatalf("NaN %#04x came back as %v", h, g)
			}
			continue
		}
		if got := FromFloat32(f); got != uint16(h) {
			t.Fatalf("FromFloat32(ToFloat32(%#04x) = %v) = %#04x", h, f, got)
		}
	}
}

// TestHalfRoundsToNearest compares with the exhaustive nearest-value search over all finite
// halves, on random and boundary inputs.
func TestHalfRoundsToNearest(t *testing.T) {
	var finite []float64
	for h := range 0x7c00 {
		finite = append(finite, float64(ToFloat32(uint16(h))))
	}
	nearest := func(v float64) float64 {
		a := math.Abs(v)
		if a >= 65520 { // half-way between the largest half and the next power: rounds to Inf
			return math.Copysign(math.Inf(1), v)
		}
		i := sortSearch(finite, a)
		best := finite[i]
		if i > 0 && (a-finite[i-1] < best-a || (a-finite[i-1] == best-a && (i-1)%2 == 0)) {
			best = finite[i-1]
		}
		return math.Copysign(best, v)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	inputs := []float32{0, 65504, 65519, 65520, 1e-8, 2.98e-8, 5.96e-8, 6.1e-5, 1.0009766, 1.00048828125}
	for range 20000 {
		inputs = append(inputs, float32(rng.NormFloat64()*math.Pow(10, rng.Float64()*10-6)))
	}
	for _, v := range inputs {
		want := nearest(float64(v))
		if got := float64(ToFloat32(FromFloat32(v))); got != want && !(got == 0 && want == 0) {
			t.Errorf("FromFloat32(%v) = %v, want %v", v, got, want)
		}
	}
}

func sortSearch(xs []float64, v float64) int {
	lo, hi := 0, len(xs)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if xs[mid] < v {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

func TestBF16(t *testing.T) {
	cases := []struct {
		in   float32
		want uint16
	}{{1, 0x3f80}, {-2, 0xc000}, {1.00390625, 0x3f80} /* tie → even */, {1.01171875, 0x3f82}, {float32(math.Inf(1)), 0x7f80}}
	for _, c := range cases {
		if got := BF16FromFloat32(c.in); got != c.want {
			t.Errorf("BF16FromFloat32(%v) = %#04x, want %#04x", c.in, got, c.want)
		}
		if c.in == c.in && BF16ToFloat32(c.want) != BF16ToFloat32(BF16FromFloat32(c.in)) {
			t.Errorf("BF16 round trip of %v", c.in)
		}
	}
	if nan := BF16ToFloat32(BF16FromFloat32(float32(math.NaN()))); nan == nan {
		t.Error("NaN did not stay NaN")
	}
}
