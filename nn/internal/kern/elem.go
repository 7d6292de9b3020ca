package kern

import "math"

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
			Activate(row, row, ep.Act)
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

// Add sets dst = x + y.
func Add(dst, x, y []float32) {
	if len(x) != len(dst) || len(y) != len(dst) {
		panic("kern: Add: length mismatch")
	}
	if &dst[0] != &x[0] {
		copy(dst, x)
	}
	addTo(dst, y)
}

// SwiGLU sets dst = SiLU(gate)·up (Qwen2.5's MLP: down_proj(act(gate_proj(x)) * up_proj(x))).
func SwiGLU(dst, gate, up []float32) {
	if len(gate) != len(dst) || len(up) != len(dst) {
		panic("kern: SwiGLU: length mismatch")
	}
	Activate(dst, gate, ActSiLU)
	mulTo(dst, up)
}

// LayerNorm normalises each row of x (length d) over its d values: (x-mean)/sqrt(var+eps)·w + b,
// the biased variance as torch.nn.LayerNorm. w and b may be nil. dst may be x.
func LayerNorm(dst, x []float32, d int, w, b []float32, eps float32) {
	checkRows("LayerNorm", dst, x, d, w, b)
	for i := 0; i < len(x); i += d {
		row, out := x[i:i+d], dst[i:i+d]
		mean := sum(row) / float32(d)
		v := sumSqDiff(row, mean) / float32(d)
		normRow(out, row, mean, 1/float32(math.Sqrt(float64(v+eps))), w, b)
	}
}

// RMSNorm sets each row to x/sqrt(mean(x²)+eps)·w (Qwen2RMSNorm; w may be nil). dst may be x.
func RMSNorm(dst, x []float32, d int, w []float32, eps float32) {
	checkRows("RMSNorm", dst, x, d, w, nil)
	for i := 0; i < len(x); i += d {
		row := x[i : i+d]
		ms := dot(row, row) / float32(d)
		normRow(dst[i:i+d], row, 0, 1/float32(math.Sqrt(float64(ms+eps))), w, nil)
	}
}

// Softmax sets each row (length d) of x to its softmax in place. A NaN in a row makes the row NaN.
func Softmax(x []float32, d int) {
	checkRows("Softmax", x, x, d, nil, nil)
	for i := 0; i < len(x); i += d {
		row := x[i : i+d]
		m := maxf(row)
		if math.IsInf(float64(m), -1) {
			m = 0 // every value -Inf: exp gives 0s and the row becomes NaN (0/0), as torch
		}
		scal(row, 1/expShift(row, m))
	}
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
