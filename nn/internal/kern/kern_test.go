package kern

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dsr4d/dsr4d/internal/float16"
)

// Shared helpers of the kernel tests: seeded inputs and float64 comparisons.

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

// checkClose fails when |got-want| > atol + rtol·|want| anywhere, or when NaN-ness differs.
func checkClose(t *testing.T, name string, got []float32, want []float64, atol, rtol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
	}
	for i, g := range got {
		w := want[i]
		if math.IsNaN(w) != math.IsNaN(float64(g)) {
			t.Fatalf("%s[%d] = %v, want %v", name, i, g, w)
		}
		if math.IsNaN(w) {
			continue
		}
		if d := math.Abs(float64(g) - w); d > atol+rtol*math.Abs(w) || math.IsInf(float64(g), 0) != math.IsInf(w, 0) {
			t.Fatalf("%s[%d] = %v, want %v (diff %.3g)", name, i, g, w, d)
		}
	}
}

func TestGemmMatchesFloat64(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	shapes := [][3]int{{1, 1, 1}, {7, 33, 65}, {33, 127, 7}, {65, 7, 300}, {127, 65, 33}, {8, 48, 256},
		{200, 100, 530}, {16, 97, 1}, {3, 200, 600},
		{401, 50, 300}} // several 384-row A blocks (16-bit B) packed once for two column tiles
	for _, kern := range kernels() {
		name := kern.name
		for _, sh := range shapes {
			for _, transB := range []bool{false, true} {
				for _, dt := range []int{32, int(BF16), int(F16)} {
					m, n, k := sh[0], sh[1], sh[2]
					t.Run(fmt.Sprintf("%s/%dx%dx%d/t%v/%d", name, m, n, k, transB, dt), func(t *testing.T) {
						defer func(k microKernel) { kernel = k }(kernel)
						kernel = kern
						a, b := randSlice(r, m*k), randSlice(r, k*n)
						var pb *PackedB
						if dt == 32 {
							pb = PackB(b, k, n, transB)
						} else {
							bits := make([]uint16, len(b))
							for i, v := range b {
								if Dtype16(dt) == BF16 {
									bits[i] = float16.BF16FromFloat32(v)
									b[i] = float16.BF16ToFloat32(bits[i])
								} else {
									bits[i] = float16.FromFloat32(v)
									b[i] = float16.ToFloat32(bits[i])
								}
							}
							pb = PackB16(bits, Dtype16(dt), k, n, transB)
						}
						bias, res := randSlice(r, n), randSlice(r, m*n)
						for _, act := range []Act{ActNone, ActGELUErf, ActGELUTanh, ActSiLU} {
							ep := Epilogue{Act: act}
							if act != ActNone {
								ep.Bias, ep.Residual = bias, res
							}
							c := make([]float32, m*n)
							Gemm(c, a, m, pb, ep)
							want := make([]float64, m*n)
							for i := 0; i < m; i++ {
								for j := 0; j < n; j++ {
									var s float64
									for kk := 0; kk < k; kk++ {
										bv := b[kk*n+j]
										if transB {
											bv = b[j*k+kk]
										}
										s += float64(a[i*k+kk]) * float64(bv)
									}
									if ep.Bias != nil {
										s += float64(bias[j])
									}
									s = actRef(s, act)
									if ep.Residual != nil {
										s += float64(res[i*n+j])
									}
									want[i*n+j] = s
								}
							}
							// float32 accumulation over k terms of unit variance: error ~ sqrt(k)·eps·|terms|.
							checkClose(t, fmt.Sprint(act), c, want, 2e-6*math.Sqrt(float64(k))*4, 1e-5)
						}
					})
				}
			}
		}
	}
}

func actRef(x float64, act Act) float64 {
	switch act {
	case ActGELUErf:
		return 0.5 * x * (1 + math.Erf(x/math.Sqrt2))
	case ActGELUTanh:
		return 0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x)))
	case ActSiLU:
		return x / (1 + math.Exp(-x))
	}
	return x
}

func TestSgemmAccumulatesThroughResidual(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, m := range []int{9, 3} { // the tiled path and the m < MR path
		n, k := 50, 20
		a, b, c := randSlice(r, m*k), randSlice(r, k*n), randSlice(r, m*n)
		want := make([]float64, m*n)
		for i := range want {
			want[i] = float64(c[i])
		}
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				for kk := 0; kk < k; kk++ {
					want[i*n+j] += float64(a[i*k+kk]) * float64(b[kk*n+j])
				}
			}
		}
		Gemm(c, a, m, PackB(b, k, n, false), Epilogue{Residual: c})
		checkClose(t, "c", c, want, 1e-5, 1e-5)
	}
	defer func() {
		if recover() == nil {
			t.Error("Gemm with an activation and Residual aliasing c did not panic")
		}
	}()
	c := make([]float32, 4)
	Gemm(c, c[:2], 2, PackB(make([]float32, 2), 1, 2, false), Epilogue{Residual: c, Act: ActSiLU})
}

func TestGemmNaNPropagates(t *testing.T) {
	m, n, k := 9, 50, 20
	a, b := make([]float32, m*k), make([]float32, k*n)
	a[3*k+5] = float32(math.NaN())
	c := make([]float32, m*n)
	Sgemm(false, m, n, k, a, b, c)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			if math.IsNaN(float64(c[i*n+j])) != (i == 3) {
				t.Fatalf("c[%d,%d] = %v", i, j, c[i*n+j])
			}
		}
	}
}
