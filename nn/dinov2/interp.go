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
