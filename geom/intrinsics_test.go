package geom

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/spatial/r3"
)

func TestUnprojectProject(t *testing.T) {
	t.Parallel()
	k := Intrinsics{Fx: 500, Fy: 480, Cx: 319.5, Cy: 239.5}
	rng := newRand(20)
	for range 200 {
		u, v, d := 640*rng.Float64(), 480*rng.Float64(), 0.1+10*rng.Float64()
		p := k.Unproject(u, v, d)
		gu, gv, ok := k.Project(p)
		if !ok || math.Abs(gu-u) > 1e-9 || math.Abs(gv-v) > 1e-9 || p.Z != d {
			t.Fatalf("round trip (%v,%v,%v) → %v → (%v,%v,%v)", u, v, d, p, gu, gv, ok)
		}
	}
	if _, _, ok := k.Project(r3.Vec{Z: -1}); ok {
		t.Error("point behind the camera projected")
	}
	kk, err := IntrinsicsFromMatrix(k.Matrix())
	if err != nil || kk != k {
		t.Fatalf("IntrinsicsFromMatrix: %v %v", kk, err)
	}
	for _, bad := range []Mat3{
		{{0, 0, 1}, {0, 1, 1}, {0, 0, 1}},
		{{1, 0, 1}, {0, 1, 1}, {0, 0, 2}},
		{{1, 0.5, 1}, {0, 1, 1}, {0, 0, 1}},
		{{math.NaN(), 0, 1}, {0, 1, 1}, {0, 0, 1}},
	} {
		if _, err := IntrinsicsFromMatrix(bad); err == nil {
			t.Errorf("IntrinsicsFromMatrix(%v) accepted", bad)
		}
	}
}

func TestUnprojectDepthAndEstimate(t *testing.T) {
	t.Parallel()
	const w, h = 33, 17
	k := Intrinsics{Fx: 40, Fy: 38, Cx: 15.2, Cy: 8.4}
	rng := newRand(21)
	d := DepthMap{Pix: make([]float32, w*h), W: w, H: h}
	for i := range d.Pix {
		d.Pix[i] = float32(0.5 + 5*rng.Float64())
	}
	d.Pix[0] = 0
	d.Pix[1] = float32(math.NaN())
	d.Pix[2] = -1
	pts, valid := UnprojectDepth(d, k, nil)
	if valid != w*h-3 {
		t.Fatalf("valid = %d, want %d", valid, w*h-3)
	}
	for _, i := range []int{0, 1, 2} {
		if pts[3*i] != 0 || pts[3*i+1] != 0 || pts[3*i+2] != 0 {
			t.Fatalf("invalid pixel %d got point %v", i, pts[3*i:3*i+3])
		}
	}
	pm := PointMap{Pix: pts, W: w, H: h}
	p := pm.At(7, 9)
	want := k.Unproject(7, 9, float64(d.Pix[9*w+7]))
	assertVec(t, "At", p, want, 1e-5)
	got, err := EstimateIntrinsics(pm, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range [][2]float64{{got.Fx, k.Fx}, {got.Fy, k.Fy}, {got.Cx, k.Cx}, {got.Cy, k.Cy}} {
		if math.Abs(c[0]-c[1]) > 1e-3 {
			t.Fatalf("EstimateIntrinsics = %+v, want %+v", got, k)
		}
	}
	kc := Intrinsics{Fx: 40, Fy: 38, Cx: (w - 1) / 2.0, Cy: (h - 1) / 2.0}
	pts, _ = UnprojectDepth(d, kc, pts)
	got, err = EstimateIntrinsics(PointMap{Pix: pts, W: w, H: h}, true)
	if err != nil || math.Abs(got.Fx-kc.Fx) > 1e-3 || math.Abs(got.Fy-kc.Fy) > 1e-3 || got.Cx != kc.Cx || got.Cy != kc.Cy {
		t.Fatalf("centred EstimateIntrinsics = %+v, %v; want %+v", got, err, kc)
	}
	if _, err := EstimateIntrinsics(PointMap{Pix: make([]float32, 3*w*h), W: w, H: h}, false); err == nil {
		t.Error("all-zero point map gave intrinsics")
	}
}
