package synth

import (
	"math"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/dsr4d/dsr4d/geom"
)

// View is a pinhole camera to cast rays from: Pose maps camera to world (OpenCV axes), K gives
// the pixel grid of W×H pixels with centres at integer (u, v).
type View struct {
	Pose geom.Rigid
	K    geom.Intrinsics
	W, H int
}

// Job is one image to cast: the primitives of a frame seen from one view.
type Job struct {
	Prims []Prim
	View  View
}

// Hits is the result of casting one view: per pixel, row-major, the camera depth (z) of the
// nearest hit, the index of the primitive hit in the job's Prims (−1 for sky, where Depth is 0)
// and the Lambert shade in [0, 1] quantised to 16 bits.
type Hits struct {
	W, H  int
	Depth []float32
	Prim  []int32
	Shade []float32
}

func newHits(w, h int) Hits {
	return Hits{W: w, H: h, Depth: make([]float32, w*h), Prim: make([]int32, w*h), Shade: make([]float32, w*h)}
}

// Caster casts the rays of many jobs. CPU is the Go reference; GPU runs shaders/raycast.comp.
type Caster interface {
	Cast(jobs []Job) ([]Hits, error)
	Name() string
}

// Light is the direction towards the light used for shading (world, unit).
var Light = r3.Unit(r3.Vec{X: 0.4, Y: -0.3, Z: 0.9})

const (
	tMin = 1e-4
	inf  = math.MaxFloat64
)

// CPU is the reference ray caster: the shader's algorithm in float64, rows spread over
// Workers goroutines (GOMAXPROCS when 0).
type CPU struct{ Workers int }

// Name returns "cpu".
func (CPU) Name() string { return "cpu" }

// Cast casts every job.
func (c CPU) Cast(jobs []Job) ([]Hits, error) {
	out := make([]Hits, len(jobs))
	workers := c.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	for j, job := range jobs {
		v := job.View
		h := newHits(v.W, v.H)
		rows := make(chan int, v.H)
		for y := range v.H {
			rows <- y
		}
		close(rows)
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for y := range rows {
					for x := range v.W {
						d, p, s := castPixel(job.Prims, v, x, y)
						k := y*v.W + x
						h.Depth[k], h.Prim[k], h.Shade[k] = d, p, s
					}
				}
			}()
		}
		wg.Wait()
		out[j] = h
	}
	return out, nil
}

// Ray returns the world origin and unit direction of pixel (u, v)'s ray and the length of the
// camera-frame vector ((u − cx)/fx, (v − cy)/fy, 1): a hit at distance s has depth s/len.
func (v View) Ray(u, w float64) (o, d r3.Vec, length float64) {
	dc := r3.Vec{X: (u - v.K.Cx) / v.K.Fx, Y: (w - v.K.Cy) / v.K.Fy, Z: 1}
	length = r3.Norm(dc)
	return v.Pose.T, r3.Scale(1/length, v.Pose.R.MulVec(dc)), length
}

func castPixel(prims []Prim, v View, x, y int) (float32, int32, float32) {
	ow, dw, length := v.Ray(float64(x), float64(y))
	best, hit := inf, int32(-1)
	var bestN r3.Vec
	for i, p := range prims {
		t, n := intersect(p, ow, dw)
		if t < best {
			best, hit = t, int32(i)
			bestN = p.R.MulVec(n)
		}
	}
	if hit < 0 {
		return 0, -1, 0
	}
	nw := r3.Unit(bestN)
	if r3.Dot(nw, dw) > 0 {
		nw = r3.Scale(-1, nw)
	}
	shade := 0.3 + 0.7*max(0, r3.Dot(nw, Light))
	q := math.Round(min(max(shade, 0), 1)*65535) / 65535
	return float32(best / length), hit, float32(q)
}

