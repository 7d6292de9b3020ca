package scene

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"github.com/dsr4d/dsr4d/geom"
)

// maxDim bounds the number of frames so that sizes cannot overflow.
const maxDim = 1 << 16

// MaxSide bounds each side of the video (image_size) and of the point maps, in pixels: 16K video;
// with the frame count it bounds what a reader allocates before it reads a byte of data.
const MaxSide = 16384

// Validate checks s against the dsr4d-scene/1 rules (see the package doc) and returns the
// first violation, naming the file and the field or array ("geometry.npz: conf: shape
// (4, 10, 12), want (4, 10, 11)").
func (s *Scene) Validate() error {
	if err := s.validateMeta(); err != nil {
		return fmt.Errorf("%s: %w", MetaFile, err)
	}
	if err := s.validateGeometry(); err != nil {
		return fmt.Errorf("%s: %w", GeometryFile, err)
	}
	if err := s.validateMasks(); err != nil {
		return fmt.Errorf("%s: %w", MasksFile, err)
	}
	if err := s.validateOrient(); err != nil {
		return fmt.Errorf("%s: %w", OrientFile, err)
	}
	if s.GT != nil && !json.Valid(s.GT) {
		return fmt.Errorf("%s: not valid JSON", GTFile)
	}
	if s.GT != nil {
		if t := bytes.TrimSpace(s.GT); len(t) == 0 || t[0] != '{' {
			return fmt.Errorf("%s: want a JSON object", GTFile)
		}
	}
	if s.Frames != nil && len(s.Frames) != s.N {
		return fmt.Errorf("%s: %d images, want one per frame (%d)", FramesDir, len(s.Frames), s.N)
	}
	return nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// MaxTime (seconds) and MaxCoord (scene units) bound timestamps, point coordinates and pose
// translations: far beyond any video, and small enough that squares and sums of them stay finite.
const (
	MaxTime  = 1e6
	MaxCoord = 1e6
)

func (s *Scene) validateMeta() error {
	if s.Format != Format {
		return fmt.Errorf("format: %q, want %q", s.Format, Format)
	}
	if s.VideoID == "" {
		return fmt.Errorf("video_id: empty, want the video's id")
	}
	if !finite(s.FPS) || s.FPS <= 0 {
		return fmt.Errorf("fps: %v, want a finite number > 0", s.FPS)
	}
	if len(s.Timestamps) != s.N {
		return fmt.Errorf("timestamps: %d values, want one per frame of %s (%d)", len(s.Timestamps), GeometryFile, s.N)
	}
	for i, t := range s.Timestamps {
		if !finite(t) || t < 0 || t > MaxTime {
			return fmt.Errorf("timestamps[%d]: %v, want a number in [0, %g]", i, t, float64(MaxTime))
		}
		if i > 0 && !(t > s.Timestamps[i-1]) {
			return fmt.Errorf("timestamps[%d]: %v after %v, want strictly increasing", i, t, s.Timestamps[i-1])
		}
	}
	if w, h := s.ImageSize[0], s.ImageSize[1]; w <= 0 || h <= 0 || w > MaxSide || h > MaxSide {
		return fmt.Errorf("image_size: [%d,%d], want [w,h] with 1 ≤ w, h ≤ %d", w, h, MaxSide)
	}
	seen := map[int]bool{}
	for k, o := range s.Objects {
		if o.ID <= 0 {
			return fmt.Errorf("objects[%d].id: %d, want an integer > 0", k, o.ID)
		}
		if seen[o.ID] {
			return fmt.Errorf("objects[%d].id: duplicate id %d", k, o.ID)
		}
		seen[o.ID] = true
		if o.Class == "" {
			return fmt.Errorf("objects[%d].class: empty, want a class name", k)
		}
	}
	return nil
}

func shapeStr(d ...int) string {
	b := []byte{'('}
	for i, v := range d {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = fmt.Appendf(b, "%d", v)
	}
	return string(append(b, ')'))
}

func (s *Scene) validateGeometry() error {
	n, h, w := s.N, s.H, s.W
	if n < 1 || h < 1 || w < 1 || n > maxDim || h > MaxSide || w > MaxSide {
		return fmt.Errorf("local_points: shape %s, want (N,H,W,3) with N in 1..%d, H, W in 1..%d", shapeStr(n, h, w, 3), maxDim, MaxSide)
	}
	if len(s.LocalPoints) != n*h*w*3 {
		return fmt.Errorf("local_points: %d values, want %s", len(s.LocalPoints), shapeStr(n, h, w, 3))
	}
	if len(s.Conf) != n*h*w {
		return fmt.Errorf("conf: %d values, want %s", len(s.Conf), shapeStr(n, h, w))
	}
	if len(s.Poses) != n*16 {
		return fmt.Errorf("camera_poses: %d values, want %s", len(s.Poses), shapeStr(n, 4, 4))
	}
	for k, v := range s.LocalPoints {
		if !finite(float64(v)) || math.Abs(float64(v)) > MaxCoord {
			p := k / 3
			return fmt.Errorf("local_points[%d,%d,%d,%d]: %v, want finite with |v| ≤ %g", p/(h*w), p/w%h, p%w, k%3, v, float64(MaxCoord))
		}
	}
	for k, v := range s.Conf {
		if math.IsNaN(float64(v)) {
			return fmt.Errorf("conf[%d,%d,%d]: NaN, want a logit", k/(h*w), k/w%h, k%w)
		}
	}
	var m [16]float64
	for i := range n {
		for k := range m {
			m[k] = float64(s.Poses[16*i+k])
		}
		if err := geom.CheckPose(m[:], PoseTolerance); err != nil {
			return fmt.Errorf("camera_poses[%d]: %v; want a camera-to-world rigid transform", i, err)
		}
		for _, k := range []int{3, 7, 11} {
			if math.Abs(m[k]) > MaxCoord {
				return fmt.Errorf("camera_poses[%d]: translation %v, want |t| ≤ %g", i, m[k], float64(MaxCoord))
			}
		}
	}
	return nil
}

func (s *Scene) validateMasks() error {
	ids := make([]int, 0, len(s.Masks))
	for id := range s.Masks {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if _, ok := s.Object(id); !ok {
			return fmt.Errorf("obj_%d: no object with id %d in %s", id, id, MetaFile)
		}
	}
	want := s.N * s.ImageSize[0] * s.ImageSize[1]
	for _, o := range s.Objects {
		m, ok := s.Masks[o.ID]
		if !ok {
			return fmt.Errorf("obj_%d: missing, want a mask for object %d (%s)", o.ID, o.ID, o.Class)
		}
		if len(m) != want {
			return fmt.Errorf("obj_%d: %d values, want %s (N, h, w) with [w,h] = image_size", o.ID, len(m), shapeStr(s.N, s.ImageSize[1], s.ImageSize[0]))
		}
	}
	return nil
}

func (s *Scene) validateOrient() error {
	ids := make([]int, 0, len(s.Orient))
	for id := range s.Orient {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		o, ok := s.Object(id)
		if !ok {
			return fmt.Errorf("%q: no object with id %d in %s", fmt.Sprint(id), id, MetaFile)
		}
		if !o.Agent {
			return fmt.Errorf("%q: object %d (%s) is not an agent; orientations are for agents only", fmt.Sprint(id), id, o.Class)
		}
		seen := map[int]bool{}
		for k, e := range s.Orient[id] {
			at := fmt.Sprintf("%q[%d]", fmt.Sprint(id), k)
			if e.Frame < 0 || e.Frame >= s.N {
				return fmt.Errorf("%s.frame: %d, want 0..%d", at, e.Frame, s.N-1)
			}
			if seen[e.Frame] {
				return fmt.Errorf("%s.frame: frame %d listed twice", at, e.Frame)
			}
			seen[e.Frame] = true
			switch {
			case !finite(e.Azimuth) || e.Azimuth < 0 || e.Azimuth >= 360:
				return fmt.Errorf("%s.azimuth: %v, want [0, 360)", at, e.Azimuth)
			case !finite(e.Polar) || e.Polar < -90 || e.Polar >= 90:
				return fmt.Errorf("%s.polar: %v, want [-90, 90)", at, e.Polar)
			case !finite(e.Rotation) || e.Rotation < -90 || e.Rotation >= 90:
				return fmt.Errorf("%s.rotation: %v, want [-90, 90)", at, e.Rotation)
			case !finite(e.Confidence) || e.Confidence < 0 || e.Confidence > 1:
				return fmt.Errorf("%s.confidence: %v, want [0, 1]", at, e.Confidence)
			}
		}
	}
	return nil
}
