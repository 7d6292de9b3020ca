package robust

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dsr4d/dsr4d/geom"

	"gonum.org/v1/gonum/spatial/r3"
)

// A noisy straight track gets the whole-clip line and a noisy circle the constant-speed
// circle: speeds equal to the true ones to a few per cent in every step.
func TestModelFitChoosesByResidual(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	noisy := func(f func(i int) r3.Vec) track {
		return line(32, func(i int) r3.Vec {
			return r3.Add(f(i), r3.Vec{X: 0.02 * rng.NormFloat64(), Y: 0.02 * rng.NormFloat64()})
		})
	}
	straight := func(i int) r3.Vec { return r3.Vec{X: 0.25 * float64(i), Z: 6} }
	tr := noisy(straight)
	w, res := fit(tr, 3, 1, 2, 0.005)
	m, _ := modelFit(tr, w, res, false)
	for i := 1; i < 32; i++ {
		if s := r3.Norm(r3.Sub(m[i], m[i-1])); math.Abs(s-0.25) > 0.01 {
			t.Fatalf("line step %d: speed %.4f, want 0.25", i, s)
		}
	}
	circle := func(i int) r3.Vec {
		a := 0.3 * float64(i)
		return r3.Vec{X: 2 * math.Cos(a), Y: 2 * math.Sin(a), Z: 6}
	}
	tr = noisy(circle)
	w, res = fit(tr, 3, 1, 2, 0.005)
	m, _ = modelFit(tr, w, res, false)
	chord := 2 * 2 * math.Sin(0.15)
	for i := 1; i < 32; i++ {
		if s := r3.Norm(r3.Sub(m[i], m[i-1])); math.Abs(s-chord) > 0.02 {
			t.Fatalf("circle step %d: speed %.4f, want %.4f", i, s, chord)
		}
	}
	// A stop-and-go (moving, standing, moving) fits none of the models: the local fit stays.
	tr = noisy(func(i int) r3.Vec { return r3.Vec{X: 0.3 * float64(min(i, 10)+max(i-20, 0)), Z: 6} })
	w, res = fit(tr, 3, 1, 2, 0.005)
	m, _ = modelFit(tr, w, res, false)
	for i := range m {
		if m[i] != w[i] {
			t.Fatalf("stop-and-go frame %d: model %v replaced the local fit %v", i, m[i], w[i])
		}
	}
}

// Smoothing a dolly's noisy stored poses brings them closer to the true path.
func TestSmoothCameraShrinksPoseNoise(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	g := func(s float64) r3.Vec {
		return r3.Vec{X: s * rng.NormFloat64(), Y: s * rng.NormFloat64(), Z: s * rng.NormFloat64()}
	}
	truth, noisy := make([]geom.Rigid, 32), make([]geom.Rigid, 32)
	for i := range truth {
		x := float64(i)
		truth[i] = geom.Rigid{R: geom.FromRotationVector(r3.Vec{Z: 0.02 * x}), T: r3.Vec{X: 0.3 * x, Y: 0.01 * x * x, Z: 1.5}}
		noisy[i] = geom.Rigid{R: truth[i].R.Mul(geom.FromRotationVector(g(math.Pi / 180))), T: r3.Add(truth[i].T, g(0.02))}
	}
	errs := func(p []geom.Rigid) (a, d float64) {
		for i := range p {
			a += geom.RotationAngle(p[i].R.Mul(truth[i].R.T()))
			d += r3.Norm(r3.Sub(p[i].T, truth[i].T))
		}
		return a, d
	}
	a0, d0 := errs(noisy)
	a1, d1 := errs(smoothCamera(noisy, 4, 2))
	if a1 > 0.7*a0 || d1 > 0.7*d0 {
		t.Fatalf("rotation error %.4f → %.4f, position %.4f → %.4f: want both below 0.7×", a0, a1, d0, d1)
	}
}

