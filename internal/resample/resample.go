package resample

import (
	"fmt"
	"image"
	"image/color"
	"math"
)

// Filter is one of Pillow's resampling filters.
type Filter int

const (
	Bilinear Filter = iota // Image.Resampling.BILINEAR: triangle, support 1
	Bicubic                // Image.Resampling.BICUBIC: cubic convolution a = −0.5, support 2
	Lanczos                // Image.Resampling.LANCZOS: Lanczos-3, support 3
)

func (f Filter) String() string {
	switch f {
	case Bilinear:
		return "bilinear"
	case Bicubic:
		return "bicubic"
	case Lanczos:
		return "lanczos"
	}
	return fmt.Sprintf("Filter(%d)", int(f))
}

// ParseFilter returns the filter with the given name ("bilinear", "bicubic", "lanczos").
func ParseFilter(name string) (Filter, error) {
	for f := Bilinear; f <= Lanczos; f++ {
		if f.String() == name {
			return f, nil
		}
	}
	return 0, fmt.Errorf("resample: unknown filter %q (want bilinear, bicubic or lanczos)", name)
}

func (f Filter) support() float64 {
	switch f {
	case Bilinear:
		return 1
	case Bicubic:
		return 2
	}
	return 3
}

func (f Filter) weight(x float64) float64 {
	switch f {
	case Bilinear:
		x = math.Abs(x)
		if x < 1 {
			return 1 - x
		}
		return 0
	case Bicubic:
		const a = -0.5
		x = math.Abs(x)
		if x < 1 {
			return ((a+2)*x-(a+3))*x*x + 1
		}
		if x < 2 {
			return (((x-5)*x+8)*x - 4) * a
		}
		return 0
	}
	if -3 <= x && x < 3 {
		return sinc(x) * sinc(x/3)
	}
	return 0
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	x *= math.Pi
	return math.Sin(x) / x
}

// precision is Pillow's PRECISION_BITS for 8-bit images: 32 − 8 − 2.
const precision = 22

// coeffs are one pass's fixed-point filter taps: output i reads inputs start[i] … start[i]+n[i]−1
// with weights k[i*width : i*width+n[i]].
type coeffs struct {
	start, n []int
	k        []int32
	width    int
}

// newCoeffs follows Pillow's precompute_coeffs and normalize_coeffs_8bpc.
func newCoeffs(inSize, outSize int, f Filter) coeffs {
	scale := float64(inSize) / float64(outSize)
	filterScale := math.Max(scale, 1)
	support := f.support() * filterScale
	width := int(math.Ceil(support))*2 + 1
	c := coeffs{start: make([]int, outSize), n: make([]int, outSize), k: make([]int32, outSize*width), width: width}
	w := make([]float64, width)
	for i := range outSize {
		centre := (float64(i) + 0.5) * scale
		lo := max(int(centre-support+0.5), 0) // int() truncates like C's cast: centre−support+0.5 may be negative
		hi := min(int(centre+support+0.5), inSize)
		sum := 0.0
		for x := lo; x < hi; x++ {
			w[x-lo] = f.weight((float64(x) - centre + 0.5) / filterScale)
			sum += w[x-lo]
		}
		for x := lo; x < hi; x++ {
			v := w[x-lo]
			if sum != 0 {
				v /= sum
			}
			// Round half away from zero, as Pillow's (int)(±0.5 + v·2²²).
			if v < 0 {
				c.k[i*width+x-lo] = int32(-0.5 + v*(1<<precision))
			} else {
				c.k[i*width+x-lo] = int32(0.5 + v*(1<<precision))
			}
		}
		c.start[i], c.n[i] = lo, hi-lo
	}
	return c
}

