package synth

import (
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/dsr4d/dsr4d/geom"
	"github.com/dsr4d/dsr4d/pipeline/scene"
)

// Confidence logits written to geometry.npz's conf.
const (
	ConfSurface    float32 = 3    // a pixel inside a surface (sigmoid 0.95)
	ConfSilhouette float32 = -2.5 // a pixel whose 4-neighbourhood sees another primitive or the sky (0.08: invalid)
	ConfSky        float32 = -5   // no hit (0.007)
	// OrientConfidence is the confidence of noise-free orientation estimates.
	OrientConfidence = 0.9
)

// framesPerBatch bounds how many frames are cast at once (memory).
const framesPerBatch = 16

// Result is a generated scene: its dsr4d-scene/1 content (with gt.json in Scene.GT), the RGB
// frames and the parsed ground truth.
type Result struct {
	World *World
	Scene *scene.Scene
	RGB   []*image.RGBA
	GT    *scene.GT
}

// Generate lays out the scene of cfg, renders it with c and applies cfg's noise.
func Generate(cfg Config, c Caster) (*Result, error) {
	w, err := NewWorld(cfg)
	if err != nil {
		return nil, err
	}
	n := cfg.Frames
	iw, ih := cfg.Size[0], cfg.Size[1]
	pw, ph := cfg.PointsSize[0], cfg.PointsSize[1]
	s := scene.New(cfg.ID(), n, ph, pw, iw, ih)
	s.FPS = cfg.FPS
	for _, o := range w.Objects {
		s.Objects = append(s.Objects, scene.Object{ID: o.ID, Class: o.Class, Agent: o.Agent})
		s.Masks[o.ID] = make([]bool, n*iw*ih)
	}
	src, _ := json.Marshal(map[string]any{"generator": "dsr4d synth", "preset": cfg.Preset, "seed": cfg.Seed,
		"noise": cfg.Noise.String(), "renderer": c.Name()})
	s.Source = src

	gt := newGT(w, c.Name())
	res := &Result{World: w, Scene: s, GT: gt, RGB: make([]*image.RGBA, n)}
	nz := newNoiser(cfg)
	occluded := nz.occlusions(len(w.Objects), n)

	for f0 := 0; f0 < n; f0 += framesPerBatch {
		f1 := min(n, f0+framesPerBatch)
		snaps := make([]Snapshot, f1-f0)
		jobs := make([]Job, 0, 2*len(snaps))
		for i := range snaps {
			snaps[i] = w.At(w.Time(f0 + i))
			jobs = append(jobs,
				Job{Prims: snaps[i].Prims, View: View{Pose: snaps[i].Pose, K: w.K, W: iw, H: ih}},
				Job{Prims: snaps[i].Prims, View: View{Pose: snaps[i].Pose, K: w.KPoints, W: pw, H: ph}})
		}
		hits, err := c.Cast(jobs)
		if err != nil {
			return nil, err
		}
		for i, snap := range snaps {
			f := f0 + i
			img, pts := hits[2*i], hits[2*i+1]
			s.Timestamps[f] = w.Time(f)
			res.RGB[f] = shadeRGB(w, snap, jobs[2*i].View, img)
			writePoints(s, f, pts, w.KPoints, nz)
			s.SetPose(f, nz.pose(snap.Pose))
			gf := scene.GTFrame{Frame: f, Time: w.Time(f), CameraPose: snap.Pose.Matrix(), StoredPose: s.Pose(f).Matrix()}
			for k, o := range w.Objects {
				mask := s.Masks[o.ID][f*iw*ih : (f+1)*iw*ih]
				pixels := 0
				for p, prim := range img.Prim {
					if prim >= 0 && snap.Prims[prim].Label == o.ID {
						mask[p] = true
						pixels++
					}
				}
				if occluded[k][f] {
					clear(mask)
				} else if r := nz.maskRadius(); r != 0 {
					copy(mask, morph(mask, iw, ih, r))
				}
				gf.Objects = append(gf.Objects, gtObject(o, snap, k, pixels, occluded[k][f]))
				if !o.Agent || occluded[k][f] || !anyTrue(mask) {
					continue
				}
				g := gf.Objects[len(gf.Objects)-1]
				if g.Angles == nil {
					continue
				}
				s.Orient[o.ID] = append(s.Orient[o.ID], nz.orient(f, *g.Angles))
			}
			gt.Frames = append(gt.Frames, gf)
		}
	}
	b, err := json.MarshalIndent(gt, "", " ")
	if err != nil {
		return nil, err
	}
	s.GT = append(b, '\n')
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("synth: generated an invalid scene: %w", err)
	}
	return res, nil
}

