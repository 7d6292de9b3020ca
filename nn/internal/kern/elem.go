package kern

import (
	"fmt"
	"math"

	"github.com/dsr4d/dsr4d/internal/par"
)

// applyEpilogue applies ep to rows [i0,i1) × columns [j0,j1) of c (row length n).
func applyEpilogue(c []float32, n, i0, i1, j0, j1 int, ep Epilogue) {
	if ep.Bias == nil && ep.Act == ActNone && ep.Residual == nil {
		return
	}
	for i := i0; i < i1; i++ {
		row := c[i*n+j0 : i*n+j1]
		if ep.Bias != nil {
			addTo(row, ep.Bias[j0:j1])
		}
		if ep.Act != ActNone {
			activate(row, row, ep.Act)
		}
		if ep.Residual != nil {
			addTo(row, ep.Residual[i*n+j0:i*n+j1])
		}
	}
}

// actScalar is one activation in float64, the scalar tail of the vector paths.
func actScalar(v float32, act Act) float32 {
	x := float64(v)
	switch act {
	case ActGELUErf:
		return float32(0.5 * x * (1 + math.Erf(x/math.Sqrt2)))
	case ActGELUTanh:
		return float32(0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x))))
	case ActSiLU:
		return float32(x / (1 + math.Exp(-x)))
	}
	return v
}

func expScalar(x float32) float32 { return float32(math.Exp(float64(x))) }

// Elementwise ops and row ops split their work over GOMAXPROCS goroutines in chunks of about
// this many values; smaller inputs run on the caller's goroutine.
const chunk = 1 << 15

// chunks runs f over [0,n) in pieces of about chunk values, each a multiple of unit long.
func chunks(n, unit int, f func(lo, hi int)) {
	if n <= chunk {
		f(0, n)
		return
	}
	step := max(unit, chunk/unit*unit)
	par.For((n+step-1)/step, 0, func(i int) { f(i*step, min(i*step+step, n)) })
}

// Activate sets dst = act(x) elementwise (dst may be x).
func Activate(dst, x []float32, act Act) {
	if len(x) != len(dst) {
		panic("kern: Activate: length mismatch")
	}
	chunks(len(dst), 1, func(lo, hi int) { activate(dst[lo:hi], x[lo:hi], act) })
}

// Add sets dst = x + y (dst may be x or y).
func Add(dst, x, y []float32) {
	if len(x) != len(dst) || len(y) != len(dst) {
		panic("kern: Add: length mismatch")
	}
	chunks(len(dst), 1, func(lo, hi int) {
		if len(x) > 0 && &dst[lo] != &x[lo] {
			copy(dst[lo:hi], x[lo:hi])
		}
		addTo(dst[lo:hi], y[lo:hi])
	})
}

// SwiGLU sets dst = SiLU(gate)·up (Qwen2.5's MLP: down_proj(act(gate_proj(x)) * up_proj(x))).
func SwiGLU(dst, gate, up []float32) {
	if len(gate) != len(dst) || len(up) != len(dst) {
		panic("kern: SwiGLU: length mismatch")
	}
	chunks(len(dst), 1, func(lo, hi int) {
		activate(dst[lo:hi], gate[lo:hi], ActSiLU)
		mulTo(dst[lo:hi], up[lo:hi])
	})
}

// LayerNorm normalises each row of x (length d) over its d values: (x-mean)/sqrt(var+eps)·w + b,
// the biased variance as torch.nn.LayerNorm. w and b may be nil. dst may be x.
func LayerNorm(dst, x []float32, d int, w, b []float32, eps float32) {
	checkRows("LayerNorm", dst, x, d, w, b)
	chunks(len(x), d, func(lo, hi int) {
		for i := lo; i < hi; i += d {
			row := x[i : i+d]
			mean := sum(row) / float32(d)
			v := sumSqDiff(row, mean) / float32(d)
			normRow(dst[i:i+d], row, mean, 1/float32(math.Sqrt(float64(v+eps))), w, b)
		}
	})
}

// RMSNorm sets each row to x/sqrt(mean(x²)+eps)·w (Qwen2RMSNorm; w may be nil). dst may be x.
func RMSNorm(dst, x []float32, d int, w []float32, eps float32) {
	checkRows("RMSNorm", dst, x, d, w, nil)
	chunks(len(x), d, func(lo, hi int) {
		for i := lo; i < hi; i += d {
			row := x[i : i+d]
			ms := dot(row, row) / float32(d)
			normRow(dst[i:i+d], row, 0, 1/float32(math.Sqrt(float64(ms+eps))), w, nil)
		}
	})
}

// Softmax sets each row (length d) of x to its softmax in place. A NaN in a row makes the row NaN.
func Softmax(x []float32, d int) {
	checkRows("Softmax", x, x, d, nil, nil)
	chunks(len(x), d, func(lo, hi int) {
		for i := lo; i < hi; i += d {
			row := x[i : i+d]
			m := maxf(row)
			if math.IsInf(float64(m), -1) {
				m = 0 // every value -Inf: exp gives 0s and the row becomes NaN (0/0), as torch
			}
			scal(row, 1/expShift(row, m))
		}
	})
}

func checkRows(op string, dst, x []float32, d int, w, b []float32) {
	if d <= 0 || len(x)%d != 0 || len(dst) != len(x) || (w != nil && len(w) != d) || (b != nil && len(b) != d) {
		panic("kern: " + op + ": length mismatch")
	}
}

func (a Act) String() string {
	switch a {
	case ActNone:
		return "none"
	case ActGELUErf:
		return "gelu_erf"
	case ActGELUTanh:
		return "gelu_tanh"
	case ActSiLU:
		return "silu"
	}
	return "Act(?)"
}

// RoPE rotates, in place, dims [off, off+width) of every head of x, rows × heads vectors of d
// values, by the angles of table row r (cos and sin are rows × width, each the angles of the
// first width/2 dims repeated, as HF's cat(freqs, freqs)) with the rotate-half pairing:
// v[i], v[i+width/2] → v[i]·cos[i] − v[i+w/2]·sin[i], v[i+w/2]·cos[i+w/2] + v[i]·sin[i+w/2].
// Plain and M-RoPE use off 0, width d (the table carries the sections); π³'s 2-D axial RoPE2D
// rotates the first half by the y table and the second half by the x table.
func RoPE(x []float32, rows, heads, d, off, width int, cos, sin []float32) {
	if rows <= 0 || heads <= 0 || width <= 0 || width%2 != 0 || off < 0 || off+width > d ||
		len(x) != rows*heads*d || len(cos) != rows*width || len(sin) != rows*width {
		panic(fmt.Sprintf("kern: RoPE: len(x)=%d len(cos)=%d len(sin)=%d for rows=%d heads=%d d=%d off=%d width=%d",
			len(x), len(cos), len(sin), rows, heads, d, off, width))
	}
	chunks(len(x), heads*d, func(lo, hi int) {
		for r := lo / (heads * d); r < hi/(heads*d); r++ {
			cs, sn := cos[r*width:r*width+width], sin[r*width:r*width+width]
			for h := range heads {
				base := (r*heads+h)*d + off
				ropeRow(x[base:base+width], cs, sn)
			}
		}
	})
}
