package ops

import "math"

// The float64 references below define what each kernel computes; tests compare against them.

// AddRef returns a + b (b broadcast as one row of cols when broadcast).
func AddRef(a, b []float32, cols int, broadcast bool) []float64 {
	return binaryRef(a, b, cols, broadcast, func(x, y float64) float64 { return x + y })
}

// MulRef returns a ⊙ b (b broadcast as one row of cols when broadcast).
func MulRef(a, b []float32, cols int, broadcast bool) []float64 {
	return binaryRef(a, b, cols, broadcast, func(x, y float64) float64 { return x * y })
}

func binaryRef(a, b []float32, cols int, broadcast bool, f func(x, y float64) float64) []float64 {
	out := make([]float64, len(a))
	for i, x := range a {
		j := i
		if broadcast {
			j = i % cols
		}
		out[i] = f(float64(x), float64(b[j]))
	}
	return out
}

// ScaleRef returns alpha * a.
func ScaleRef(a []float32, alpha float32) []float64 {
	out := make([]float64, len(a))
	for i, x := range a {
		out[i] = float64(alpha) * float64(x)
	}
	return out
}

// RowSumRef returns the sum of each row of a rows×cols array.
func RowSumRef(a []float32, rows, cols int) []float64 {
	out := make([]float64, rows)
	for r := range rows {
		for _, x := range a[r*cols : (r+1)*cols] {
			out[r] += float64(x)
		}
	}
	return out
}

// RowMaxRef returns the maximum of each row of a rows×cols array.
func RowMaxRef(a []float32, rows, cols int) []float64 {
	out := make([]float64, rows)
	for r := range rows {
		m := math.Inf(-1)
		for _, x := range a[r*cols : (r+1)*cols] {
			m = math.Max(m, float64(x))
		}
		out[r] = m
	}
	return out
}

// TransposeRef returns the cols×rows transpose of a rows×cols array.
func TransposeRef(a []float32, rows, cols int) []float64 {
	out := make([]float64, rows*cols)
	for r := range rows {
		for c := range cols {
			out[c*rows+r] = float64(a[r*cols+c])
		}
	}
	return out
}

// MatMulRef returns a (m×k) · b + bias, with b k×n, or n×k when transB; bias may be nil.
func MatMulRef(a, b, bias []float32, m, n, k int, transB bool) []float64 {
	out := make([]float64, m*n)
	for i := range m {
		for j := range n {
			var s float64
			for p := range k {
				bv := b[p*n+j]
				if transB {
					bv = b[j*k+p]
				}
				s += float64(a[i*k+p]) * float64(bv)
			}
			if bias != nil {
				s += float64(bias[j])
			}
			out[i*n+j] = s
		}
	}
	return out
}

// NMSE is the normalised mean squared error Σ(got−want)² / Σwant² (Σ(got−want)² when want is all
// zero), the measure DESIGN.md sets tolerances in.
func NMSE(got []float32, want []float64) float64 {
	var num, den float64
	for i, w := range want {
		d := float64(got[i]) - w
		num += d * d
		den += w * w
	}
	if den == 0 {
		return num
	}
	return num / den
}
