package kern

import (
	"math"
	"math/rand/v2"
	"testing"
)

var rowLens = []int{1, 7, 8, 33, 65, 127, 1000}

func TestActivateMatchesFloat64(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, n := range append(rowLens, 3*chunk+5) {
		x := randSlice(r, n)
		for i := range x {
			x[i] *= 4 // reach the tails of erf and exp
		}
		if n > 7 {
			x[0], x[1], x[2], x[3], x[4] = -100, 100, float32(math.NaN()), -10, 30
		}
		for _, act := range []Act{ActGELUErf, ActGELUTanh, ActSiLU} {
			got := make([]float32, n)
			Activate(got, x, act)
			want := make([]float64, n)
			for i, v := range x {
				want[i] = actRef(float64(v), act)
			}
			checkClose(t, act.String(), got, want, 1e-7, 3e-6)
		}
	}
}

func TestNormsAndSoftmaxMatchFloat64(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, d := range rowLens {
		rows := 3
		if d == 1000 {
			rows = 70 // more than one chunk: the parallel path
		}
		x, w, b := randSlice(r, rows*d), randSlice(r, d), randSlice(r, d)
		for i := range x {
			x[i] += 3 // a mean to subtract
		}
		ln, rms := make([]float64, rows*d), make([]float64, rows*d)
		sm := make([]float64, rows*d)
		for i := 0; i < rows; i++ {
			row := x[i*d : i*d+d]
			var mean, ms, mx float64
			mx = math.Inf(-1)
			for _, v := range row {
				mean += float64(v) / float64(d)
				ms += float64(v) * float64(v) / float64(d)
				mx = math.Max(mx, float64(v))
			}
			var vr, se float64
			for _, v := range row {
				vr += (float64(v) - mean) * (float64(v) - mean) / float64(d)
				se += math.Exp(float64(v) - mx)
			}
			for j, v := range row {
				ln[i*d+j] = (float64(v)-mean)/math.Sqrt(vr+1e-6)*float64(w[j]) + float64(b[j])
				rms[i*d+j] = float64(v) / math.Sqrt(ms+1e-6) * float64(w[j])
				sm[i*d+j] = math.Exp(float64(v)-mx) / se
			}
		}
		got := make([]float32, rows*d)
		LayerNorm(got, x, d, w, b, 1e-6)
		checkClose(t, "LayerNorm", got, ln, 1e-5, 1e-5)
		RMSNorm(got, x, d, w, 1e-6)
		checkClose(t, "RMSNorm", got, rms, 1e-6, 1e-5)
		copy(got, x)
		Softmax(got, d)
		checkClose(t, "Softmax", got, sm, 1e-7, 1e-5)
	}
}

func TestSoftmaxMaskedAndNaN(t *testing.T) {
	inf := float32(math.Inf(-1))
	x := []float32{1, inf, 2, inf, 3, 0, 0, 0, 0, 0, // -Inf entries get 0
		1, 2, float32(math.NaN()), 4, 5, 6, 7, 8, 9, 10} // a NaN poisons its row
	Softmax(x, 10)
	e := math.Exp
	s := e(1) + e(2) + e(3) + 5*e(0)
	want := []float64{e(1) / s, 0, e(2) / s, 0, e(3) / s, 1 / s, 1 / s, 1 / s, 1 / s, 1 / s}
	for range 10 {
		want = append(want, math.NaN())
	}
	checkClose(t, "Softmax", x, want, 1e-7, 1e-6)
}

func TestSwiGLUAndAdd(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, n := range append(rowLens, 3*chunk+5) {
		g, u := randSlice(r, n), randSlice(r, n)
		got := make([]float32, n)
		SwiGLU(got, g, u)
		want := make([]float64, n)
		for i := range want {
			want[i] = actRef(float64(g[i]), ActSiLU) * float64(u[i])
		}
		checkClose(t, "SwiGLU", got, want, 1e-7, 3e-6)
		Add(got, g, u)
		for i := range want {
			want[i] = float64(g[i]) + float64(u[i])
		}
		checkClose(t, "Add", got, want, 0, 1e-7)
	}
}

func TestRoPEMatchesFloat64(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, c := range []struct{ rows, heads, d, off, width int }{
		{1, 1, 2, 0, 2}, {7, 3, 34, 0, 34}, {33, 2, 80, 0, 80}, {5, 4, 64, 32, 32}, {3, 2, 130, 0, 64},
		{20, 28, 128, 0, 128}, {600, 4, 64, 0, 32}, // more than one chunk
	} {
		x := randSlice(r, c.rows*c.heads*c.d)
		ang := randSlice(r, c.rows*c.width)
		cs, sn := make([]float32, len(ang)), make([]float32, len(ang))
		for i, a := range ang {
			cs[i], sn[i] = float32(math.Cos(float64(a))), float32(math.Sin(float64(a)))
		}
		want := make([]float64, len(x))
		half := c.width / 2
		for row := 0; row < c.rows; row++ {
			for h := 0; h < c.heads; h++ {
				for j := 0; j < c.d; j++ {
					i := (row*c.heads+h)*c.d + j
					want[i] = float64(x[i])
					if j < c.off || j >= c.off+c.width {
						continue
					}
					w := j - c.off
					tab := row*c.width + w
					if w < half {
						want[i] = float64(x[i])*float64(cs[tab]) - float64(x[i+half])*float64(sn[tab])
					} else {
						want[i] = float64(x[i])*float64(cs[tab]) + float64(x[i-half])*float64(sn[tab])
					}
				}
			}
		}
		RoPE(x, c.rows, c.heads, c.d, c.off, c.width, cs, sn)
		checkClose(t, "RoPE", x, want, 1e-6, 1e-6)
	}
}