// intersect returns the distance along the unit ray (ow, dw) to the primitive's surface
// (inf on a miss) and the local normal there.
func intersect(p Prim, ow, dw r3.Vec) (float64, r3.Vec) {
	rt := p.R.T()
	o := rt.MulVec(r3.Sub(ow, p.Centre))
	d := rt.MulVec(dw)
	r := p.Size.X
	switch p.Shape {
	case Sphere:
		return sphereHit(o, d, r)
	case Box:
		return boxHit(o, d, p.Size)
	case Cylinder:
		t, n := sideHit(o, d, r, p.Size.Z)
		if t1, n1 := capHit(o, d, r, p.Size.Z); t1 < t {
			t, n = t1, n1
		}
		if t1, n1 := capHit(o, d, r, -p.Size.Z); t1 < t {
			t, n = t1, n1
		}
		return t, n
	case Capsule:
		t, n := sideHit(o, d, r, p.Size.Z)
		if t1, n1 := sphereHit(r3.Sub(o, r3.Vec{Z: p.Size.Z}), d, r); t1 < t {
			t, n = t1, n1
		}
		if t1, n1 := sphereHit(r3.Add(o, r3.Vec{Z: p.Size.Z}), d, r); t1 < t {
			t, n = t1, n1
		}
		return t, n
	case Disk:
		return capHit(o, d, r, 0)
	}
	return inf, r3.Vec{}
}

func sphereHit(o, d r3.Vec, r float64) (float64, r3.Vec) {
	b := r3.Dot(o, d)
	q := r3.Sub(o, r3.Scale(b, d))
	h := r*r - r3.Dot(q, q)
	if h < 0 {
		return inf, r3.Vec{}
	}
	t := -b - math.Sqrt(h)
	if t <= tMin {
		return inf, r3.Vec{}
	}
	return t, r3.Scale(1/r, r3.Add(o, r3.Scale(t, d)))
}

func sideHit(o, d r3.Vec, r, hh float64) (float64, r3.Vec) {
	a := d.X*d.X + d.Y*d.Y
	if a < 1e-12 {
		return inf, r3.Vec{}
	}
	tc := -(o.X*d.X + o.Y*d.Y) / a
	qx, qy := o.X+tc*d.X, o.Y+tc*d.Y
	h := r*r - (qx*qx + qy*qy)
	if h < 0 {
		return inf, r3.Vec{}
	}
	t := tc - math.Sqrt(h/a)
	if t <= tMin {
		return inf, r3.Vec{}
	}
	if math.Abs(o.Z+t*d.Z) > hh {
		return inf, r3.Vec{}
	}
	return t, r3.Vec{X: (o.X + t*d.X) / r, Y: (o.Y + t*d.Y) / r}
}

func capHit(o, d r3.Vec, r, zc float64) (float64, r3.Vec) {
	if math.Abs(d.Z) < 1e-12 {
		return inf, r3.Vec{}
	}
	t := (zc - o.Z) / d.Z
	if t <= tMin {
		return inf, r3.Vec{}
	}
	px, py := o.X+t*d.X, o.Y+t*d.Y
	if px*px+py*py > r*r {
		return inf, r3.Vec{}
	}
	return t, r3.Vec{Z: 1}
}

func boxHit(o, d, h r3.Vec) (float64, r3.Vec) {
	nz := func(x float64) float64 {
		if math.Abs(x) < 1e-12 {
			return 1e-12
		}
		return x
	}
	inv := r3.Vec{X: 1 / nz(d.X), Y: 1 / nz(d.Y), Z: 1 / nz(d.Z)}
	tx1, tx2 := (-h.X-o.X)*inv.X, (h.X-o.X)*inv.X
	ty1, ty2 := (-h.Y-o.Y)*inv.Y, (h.Y-o.Y)*inv.Y
	tz1, tz2 := (-h.Z-o.Z)*inv.Z, (h.Z-o.Z)*inv.Z
	nx, ny, nzz := min(tx1, tx2), min(ty1, ty2), min(tz1, tz2)
	tnear := max(nx, ny, nzz)
	tfar := min(max(tx1, tx2), max(ty1, ty2), max(tz1, tz2))
	if tnear > tfar || tnear <= tMin {
		return inf, r3.Vec{}
	}
	switch tnear {
	case nx:
		return tnear, r3.Vec{X: 1}
	case ny:
		return tnear, r3.Vec{Y: 1}
	}
	return tnear, r3.Vec{Z: 1}
}
