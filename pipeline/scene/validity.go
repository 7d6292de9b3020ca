package scene

import (
	"math"

	"github.com/dsr4d/dsr4d/geom"
	"gonum.org/v1/gonum/spatial/r3"
)

// Validity rule of SPEC-QA §1, as the DSR reference applies it to π³ outputs.
const (
	// ConfThreshold: a pixel needs sigmoid(conf) > 0.1 (compared in float32, as torch does).
	ConfThreshold float32 = 0.1
	// EdgeRTol: a pixel is a depth edge when (max − min)/z over its 3×3 window > 0.03.
	EdgeRTol float32 = 0.03
)

func sigmoid32(x float32) float32 { return float32(1 / (1 + math.Exp(-float64(x)))) }

// ValidMask writes frame i's validity into dst (len H·W, allocated when nil) and returns it:
// a pixel is valid iff sigmoid(conf) > 0.1 and it is not a depth edge. The depth edge follows
// π³'s depth_edge(z, rtol=0.03): the 3×3 max and min of z = local_points[..., 2] over the
// window clipped at the image border, edge iff (max − min)/z > 0.03, where a NaN ratio
// (0/0) counts as 0 and +Inf (diff > 0 at z = 0) as an edge.
func (s *Scene) ValidMask(i int, dst []bool) []bool {
	h, w := s.H, s.W
	if dst == nil {
		dst = make([]bool, h*w)
	}
	conf := s.ConfFrame(i)
	pts := s.PointMap(i).Pix
	z := func(y, x int) float32 { return pts[3*(y*w+x)+2] }
	for y := range h {
		for x := range w {
			k := y*w + x
			if !(sigmoid32(conf[k]) > ConfThreshold) {
				dst[k] = false
				continue
			}
			lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
			for yy := max(y-1, 0); yy <= min(y+1, h-1); yy++ {
				for xx := max(x-1, 0); xx <= min(x+1, w-1); xx++ {
					v := z(yy, xx)
					lo, hi = min(lo, v), max(hi, v)
				}
			}
			r := (hi - lo) / z(y, x)
			if r != r { // NaN → 0
				r = 0
			}
			dst[k] = !(r > EdgeRTol)
		}
	}
	return dst
}

// NearestSrc returns the source index that nearest-neighbour resizing from in to out
// samples for output index dst, as torch.nn.functional.interpolate(mode="nearest") computes
// it in float32: min(floor(float32(dst)·(float32(in)/float32(out))), in − 1).
func NearestSrc(dst, in, out int) int {
	scale := float32(in) / float32(out)
	return min(int(math.Floor(float64(float32(dst)*scale))), in-1)
}

// Mean is an object's centre from its visible pixels' count and local point sum (SPEC-QA §2:
// the mean of the valid masked points): false when no pixel is visible or the mean is not
// finite. The one definition package fuse, package qa and the viewer use.
func Mean(n int, sum [3]float64) (r3.Vec, bool) {
	if n == 0 {
		return r3.Vec{}, false
	}
	c := r3.Vec{X: sum[0] / float64(n), Y: sum[1] / float64(n), Z: sum[2] / float64(n)}
	if !finite(c.X) || !finite(c.Y) || !finite(c.Z) {
		return r3.Vec{}, false
	}
	return c, true
}

// VisiblePixels returns how many pixels of object id's mask at frame i are valid in the
// point map (valid from [Scene.ValidMask] of frame i), with the point map sampled at the
// mask resolution by [NearestSrc], and the sum of their local points. An object is visible
// at i when the count is > 0; its centre is then sum/count.
func (s *Scene) VisiblePixels(id, i int, valid []bool) (n int, sum [3]float64) {
	m := s.Mask(id, i)
	if m == nil {
		return 0, sum
	}
	w, h := s.ImageSize[0], s.ImageSize[1]
	pts := s.PointMap(i).Pix
	cols := make([]int, w)
	for x := range w {
		cols[x] = NearestSrc(x, s.W, w)
	}
	for y := range h {
		sy := NearestSrc(y, s.H, h)
		row := m[y*w : (y+1)*w]
		for x, in := range row {
			if !in {
				continue
			}
			k := sy*s.W + cols[x]
			if !valid[k] {
				continue
			}
			n++
			sum[0] += float64(pts[3*k])
			sum[1] += float64(pts[3*k+1])
			sum[2] += float64(pts[3*k+2])
		}
	}
	return n, sum
}

// ObjectSummary describes one object across the frames.
type ObjectSummary struct {
	ID       int    `json:"id"`
	Class    string `json:"class"`
	Agent    bool   `json:"agent"`
	Visible  []bool `json:"visible"`   // per frame: mask ∧ valid is non-empty
	Pixels   []int  `json:"pixels"`    // per frame: mask pixels
	NVisible int    `json:"n_visible"` // frames where visible
	// NOriented counts frames with an orientation of confidence ≥ 0.6 (agents only).
	NOriented int `json:"n_oriented"`
}

// Summary is what `dsr4d inspect` reports.
type Summary struct {
	VideoID    string          `json:"video_id"`
	Frames     int             `json:"frames"`
	FPS        float64         `json:"fps"`
	Timestamps [2]float64      `json:"time_span"`  // first and last timestamp
	PointMap   [2]int          `json:"point_map"`  // W, H
	ImageSize  [2]int          `json:"image_size"` // w, h
	PathLength float64         `json:"camera_path_length"`
	ValidShare float64         `json:"valid_share"`    // mean over frames
	ValidFrame []float64       `json:"valid_by_frame"` // share of valid pixels per frame
	Objects    []ObjectSummary `json:"objects"`
	HasGT      bool            `json:"has_gt"`
	HasFrames  bool            `json:"has_frames"`
}

// Summarize computes the [Summary] of s.
func (s *Scene) Summarize() Summary {
	sum := Summary{
		VideoID: s.VideoID, Frames: s.N, FPS: s.FPS,
		PointMap: [2]int{s.W, s.H}, ImageSize: s.ImageSize,
		PathLength: geom.PathLength(s.CameraPath()),
		ValidFrame: make([]float64, s.N),
		HasGT:      s.GT != nil, HasFrames: len(s.Frames) > 0,
		Objects: []ObjectSummary{}, // "objects": [] in JSON, not null
	}
	if s.N > 0 {
		sum.Timestamps = [2]float64{s.Timestamps[0], s.Timestamps[s.N-1]}
	}
	for _, o := range s.Objects {
		os := ObjectSummary{ID: o.ID, Class: o.Class, Agent: o.Agent, Visible: make([]bool, s.N), Pixels: make([]int, s.N)}
		for _, e := range s.Orient[o.ID] {
			if e.Confidence >= 0.6 {
				os.NOriented++
			}
		}
		sum.Objects = append(sum.Objects, os)
	}
	valid := make([]bool, s.H*s.W)
	for i := range s.N {
		s.ValidMask(i, valid)
		c := 0
		for _, v := range valid {
			if v {
				c++
			}
		}
		sum.ValidFrame[i] = float64(c) / float64(len(valid))
		sum.ValidShare += sum.ValidFrame[i] / float64(s.N)
		for k := range sum.Objects {
			o := &sum.Objects[k]
			for _, in := range s.Mask(o.ID, i) {
				if in {
					o.Pixels[i]++
				}
			}
			if n, _ := s.VisiblePixels(o.ID, i, valid); n > 0 {
				o.Visible[i] = true
				o.NVisible++
			}
		}
	}
	return sum
}
