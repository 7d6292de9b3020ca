package viewer

import (
	"fmt"
	stdimage "image"
	_ "image/jpeg" // frames/ may hold JPEGs
	_ "image/png"
	"math"
	"slices"
	"sort"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/spatial/r3"

	"github.com/dsr4d/dsr4d/geom"
	"github.com/dsr4d/dsr4d/pipeline/scene"
)

// PointVertex is one point as the GPU reads it (20 bytes): world position, the frame's RGB
// colour, the object id (0 for the background; ids above 255 wrap), the confidence rank
// (0..255, the number of 1/256 quantiles of all points' confidence at or below this one) and
// the frame index.
type PointVertex struct {
	Pos   [3]float32
	RGB   [4]uint8
	Obj   uint8
	Conf  uint8
	Frame uint16
}

// LineVertex is one end of a line segment (16 bytes).
type LineVertex struct {
	Pos  [3]float32
	RGBA [4]uint8
}

// Range is a run of vertices in a buffer.
type Range struct{ First, Count int }

// span joins the per-frame ranges lo..hi (inclusive), which lie one after the other.
func span(rs []Range, lo, hi int) Range {
	lo, hi = max(lo, 0), min(hi, len(rs)-1)
	if lo > hi {
		return Range{}
	}
	return Range{First: rs[lo].First, Count: rs[hi].First + rs[hi].Count - rs[lo].First}
}

// Geometry is everything the renderer uploads once: the points of every frame, background
// first (frame by frame) then objects (frame by frame), so that any run of frames is one
// contiguous range of each; and the lines, grouped by kind and then by frame.
type Geometry struct {
	N       int       // frames
	Times   []float64 // seconds per frame
	VideoID string

	Points []PointVertex
	Bg     []Range // per frame: background points
	Obj    []Range // per frame: object points
	// Static is the background of all frames merged on a voxel grid (one point per voxel of
	// Voxel metres, the first frame's): what ModeAccumulate draws, since a static surface seen
	// in every frame would otherwise be drawn N times. It follows the per-frame ranges.
	Static Range
	Voxel  float64

	Lines   []LineVertex
	Path    Range   // the camera path (all frames)
	Frustum []Range // per frame: the camera frustum
	Trail   []Range // per frame i: object centre segments from frame i−1 to i
	Marker  []Range // per frame: a cross at each visible object centre
	Arrow   []Range // per frame: facing arrows of agents with a usable orientation
	Axes    []Range // per frame: the question viewpoint's axes (nil without a question)

	Objects []scene.Object
	Centres [][]r3.Vec // [object index][frame] world centre
	Visible [][]bool   // [object index][frame]

	Poses  []geom.Rigid // camera to world per frame
	FOVY   float64      // the scene camera's vertical field of view, radians
	Aspect float64      // its width / height

	Centre r3.Vec  // the middle of the scene (per-axis median of the points)
	Radius float64 // the 90th percentile distance of the points from Centre
	Up     r3.Vec  // the scene's up axis (mean camera up), unit
}

// palette is the stable object colour table (id 1 gets the first entry); shaders/view_points.vert
// holds the same table.
var palette = [10][3]float64{
	{0.122, 0.467, 0.706}, {1.000, 0.498, 0.055}, {0.173, 0.627, 0.173},
	{0.839, 0.153, 0.157}, {0.580, 0.404, 0.741}, {0.549, 0.337, 0.294},
	{0.890, 0.467, 0.761}, {0.737, 0.741, 0.133}, {0.090, 0.745, 0.812},
	{0.498, 0.498, 0.498},
}

// ObjectColor returns the stable colour of object id as RGBA bytes.
func ObjectColor(id int) [4]uint8 {
	c := palette[(objSlot(id)-1)%len(palette)]
	return [4]uint8{uint8(c[0]*255 + 0.5), uint8(c[1]*255 + 0.5), uint8(c[2]*255 + 0.5), 255}
}

// objSlot maps an object id to the byte the point attribute carries (1..255).
func objSlot(id int) int {
	if id <= 255 {
		return id
	}
	return (id-1)%255 + 1
}