func anyTrue(m []bool) bool {
	for _, v := range m {
		if v {
			return true
		}
	}
	return false
}

// writePoints fills frame f's local points and confidence from the point-map hits.
func writePoints(s *scene.Scene, f int, h Hits, k geom.Intrinsics, nz *noiser) {
	pts := s.PointMap(f).Pix
	conf := s.ConfFrame(f)
	field := nz.depthField(h.W, h.H)
	for y := range h.H {
		for x := range h.W {
			p := y*h.W + x
			z := float64(h.Depth[p])
			c := ConfSurface
			switch {
			case h.Prim[p] < 0:
				z, c = skyDepth, ConfSky
			case silhouette(h, x, y):
				c = ConfSilhouette
			}
			if field != nil {
				z *= field[p]
			}
			q := k.Unproject(float64(x), float64(y), z)
			pts[3*p], pts[3*p+1], pts[3*p+2] = float32(q.X), float32(q.Y), float32(q.Z)
			conf[p] = c
		}
	}
}

// silhouette reports whether a 4-neighbour of (x, y) sees another primitive (or the sky).
func silhouette(h Hits, x, y int) bool {
	p := h.Prim[y*h.W+x]
	return (x > 0 && h.Prim[y*h.W+x-1] != p) || (x+1 < h.W && h.Prim[y*h.W+x+1] != p) ||
		(y > 0 && h.Prim[(y-1)*h.W+x] != p) || (y+1 < h.H && h.Prim[(y+1)*h.W+x] != p)
}

// shadeRGB colours the image hits: the primitive's colour times its shade, the ground
// chequered in 1 m squares, the sky a vertical gradient.
func shadeRGB(w *World, snap Snapshot, v View, h Hits) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, h.W, h.H))
	nobj := len(w.Objects)
	for y := range h.H {
		for x := range h.W {
			p := y*h.W + x
			prim := int(h.Prim[p])
			var c [3]uint8
			scale := float64(h.Shade[p])
			switch {
			case prim < 0:
				t := float64(y) / float64(max(1, h.H-1))
				c = [3]uint8{uint8(120 + 80*t), uint8(170 + 50*t), uint8(230 + 10*t)}
				scale = 1
			case prim < nobj:
				c = w.Objects[prim].Colour
			default:
				sp := w.Scenery[prim-nobj]
				c = sp.Colour
				if sp.Ground {
					o, d, l := v.Ray(float64(x), float64(y))
					q := r3.Add(o, r3.Scale(float64(h.Depth[p])*l, d))
					if int(math.Floor(q.X)+math.Floor(q.Y))%2 != 0 {
						scale *= 0.8
					}
				}
			}
			img.SetRGBA(x, y, color.RGBA{uint8(float64(c[0]) * scale), uint8(float64(c[1]) * scale), uint8(float64(c[2]) * scale), 255})
		}
	}
	return img
}

