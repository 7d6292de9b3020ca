package dinov2

import "math"

// Interpolate resizes the position table pos, (m·m, dim) row-major over an m×m grid, to an
// h×w grid as DINOv2's interpolate_pos_encoding does: torch's upsample_bicubic2d with
// align_corners=False and the scale factors ((h+offset)/m, (w+offset)/m) (offset 0.1 in DINOv2).
// The source coordinates and tap weights are computed in float32 as torch's CPU kernel does
// (so the same taps are chosen), the sums in float64.
func Interpolate(pos []float32, m, dim, h, w int, offset float64) []float32 {
	ys, wy := cubicTaps(m, h, (float64(h)+offset)/float64(m))
	xs, wx := cubicTaps(m, w, (float64(w)+offset)/float64(m))
	out := make([]float32, h*w*dim)
	acc := make([]float64, dim)
	for oy := range h {
		for ox := range w {
			clear(acc)
			for a := range 4 {
				for b := range 4 {
					c := float64(wy[oy*4+a]) * float64(wx[ox*4+b])
					src := pos[(ys[oy*4+a]*m+xs[ox*4+b])*dim:][:dim]
					for d, v := range src {
						acc[d] += c * float64(v)
					}
				}
			}
			dst := out[(oy*w+ox)*dim:][:dim]
			for d := range dst {
				dst[d] = float32(acc[d])
			}
		}
	}
	return out
}

// cubicTaps returns, for each of the out output positions, the 4 clamped source indices and
// their weights (torch's compute_indices_weights_cubic).
func cubicTaps(in, out int, scale float64) ([]int, []float32) {
	const A = -0.75
	s := float32(1 / scale) // area_pixel_compute_scale with a given scale factor
	idx, wt := make([]int, 4*out), make([]float32, 4*out)
	for i := range out {
		real := s*(float32(i)+0.5) - 0.5
		i0 := float32(math.Floor(float64(real)))
		t := real - i0
		x1, x2 := t, 1-t
		c := [4]float32{
			((A*(x1+1)-5*A)*(x1+1)+8*A)*(x1+1) - 4*A,
			((A+2)*x1-(A+3))*x1*x1 + 1,
			((A+2)*x2-(A+3))*x2*x2 + 1,
			((A*(x2+1)-5*A)*(x2+1)+8*A)*(x2+1) - 4*A,
		}
		for j := range 4 {
			idx[4*i+j] = min(max(int(i0)-1+j, 0), in-1)
			wt[4*i+j] = c[j]
		}
	}
	return idx, wt
}

// InterpolateAA resizes pos, (m·m, dim) over an m×m grid, to h×w as interpolate_pos_encoding
// does with interpolate_antialias=True and no offset: torch's _upsample_bicubic2d_aa
// (separable, Keys' cubic with a = −0.5, the support widened by the scale when shrinking,
// weights normalised per output: Pillow's algorithm in float), width first, then height.
func InterpolateAA(pos []float32, m, dim, h, w int) []float32 {
	xs, xn, wx := aaTaps(m, w)
	ys, yn, wy := aaTaps(m, h)
	tmp := make([]float64, m*w*dim) // rows of the source, resized along x
	for y := range m {
		for ox := range w {
			dst := tmp[(y*w+ox)*dim:][:dim]
			for j := range xn[ox] {
				c := wx[ox][j]
				src := pos[(y*m+xs[ox]+j)*dim:][:dim]
				for d, v := range src {
					dst[d] += c * float64(v)
				}
			}
		}
	}
	out := make([]float32, h*w*dim)
	acc := make([]float64, dim)
	for oy := range h {
		for ox := range w {
			clear(acc)
			for j := range yn[oy] {
				c := wy[oy][j]
				src := tmp[((ys[oy]+j)*w+ox)*dim:][:dim]
				for d, v := range src {
					acc[d] += c * v
				}
			}
			dst := out[(oy*w+ox)*dim:][:dim]
			for d := range dst {
				dst[d] = float32(acc[d])
			}
		}
	}
	return out
}

// aaTaps is torch's _compute_weights_aa for the cubic filter: for each output i, the first
// source index, the tap count and the normalised weights.
func aaTaps(in, out int) (start, n []int, wt [][]float64) {
	const a = -0.5
	filter := func(x float64) float64 {
		x = math.Abs(x)
		switch {
		case x < 1:
			return ((a+2)*x-(a+3))*x*x + 1
		case x < 2:
			return (((x-5)*x+8)*x - 4) * a
		}
		return 0
	}
	scale := float64(in) / float64(out)
	support, inv := 2.0, 1.0
	if scale >= 1 {
		support, inv = 2*scale, 1/scale
	}
	start, n, wt = make([]int, out), make([]int, out), make([][]float64, out)
	for i := range out {
		centre := scale * (float64(i) + 0.5)
		lo := max(int(centre-support+0.5), 0)
		hi := min(int(centre+support+0.5), in)
		ws := make([]float64, hi-lo)
		total := 0.0
		for j := range ws {
			ws[j] = filter((float64(j+lo) - centre + 0.5) * inv)
			total += ws[j]
		}
		if total != 0 {
			for j := range ws {
				ws[j] /= total
			}
		}
		start[i], n[i], wt[i] = lo, len(ws), ws
	}
	return start, n, wt
}