// BuildOptions tune Build.
type BuildOptions struct {
	// Question, when set, adds its viewpoint's axes (Geometry.Axes).
	Question *Question
	// KeepInvalid keeps points that fail the SPEC-QA validity rule (low confidence, depth
	// edges); by default they are dropped (sky, flying pixels).
	KeepInvalid bool
}

// Build turns a scene into the renderer's geometry: every valid point in world coordinates with
// its colour, object and confidence rank; object centres (SPEC-QA §2: mean of the valid masked
// points), trails, markers and facing arrows; camera path and frustums.
func Build(s *scene.Scene, opt BuildOptions) (*Geometry, error) {
	if s.N < 1 || s.H < 1 || s.W < 1 {
		return nil, fmt.Errorf("viewer: scene %q has no frames", s.VideoID)
	}
	if s.N > math.MaxUint16+1 {
		return nil, fmt.Errorf("viewer: scene %q has %d frames, at most %d are supported", s.VideoID, s.N, math.MaxUint16+1)
	}
	g := &Geometry{N: s.N, Times: s.Timestamps, VideoID: s.VideoID, Objects: s.Objects, Poses: s.CameraPath()}
	if len(g.Times) != s.N {
		g.Times = make([]float64, s.N)
		for i := range g.Times {
			g.Times[i] = float64(i)
		}
	}
	imgW, imgH := s.ImageSize[0], s.ImageSize[1]
	colsV := make([]int, s.W) // point-map column → video column
	for x := range colsV {
		colsV[x] = min(int((float64(x)+0.5)*float64(imgW)/float64(s.W)), imgW-1)
	}
	rowsV := make([]int, s.H)
	for y := range rowsV {
		rowsV[y] = min(int((float64(y)+0.5)*float64(imgH)/float64(s.H)), imgH-1)
	}

	bg := make([][]PointVertex, s.N)
	obj := make([][]PointVertex, s.N)
	bgC := make([][]float32, s.N) // confidence logits beside bg and obj
	objC := make([][]float32, s.N)
	valid := make([]bool, s.H*s.W)
	g.Centres = make([][]r3.Vec, len(s.Objects))
	g.Visible = make([][]bool, len(s.Objects))
	for k := range s.Objects {
		g.Centres[k] = make([]r3.Vec, s.N)
		g.Visible[k] = make([]bool, s.N)
	}
	for i := range s.N {
		valid = s.ValidMask(i, valid)
		pose := g.Poses[i]
		rgb, err := frameImage(s, i)
		if err != nil {
			return nil, err
		}
		pts := s.PointMap(i).Pix
		conf := s.ConfFrame(i)
		for k, o := range s.Objects {
			if c, ok := scene.Mean(s.VisiblePixels(o.ID, i, valid)); ok {
				g.Centres[k][i], g.Visible[k][i] = pose.Apply(c), true
			}
		}
		for y := range s.H {
			for x := range s.W {
				p := y*s.W + x
				if !opt.KeepInvalid && !valid[p] {
					continue
				}
				lp := r3.Vec{X: float64(pts[3*p]), Y: float64(pts[3*p+1]), Z: float64(pts[3*p+2])}
				if math.IsNaN(lp.X+lp.Y+lp.Z) || math.IsInf(lp.X+lp.Y+lp.Z, 0) {
					continue
				}
				w := pose.Apply(lp)
				v := PointVertex{Pos: [3]float32{float32(w.X), float32(w.Y), float32(w.Z)}, Frame: uint16(i)}
				vx, vy := colsV[x], rowsV[y]
				if rgb != nil {
					r, gg, b, _ := rgb.At(rgb.Bounds().Min.X+vx, rgb.Bounds().Min.Y+vy).RGBA()
					v.RGB = [4]uint8{uint8(r >> 8), uint8(gg >> 8), uint8(b >> 8), 255}
				} else {
					v.RGB = [4]uint8{170, 170, 170, 255}
				}
				for _, o := range s.Objects {
					if m := s.Mask(o.ID, i); m != nil && m[vy*imgW+vx] {
						v.Obj = uint8(objSlot(o.ID))
						break
					}
				}
				if v.Obj != 0 {
					obj[i], objC[i] = append(obj[i], v), append(objC[i], conf[p])
				} else {
					bg[i], bgC[i] = append(bg[i], v), append(bgC[i], conf[p])
				}
			}
		}
	}
	g.layoutPoints(bg, obj)
	g.rankConfidence(slices.Concat(slices.Concat(bgC...), slices.Concat(objC...)))
	g.bounds(s)
	g.mergeStatic(s)
	g.buildLines(s, opt.Question)
	return g, nil
}