// Write saves r as a dsr4d-scene/1 directory with its RGB frames and gt.json.
func Write(dir string, r *Result) error {
	tmp, err := os.MkdirTemp("", "dsr4d-synth-frames")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	frames := make([]string, len(r.RGB))
	for i, img := range r.RGB {
		frames[i] = filepath.Join(tmp, fmt.Sprintf("%03d.png", i))
		f, err := os.Create(frames[i])
		if err != nil {
			return err
		}
		if err := png.Encode(f, img); err != nil {
			f.Close()
			return fmt.Errorf("synth: frame %d: %w", i, err)
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	s := *r.Scene
	s.Frames = frames
	return scene.Save(dir, &s)
}

// noiser draws every noise source from its own seeded stream.
type noiser struct {
	n                                    Noise
	rDepth, rPose, rMask, rOrient, rOccl *rand.Rand
	drift                                r3.Vec
}

func newNoiser(cfg Config) *noiser {
	r := func(k uint64) *rand.Rand { return rand.New(rand.NewPCG(cfg.Seed, 0x9015e_0000+k)) }
	return &noiser{n: cfg.Noise, rDepth: r(1), rPose: r(2), rMask: r(3), rOrient: r(4), rOccl: r(5)}
}

// depthField returns frame-wide multiplicative depth factors for a w×h point map, or nil
// without depth noise: 1 + Depth·(F + n/10), where F is a smooth field (standard normal values
// on a 9×6 grid of nodes spanning the image, bilinearly interpolated — network depth errors
// are low-frequency) and n per-pixel standard normal noise. Neighbouring pixels then differ by
// far less than the 3% depth-edge threshold.
func (z *noiser) depthField(w, h int) []float64 {
	if z.n.Depth == 0 {
		return nil
	}
	const gx, gy = 9, 6
	var grid [gy][gx]float64
	for j := range gy {
		for i := range gx {
			grid[j][i] = z.rDepth.NormFloat64()
		}
	}
	out := make([]float64, w*h)
	for y := range h {
		fy := float64(y) / float64(max(1, h-1)) * (gy - 1)
		j := min(int(fy), gy-2)
		ty := fy - float64(j)
		for x := range w {
			fx := float64(x) / float64(max(1, w-1)) * (gx - 1)
			i := min(int(fx), gx-2)
			tx := fx - float64(i)
			f := (1-ty)*((1-tx)*grid[j][i]+tx*grid[j][i+1]) + ty*((1-tx)*grid[j+1][i]+tx*grid[j+1][i+1])
			out[y*w+x] = max(0.05, 1+z.n.Depth*(f+z.rDepth.NormFloat64()/10))
		}
	}
	return out
}

// pose returns the stored (noisy) version of the true pose; call it once per frame in order.
func (z *noiser) pose(g geom.Rigid) geom.Rigid {
	if z.n.Jitter == 0 && z.n.Rot == 0 && z.n.Drift == 0 {
		return g
	}
	v := func(s float64) r3.Vec {
		return r3.Vec{X: s * z.rPose.NormFloat64(), Y: s * z.rPose.NormFloat64(), Z: s * z.rPose.NormFloat64()}
	}
	z.drift = r3.Add(z.drift, v(z.n.Drift))
	t := r3.Add(g.T, r3.Add(v(z.n.Jitter), z.drift))
	rot := g.R.Mul(geom.FromRotationVector(v(z.n.Rot * math.Pi / 180)))
	return geom.Rigid{R: rot, T: t}
}

func (z *noiser) maskRadius() int {
	if z.n.Mask == 0 {
		return 0
	}
	return z.rMask.IntN(2*z.n.Mask+1) - z.n.Mask
}

func (z *noiser) occlusions(objects, frames int) [][]bool {
	out := make([][]bool, objects)
	for k := range out {
		out[k] = make([]bool, frames)
		if z.n.Occlude == 0 {
			continue
		}
		for f := 0; f < frames; f++ {
			if z.rOccl.Float64() < z.n.Occlude {
				run := 1 + z.rOccl.IntN(3)
				for i := f; i < min(frames, f+run); i++ {
					out[k][i] = true
				}
				f += run - 1
			}
		}
	}
	return out
}

func (z *noiser) orient(f int, a scene.GTAngles) scene.Orientation {
	o := scene.Orientation{Frame: f, Azimuth: a.Azimuth, Polar: a.Polar, Rotation: a.Rotation, Confidence: OrientConfidence}
	if z.n.Orient > 0 {
		o.Azimuth = wrap360(o.Azimuth + z.n.Orient*z.rOrient.NormFloat64())
		o.Polar = clampHalf(o.Polar + z.n.Orient*z.rOrient.NormFloat64())
		o.Rotation = clampHalf(o.Rotation + z.n.Orient*z.rOrient.NormFloat64())
		o.Confidence = 0.5 + 0.5*z.rOrient.Float64()
	}
	return o
}