func clip8(acc int32) uint8 {
	v := acc >> precision
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// Image is an interleaved 8-bit image: Pix[(y*W+x)*C + c].
type Image struct {
	Pix     []uint8
	W, H, C int
}

// FromImage converts img to 3-channel RGB the way Pillow's convert("RGB") does for the images Go
// decodes: colour channels without alpha (not premultiplied), grey replicated.
func FromImage(img image.Image) Image {
	b := img.Bounds()
	out := Image{Pix: make([]uint8, b.Dx()*b.Dy()*3), W: b.Dx(), H: b.Dy(), C: 3}
	switch src := img.(type) {
	case *image.NRGBA:
		for y := range out.H {
			row := src.Pix[y*src.Stride:]
			for x := range out.W {
				copy(out.Pix[(y*out.W+x)*3:][:3], row[x*4:x*4+3])
			}
		}
		return out
	case *image.Gray:
		for y := range out.H {
			for x := range out.W {
				v := src.Pix[y*src.Stride+x]
				p := out.Pix[(y*out.W+x)*3:]
				p[0], p[1], p[2] = v, v, v
			}
		}
		return out
	}
	for y := range out.H {
		for x := range out.W {
			c := color.NRGBAModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
			p := out.Pix[(y*out.W+x)*3:]
			p[0], p[1], p[2] = c.R, c.G, c.B
		}
	}
	return out
}

// RGBA returns the image as an *image.NRGBA (opaque), for encoding or viewing.
func (m Image) RGBA() *image.NRGBA {
	out := image.NewNRGBA(image.Rect(0, 0, m.W, m.H))
	for i := range m.W * m.H {
		p := out.Pix[i*4:]
		switch m.C {
		case 1:
			p[0], p[1], p[2] = m.Pix[i], m.Pix[i], m.Pix[i]
		default:
			copy(p[:3], m.Pix[i*m.C:i*m.C+3])
		}
		p[3] = 255
	}
	return out
}

// Resize returns src resized to w×h with filter f, byte for byte as Pillow's
// Image.resize((w, h), f) on an "L" (C = 1) or "RGB" (C = 3) image.
func Resize(src Image, w, h int, f Filter) (Image, error) {
	if src.W <= 0 || src.H <= 0 || src.C <= 0 || len(src.Pix) != src.W*src.H*src.C {
		return Image{}, fmt.Errorf("resample: image %dx%dx%d with %d bytes", src.W, src.H, src.C, len(src.Pix))
	}
	if w <= 0 || h <= 0 {
		return Image{}, fmt.Errorf("resample: target size %dx%d must be positive", w, h)
	}
	if f < Bilinear || f > Lanczos {
		return Image{}, fmt.Errorf("resample: unknown filter %v", f)
	}
	if w == src.W && h == src.H { // Pillow copies
		return Image{Pix: append([]uint8(nil), src.Pix...), W: w, H: h, C: src.C}, nil
	}
	vert := newCoeffs(src.H, h, f)
	cur := src
	if w != src.W {
		// Pillow's horizontal pass produces only the rows the vertical pass reads.
		first := vert.start[0]
		last := vert.start[h-1] + vert.n[h-1]
		if h == src.H {
			first, last = 0, src.H
		}
		cur = horizontal(src, first, last, newCoeffs(src.W, w, f))
		for i := range vert.start {
			vert.start[i] -= first
		}
	}
	if h != src.H {
		cur = vertical(cur, h, vert)
	}
	return cur, nil
}

func horizontal(src Image, first, last int, c coeffs) Image {
	C := src.C
	out := Image{Pix: make([]uint8, c.outSize()*(last-first)*C), W: c.outSize(), H: last - first, C: C}
	for y := first; y < last; y++ {
		in := src.Pix[y*src.W*C:]
		dst := out.Pix[(y-first)*out.W*C:]
		for x := range out.W {
			k := c.k[x*c.width : x*c.width+c.n[x]]
			base := c.start[x] * C
			for ch := range C {
				acc := int32(1 << (precision - 1))
				for i, kv := range k {
					acc += int32(in[base+i*C+ch]) * kv
				}
				dst[x*C+ch] = clip8(acc)
			}
		}
	}
	return out
}

func vertical(src Image, h int, c coeffs) Image {
	C := src.C
	rowLen := src.W * C
	out := Image{Pix: make([]uint8, rowLen*h), W: src.W, H: h, C: C}
	acc := make([]int32, rowLen)
	for y := range h {
		for i := range acc {
			acc[i] = 1 << (precision - 1)
		}
		for i, kv := range c.k[y*c.width : y*c.width+c.n[y]] {
			in := src.Pix[(c.start[y]+i)*rowLen:][:rowLen]
			for j, v := range in {
				acc[j] += int32(v) * kv
			}
		}
		dst := out.Pix[y*rowLen:]
		for j, a := range acc {
			dst[j] = clip8(a)
		}
	}
	return out
}

func (c coeffs) outSize() int { return len(c.start) }