// frameImage decodes frames/<i> when the scene has RGB frames (sizes checked before decoding).
func frameImage(s *scene.Scene, i int) (stdimage.Image, error) {
	img, err := s.Frame(i)
	if err != nil {
		return nil, fmt.Errorf("viewer: scene %q: %w", s.VideoID, err)
	}
	return img, nil
}

func (g *Geometry) layoutPoints(bg, obj [][]PointVertex) {
	n := 0
	for i := range bg {
		n += len(bg[i]) + len(obj[i])
	}
	g.Points = make([]PointVertex, 0, n)
	g.Bg = make([]Range, g.N)
	g.Obj = make([]Range, g.N)
	for i := range bg {
		g.Bg[i] = Range{len(g.Points), len(bg[i])}
		g.Points = append(g.Points, bg[i]...)
	}
	for i := range obj {
		g.Obj[i] = Range{len(g.Points), len(obj[i])}
		g.Points = append(g.Points, obj[i]...)
	}
}

// rankConfidence sets each point's Conf to the number of the 255 inner 1/256-quantiles of all
// confidences that are ≤ its own: a filter "rank ≥ ⌈p·255⌉" keeps the points at or above the
// p-quantile, and ties (constant confidence) are all kept.
func (g *Geometry) rankConfidence(conf []float32) {
	if len(conf) == 0 {
		return
	}
	step := max(len(conf)/65536, 1)
	var sample []float32
	for k := 0; k < len(conf); k += step {
		sample = append(sample, conf[k])
	}
	slices.Sort(sample)
	var q [255]float32
	for j := range q {
		q[j] = sample[min((j+1)*len(sample)/256, len(sample)-1)]
	}
	for k, c := range conf {
		g.Points[k].Conf = uint8(sort.Search(len(q), func(j int) bool { return q[j] > c }))
	}
}

// bounds sets Centre, Radius, Up and the field of view.
func (g *Geometry) bounds(s *scene.Scene) {
	var up r3.Vec
	for _, p := range g.Poses {
		up = r3.Add(up, p.R.MulVec(r3.Vec{Y: -1}))
	}
	if r3.Norm(up) < 1e-9 {
		up = r3.Vec{Z: 1}
	}
	g.Up = r3.Unit(up)
	step := max(len(g.Points)/20000, 1)
	defer func() { g.Up = g.planeUp(g.Up, step) }()
	var xs, ys, zs []float64
	for k := 0; k < len(g.Points); k += step {
		p := g.Points[k].Pos
		xs, ys, zs = append(xs, float64(p[0])), append(ys, float64(p[1])), append(zs, float64(p[2]))
	}
	for _, p := range g.Poses {
		xs, ys, zs = append(xs, p.T.X), append(ys, p.T.Y), append(zs, p.T.Z)
	}
	med := func(v []float64) float64 { slices.Sort(v); return v[len(v)/2] }
	g.Centre = r3.Vec{X: med(xs), Y: med(ys), Z: med(zs)}
	var ds []float64
	for k := 0; k < len(g.Points); k += step {
		p := g.Points[k].Pos
		ds = append(ds, r3.Norm(r3.Sub(r3.Vec{X: float64(p[0]), Y: float64(p[1]), Z: float64(p[2])}, g.Centre)))
	}
	for _, p := range g.Poses {
		ds = append(ds, r3.Norm(r3.Sub(p.T, g.Centre)))
	}
	slices.Sort(ds)
	g.Radius = max(ds[int(0.9*float64(len(ds)-1))], 1e-3)

	g.FOVY, g.Aspect = 60*math.Pi/180, float64(s.W)/float64(s.H)
	if k, err := geom.EstimateIntrinsics(s.PointMap(0), true); err == nil && k.Fy > 0 {
		g.FOVY = 2 * math.Atan(float64(s.H)/2/k.Fy)
		g.Aspect = (float64(s.W) / k.Fx) / (float64(s.H) / k.Fy)
	}
}

