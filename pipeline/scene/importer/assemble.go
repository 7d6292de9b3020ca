package importer

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/dsr4d/dsr4d/pipeline/scene"
)

// Options give what the geometry and mask files do not say.
type Options struct {
	VideoID string
	FPS     float64 // frames per second of the video (> 0)
	// Timestamps of the N frames in seconds; when nil they are i·Stride/FPS, exact (questions
	// format them to 0.1 s in their text, as the reference does; rounding them here made
	// consecutive frames of a 30 fps video collide).
	Timestamps []float64
	Stride     float64 // video frames between consecutive scene frames (default 1)
	// ImageSize (w, h) of the video when there are no masks; default the point-map size.
	ImageSize [2]int
	Frames    []string // optional RGB frame images, one per frame
}

// Assemble builds and validates a scene from a geometry, optional masks and orientations.
func Assemble(g *Geometry, m *Masks, orient map[int][]scene.Orientation, opt Options) (*scene.Scene, error) {
	if g == nil {
		return nil, fmt.Errorf("import: no geometry")
	}
	imgW, imgH := g.W, g.H
	if opt.ImageSize != [2]int{} {
		imgW, imgH = opt.ImageSize[0], opt.ImageSize[1]
	}
	if m != nil {
		if opt.ImageSize != [2]int{} && opt.ImageSize != m.ImageSize {
			return nil, fmt.Errorf("import: image size %v given, but the masks are %d×%d", opt.ImageSize, m.ImageSize[0], m.ImageSize[1])
		}
		imgW, imgH = m.ImageSize[0], m.ImageSize[1]
		if m.N != g.N {
			return nil, fmt.Errorf("import: the masks have %d frames, the geometry %d", m.N, g.N)
		}
	}
	s := &scene.Scene{
		Meta: scene.Meta{
			Format:    scene.Format,
			VideoID:   opt.VideoID,
			FPS:       opt.FPS,
			ImageSize: [2]int{imgW, imgH},
			Objects:   []scene.Object{},
		},
		N: g.N, H: g.H, W: g.W,
		LocalPoints: g.LocalPoints, Conf: g.Conf, Poses: g.Poses,
		Masks:  map[int][]bool{},
		Orient: map[int][]scene.Orientation{},
		Frames: opt.Frames,
	}
	if opt.Timestamps != nil {
		s.Timestamps = opt.Timestamps
	} else {
		stride := opt.Stride
		if stride == 0 {
			stride = 1
		}
		if !(stride > 0) || math.IsInf(stride, 0) {
			return nil, fmt.Errorf("import: stride %v, want > 0", stride)
		}
		s.Timestamps = make([]float64, g.N)
		for i := range s.Timestamps {
			s.Timestamps[i] = float64(i) * stride / opt.FPS
		}
	}
	src := map[string]any{"geometry": g.Source}
	if m != nil {
		s.Objects = m.Objects
		s.Masks = m.Masks
		src["masks"] = m.Source
	}
	if orient != nil {
		s.Orient = orient
	}
	b, err := json.Marshal(src)
	if err != nil {
		return nil, err
	}
	s.Source = b
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	return s, nil
}