// A constant turn measured with 10° noise, weights of 0.5–1 and one flipped estimate gets
// the whole-clip heading line: every step's turn within half a degree of the true 9°, where
// the local smoothing's steps are off by several degrees; a heading that turns once, by 90°,
// keeps the local smoothing.
func TestYawModel(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	const n = 32
	measure := func(yaw func(i int) float64) ([]r3.Vec, []float64, []r3.Vec) {
		f, c := make([]r3.Vec, n), make([]float64, n)
		for i := range n {
			y := yaw(i) + 10*math.Pi/180*rng.NormFloat64()
			if i == 11 {
				y += math.Pi
			}
			f[i], c[i] = r3.Vec{X: math.Cos(y), Y: math.Sin(y)}, 0.5+0.5*rng.Float64()
		}
		l := smoothFacing(f, c, 2)
		level(l)
		return f, c, l
	}
	deg := func(a, b r3.Vec) float64 { return math.Atan2(r3.Cross(a, b).Z, r3.Dot(a, b)) * 180 / math.Pi }
	turn := func(i int) float64 { return 9 * math.Pi / 180 * float64(i) }
	f, c, l := measure(turn)
	m := yawModel(f, c, l)
	worst, worstLocal := 0.0, 0.0
	for i := 1; i < n; i++ {
		worst = math.Max(worst, math.Abs(deg(m[i-1], m[i])-9))
		worstLocal = math.Max(worstLocal, math.Abs(deg(l[i-1], l[i])-9))
	}
	if worst > 0.5 || worstLocal < 2 {
		t.Fatalf("constant turn: worst step error %.2f° (local smoothing: %.2f°), want ≤ 0.5° (and the local one worse than 2°)", worst, worstLocal)
	}
	f, c, l = measure(func(i int) float64 {
		if i < n/2 {
			return 0
		}
		return math.Pi / 2
	})
	m = yawModel(f, c, l)
	for i := range n {
		if m[i] != l[i] {
			t.Fatalf("a single 90° turn: frame %d facing %v, want the local smoothing's %v", i, m[i], l[i])
		}
	}
}

// A stop-and-go measured to the millimetre keeps its ramps with Precise: the raised-cosine
// steps come back exactly, where the local fit cuts the peak step by a fifth or more; the
// same track with centimetre noise is smoothed either way.
func TestPreciseTrackKeepsItsSteps(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 8))
	// Eight moving frames with steps ∝ 1 − cos, then eight standing, twice.
	pos := func(i int) float64 {
		k, f := i/16, float64(i%16)
		if f > 8 {
			f = 8
		}
		return 0.25 * (float64(k)*4 + f/2 - 8/(4*math.Pi)*math.Sin(2*math.Pi*f/8))
	}
	exact := line(32, func(i int) r3.Vec {
		return r3.Vec{X: pos(i) + 0.0005*rng.NormFloat64(), Z: 6}
	})
	w, res := fit(exact, 3, 1, 2, 0.005)
	kept, _ := modelFit(exact, w, res, true)
	smooth, _ := modelFit(exact, w, res, false)
	peak := pos(4) - pos(3)
	for i := 1; i < 32; i++ {
		want := pos(i) - pos(i-1)
		if got := kept[i].X - kept[i-1].X; math.Abs(got-want) > 0.003 {
			t.Fatalf("precise step %d: %.4f, want %.4f", i, got, want)
		}
	}
	if got := smooth[4].X - smooth[3].X; got > 0.8*peak {
		t.Fatalf("smoothed peak step %.4f, want the local fit to cut %.4f by a fifth", got, peak)
	}
	noisy := line(32, func(i int) r3.Vec {
		return r3.Vec{X: pos(i) + 0.01*rng.NormFloat64(), Z: 6}
	})
	w, res = fit(noisy, 3, 1, 2, 0.005)
	if m, _ := modelFit(noisy, w, res, true); m[5] == noisy.P[5] {
		t.Fatalf("a centimetre-noisy track was kept as measured (jitter %.4f m)", jitter(noisy))
	}
}