func rgba(r, gg, b, a float64) [4]uint8 {
	c := func(v float64) uint8 { return uint8(math.Round(255 * math.Max(0, math.Min(1, v)))) }
	return [4]uint8{c(r), c(gg), c(b), c(a)}
}

func (g *Geometry) seg(a, b r3.Vec, c [4]uint8) {
	g.Lines = append(g.Lines,
		LineVertex{Pos: [3]float32{float32(a.X), float32(a.Y), float32(a.Z)}, RGBA: c},
		LineVertex{Pos: [3]float32{float32(b.X), float32(b.Y), float32(b.Z)}, RGBA: c})
}

// perFrame appends one group per frame with add and returns their ranges.
func (g *Geometry) perFrame(add func(i int)) []Range {
	rs := make([]Range, g.N)
	for i := range g.N {
		first := len(g.Lines)
		add(i)
		rs[i] = Range{first, len(g.Lines) - first}
	}
	return rs
}

func (g *Geometry) buildLines(s *scene.Scene, q *Question) {
	r := g.Radius
	first := len(g.Lines)
	for i := 1; i < g.N; i++ {
		g.seg(g.Poses[i-1].T, g.Poses[i].T, rgba(1, 0.8, 0.2, 1))
	}
	g.Path = Range{first, len(g.Lines) - first}

	tanY := math.Tan(g.FOVY / 2)
	tanX := tanY * g.Aspect
	d := 0.04 * r
	g.Frustum = g.perFrame(func(i int) {
		p := g.Poses[i]
		c := rgba(1, 1, 1, 1)
		corner := func(sx, sy float64) r3.Vec { return p.Apply(r3.Vec{X: sx * tanX * d, Y: sy * tanY * d, Z: d}) }
		cs := [4]r3.Vec{corner(-1, -1), corner(1, -1), corner(1, 1), corner(-1, 1)}
		for k := range cs {
			g.seg(p.T, cs[k], c)
			g.seg(cs[k], cs[(k+1)%4], c)
		}
		// A notch on the top edge (OpenCV y is down) tells up from down.
		g.seg(corner(-0.3, -1), p.Apply(r3.Vec{Y: -1.4 * tanY * d, Z: d}), c)
		g.seg(p.Apply(r3.Vec{Y: -1.4 * tanY * d, Z: d}), corner(0.3, -1), c)
	})

	g.Trail = g.perFrame(func(i int) {
		if i == 0 {
			return
		}
		for k, o := range g.Objects {
			if g.Visible[k][i-1] && g.Visible[k][i] {
				g.seg(g.Centres[k][i-1], g.Centres[k][i], ObjectColor(o.ID))
			}
		}
	})
	m := 0.025 * r
	g.Marker = g.perFrame(func(i int) {
		for k, o := range g.Objects {
			if !g.Visible[k][i] {
				continue
			}
			c, col := g.Centres[k][i], lighten(ObjectColor(o.ID), 0.3)
			for _, ax := range []r3.Vec{{X: m}, {Y: m}, {Z: m}} {
				g.seg(r3.Sub(c, ax), r3.Add(c, ax), col)
			}
		}
	})
	L := 0.1 * r
	g.Arrow = g.perFrame(func(i int) {
		for k, o := range g.Objects {
			if !o.Agent || !g.Visible[k][i] {
				continue
			}
			or, ok := s.OrientationAt(o.ID, i)
			if !ok || or.Confidence < 0.6 {
				continue
			}
			f := g.Poses[i].R.MulVec(geom.Facing(or.Azimuth, or.Polar, or.Rotation))
			g.arrow(g.Centres[k][i], f, L, lighten(ObjectColor(o.ID), 0.5))
		}
	})
	if q != nil {
		g.Axes = g.perFrame(func(i int) {
			o, axes, ok := q.frame(g, s, i)
			if !ok {
				return
			}
			cols := [3][4]uint8{rgba(1, 0.15, 0.15, 1), rgba(0.15, 1, 0.15, 1), rgba(0.2, 0.4, 1, 1)}
			for a := range 3 {
				g.arrow(o, axes[a], 0.15*r, cols[a])
			}
		})
	}
}

