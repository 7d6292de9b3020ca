package nn

import (
	"fmt"
	"math"
)

// MRoPETable returns the rotary tables cos and sin, each (len(pos), headDim) row-major, for
// position triples pos (t, h, w), as Qwen2.5-VL's multimodal rotary embedding computes them:
// inv_freq[j] = θ^(−2j/headDim) (float32, j < headDim/2); per axis the angles pos·inv_freq
// in float32, duplicated to headDim (cat(f, f)); then dims are taken in the sections
// (s₀, s₁, s₂, s₀, s₁, s₂) from axes t, h, w, t, h, w. sections must sum to headDim/2.
// Text-like positions are (i, i, i), which reduces M-RoPE to plain RoPE.
func MRoPETable(pos [][3]float32, headDim int, theta float64, sections [3]int) (cos, sin []float32, err error) {
	half := headDim / 2
	if headDim <= 0 || headDim%2 != 0 || sections[0]+sections[1]+sections[2] != half {
		return nil, nil, fmt.Errorf("nn: MRoPETable: sections %v must sum to head dim %d / 2", sections, headDim)
	}
	inv := make([]float32, half)
	for j := range inv {
		// torch: 1.0 / (base ** (arange(0, dim, 2).float() / dim)) in float32.
		e := float32(2*j) / float32(headDim)
		inv[j] = float32(1 / float32(math.Pow(theta, float64(e))))
	}
	// axis of each of the headDim dims.
	axis := make([]int, headDim)
	d := 0
	for rep := 0; rep < 2; rep++ {
		for a, s := range sections {
			for range s {
				axis[d] = a
				d++
			}
		}
	}
	cos = make([]float32, len(pos)*headDim)
	sin = make([]float32, len(pos)*headDim)
	for i, p := range pos {
		for d := 0; d < headDim; d++ {
			f := p[axis[d]] * inv[d%half]
			cos[i*headDim+d] = float32(math.Cos(float64(f)))
			sin[i*headDim+d] = float32(math.Sin(float64(f)))
		}
	}
	return cos, sin, nil
}

// RoPETable returns the tables of plain 1-D rotary embedding (Qwen2.5's LLM, rotate_half form)
// at positions pos: M-RoPE with every dim on one axis.
func RoPETable(pos []float32, headDim int, theta float64) (cos, sin []float32, err error) {
	p := make([][3]float32, len(pos))
	for i, v := range pos {
		p[i] = [3]float32{v, v, v}
	}
	return MRoPETable(p, headDim, theta, [3]int{headDim / 2, 0, 0})
}

// RoPE2DTable returns the tables of π³'s RoPE2D (croco's, freq 100 there) for positions (y, x):
// the first half of a head rotates by y, the second by x, each half as a 1-D rotary of headDim/2
// dims with inv_freq[j] = freq^(−2j/(headDim/2)). Apply it as Rotary{Parts: 2}.
func RoPE2DTable(pos [][2]float32, headDim int, freq float64) (cos, sin []float32, err error) {
	if headDim <= 0 || headDim%4 != 0 {
		return nil, nil, fmt.Errorf("nn: RoPE2DTable: head dim %d is not a multiple of 4", headDim)
	}
	d := headDim / 2
	ys, xs := make([]float32, len(pos)), make([]float32, len(pos))
	for i, p := range pos {
		ys[i], xs[i] = p[0], p[1]
	}
	cy, sy, _ := RoPETable(ys, d, freq)
	cx, sx, _ := RoPETable(xs, d, freq)
	cos, sin = make([]float32, 0, len(pos)*headDim), make([]float32, 0, len(pos)*headDim)
	for i := range pos {
		cos = append(append(cos, cy[i*d:(i+1)*d]...), cx[i*d:(i+1)*d]...)
		sin = append(append(sin, sy[i*d:(i+1)*d]...), sx[i*d:(i+1)*d]...)
	}
	return cos, sin, nil
}

// VisionRoPETable returns the tables of Qwen2.5-VL's vision tower for patch positions (row, col):
// VisionRotaryEmbedding(headDim/2) gives inv_freq[j] = θ^(−2j/(headDim/2)) (float32, j <
// headDim/4); a row's angles are (row·inv_freq, col·inv_freq), duplicated to headDim as
// cat(emb, emb), and rotate_half runs over the whole head (Rotary{Parts: 1}).
func VisionRoPETable(pos [][2]float32, headDim int, theta float64) (cos, sin []float32, err error) {
	if headDim <= 0 || headDim%4 != 0 {
		return nil, nil, fmt.Errorf("nn: VisionRoPETable: head dim %d is not a multiple of 4", headDim)
	}
	q, dim := headDim/4, headDim/2
	inv := make([]float32, q)
	for j := range inv {
		inv[j] = float32(1 / float32(math.Pow(theta, float64(float32(2*j)/float32(dim)))))
	}
	cos, sin = make([]float32, len(pos)*headDim), make([]float32, len(pos)*headDim)
	for i, p := range pos {
		for d := range headDim {
			f := p[(d%dim)/q] * inv[d%q]
			cos[i*headDim+d] = float32(math.Cos(float64(f)))
			sin[i*headDim+d] = float32(math.Sin(float64(f)))
		}
	}
	return cos, sin, nil
}

// NewRotary uploads tables (n, headDim) made by the functions above onto be.
func NewRotary(be Backend, cos, sin []float32, headDim, parts int) Rotary {
	n := len(cos) / headDim
	return Rotary{Cos: be.New(cos, n, headDim), Sin: be.New(sin, n, headDim), Parts: parts}
}