// arrow adds a segment from o along unit direction f of length l with a two-line head.
func (g *Geometry) arrow(o, f r3.Vec, l float64, c [4]uint8) {
	f = r3.Unit(f)
	tip := r3.Add(o, r3.Scale(l, f))
	side := r3.Cross(f, g.Up)
	if r3.Norm(side) < 1e-6 {
		side = r3.Cross(f, r3.Vec{X: 1})
	}
	side = r3.Unit(side)
	back := r3.Sub(tip, r3.Scale(0.3*l, f))
	g.seg(o, tip, c)
	g.seg(tip, r3.Add(back, r3.Scale(0.15*l, side)), c)
	g.seg(tip, r3.Sub(back, r3.Scale(0.15*l, side)), c)
}

func lighten(c [4]uint8, t float64) [4]uint8 {
	for k := range 3 {
		c[k] = uint8(float64(c[k]) + t*(255-float64(c[k])))
	}
	return c
}

// planeUp refines the cameras' mean up (biased when the cameras look down) with the normal of
// the points' dominant plane — the smallest principal axis, the ground in most scenes — when
// that normal is within 45° of it.
func (g *Geometry) planeUp(camUp r3.Vec, step int) r3.Vec {
	var cov [3][3]float64
	n := 0
	for k := 0; k < len(g.Points); k += step {
		p := g.Points[k].Pos
		d := [3]float64{float64(p[0]) - g.Centre.X, float64(p[1]) - g.Centre.Y, float64(p[2]) - g.Centre.Z}
		for a := range 3 {
			for b := range 3 {
				cov[a][b] += d[a] * d[b]
			}
		}
		n++
	}
	if n < 10 {
		return camUp
	}
	var es mat.EigenSym
	if !es.Factorize(mat.NewSymDense(3, []float64{cov[0][0], cov[0][1], cov[0][2], cov[1][0], cov[1][1], cov[1][2], cov[2][0], cov[2][1], cov[2][2]}), true) {
		return camUp
	}
	var vecs mat.Dense
	es.VectorsTo(&vecs) // eigenvalues ascending: column 0 is the smallest axis
	normal := r3.Unit(r3.Vec{X: vecs.At(0, 0), Y: vecs.At(1, 0), Z: vecs.At(2, 0)})
	c := r3.Dot(normal, camUp)
	if math.Abs(c) < math.Cos(math.Pi/4) {
		return camUp
	}
	if c < 0 {
		normal = r3.Scale(-1, normal)
	}
	return normal
}

// mergeStatic appends the voxel-merged background (Static). The voxel is one point-map pixel's
// footprint at the median depth of frame 0, so a surface keeps its sampling density.
func (g *Geometry) mergeStatic(s *scene.Scene) {
	var zs []float64
	pts := s.PointMap(0).Pix
	for k := 2; k < len(pts); k += 3 * 7 {
		if z := float64(pts[k]); z > 0 && !math.IsInf(z, 0) {
			zs = append(zs, z)
		}
	}
	g.Voxel = 1e-3 * g.Radius
	if len(zs) > 0 {
		slices.Sort(zs)
		g.Voxel = max(zs[len(zs)/2]*2*math.Tan(g.FOVY/2)/float64(s.H), 1e-6)
	}
	g.Static = mergeVoxels(g, g.Voxel)
}

// mergeVoxels appends the first background point of every voxel of size v and returns the range.
func mergeVoxels(g *Geometry, v float64) Range {
	bg := span(g.Bg, 0, g.N-1)
	type key [3]int32
	seen := make(map[key]struct{}, bg.Count/4)
	first := len(g.Points)
	for k := bg.First; k < bg.First+bg.Count; k++ {
		p := g.Points[k]
		kk := key{int32(math.Floor(float64(p.Pos[0]) / v)), int32(math.Floor(float64(p.Pos[1]) / v)), int32(math.Floor(float64(p.Pos[2]) / v))}
		if _, ok := seen[kk]; ok {
			continue
		}
		seen[kk] = struct{}{}
		g.Points = append(g.Points, p)
	}
	return Range{first, len(g.Points) - first}
}
