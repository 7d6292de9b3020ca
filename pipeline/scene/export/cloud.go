package export

import (
	"fmt"
	"image"
	_ "image/jpeg" // frames may be JPEG
	_ "image/png"
	"math"

	"github.com/dsr4d/dsr4d/pipeline/scene"
	"gonum.org/v1/gonum/spatial/r3"
)

// Cloud is a point cloud: XYZ holds 3 float32 per point, RGB 3 bytes per point, and Scalar,
// when ScalarName is not empty, one float32 per point.
type Cloud struct {
	XYZ        []float32
	RGB        []uint8
	Scalar     []float32
	ScalarName string
}

// Len returns the number of points.
func (c *Cloud) Len() int { return len(c.XYZ) / 3 }

func (c *Cloud) check() error {
	n := c.Len()
	if len(c.XYZ) != 3*n || len(c.RGB) != 3*n {
		return fmt.Errorf("export: cloud has %d coordinates and %d colour bytes, want 3 per point", len(c.XYZ), len(c.RGB))
	}
	if c.ScalarName != "" && len(c.Scalar) != n {
		return fmt.Errorf("export: cloud has %d %s values for %d points", len(c.Scalar), c.ScalarName, n)
	}
	return nil
}

// Scalar selects the per-point scalar of [WorldCloud].
type Scalar string

// The scalars WorldCloud can attach.
const (
	ScalarNone   Scalar = ""
	ScalarTime   Scalar = "time"   // the frame's timestamp in seconds
	ScalarObject Scalar = "object" // the id of the object whose mask covers the pixel, 0 if none
)

// CloudOptions select what WorldCloud takes from a scene.
type CloudOptions struct {
	Frames []int  // frames to include; nil means all
	Step   int    // keep every Step-th pixel in x and y (default 1)
	Scalar Scalar // per-point scalar
}

// WorldCloud builds the world point cloud of a scene (see the package doc).
func WorldCloud(s *scene.Scene, opt CloudOptions) (*Cloud, error) {
	frames := opt.Frames
	if frames == nil {
		for i := range s.N {
			frames = append(frames, i)
		}
	}
	step := max(opt.Step, 1)
	c := &Cloud{}
	switch opt.Scalar {
	case ScalarNone:
	case ScalarTime, ScalarObject:
		c.ScalarName = string(opt.Scalar)
	default:
		return nil, fmt.Errorf("export: scalar %q, want time, object or none", opt.Scalar)
	}
	valid := make([]bool, s.H*s.W)
	imgW, imgH := s.ImageSize[0], s.ImageSize[1]
	for _, i := range frames {
		if i < 0 || i >= s.N {
			return nil, fmt.Errorf("export: frame %d, want 0..%d", i, s.N-1)
		}
		img, err := s.Frame(i)
		if err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
		s.ValidMask(i, valid)
		pose := s.Pose(i)
		pm := s.PointMap(i)
		for y := 0; y < s.H; y += step {
			for x := 0; x < s.W; x += step {
				if !valid[y*s.W+x] {
					continue
				}
				w := pose.Apply(pm.At(x, y))
				c.XYZ = append(c.XYZ, float32(w.X), float32(w.Y), float32(w.Z))
				// The first video pixel of the block that nearest-neighbour upsampling maps
				// to this point-map pixel.
				mx := min(x*imgW/s.W, imgW-1)
				my := min(y*imgH/s.H, imgH-1)
				c.RGB = append(c.RGB, pixelColour(img, x, y, s.W, s.H, i, s.N)...)
				switch opt.Scalar {
				case ScalarTime:
					c.Scalar = append(c.Scalar, float32(s.Timestamps[i]))
				case ScalarObject:
					id := 0
					for _, o := range s.Objects {
						if m := s.Mask(o.ID, i); m != nil && m[my*imgW+mx] {
							id = o.ID
							break
						}
					}
					c.Scalar = append(c.Scalar, float32(id))
				}
			}
		}
	}
	return c, nil
}

// pixelColour samples the frame image at the point-map pixel (x, y), or, without an image,
// colours by time along a blue → red ramp.
func pixelColour(img image.Image, x, y, w, h, i, n int) []uint8 {
	if img == nil {
		t := 0.0
		if n > 1 {
			t = float64(i) / float64(n-1)
		}
		return []uint8{uint8(math.Round(255 * t)), 64, uint8(math.Round(255 * (1 - t)))}
	}
	b := img.Bounds()
	ix := b.Min.X + min(int((float64(x)+0.5)*float64(b.Dx())/float64(w)), b.Dx()-1)
	iy := b.Min.Y + min(int((float64(y)+0.5)*float64(b.Dy())/float64(h)), b.Dy()-1)
	r, g, bl, _ := img.At(ix, iy).RGBA()
	return []uint8{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8)}
}

// bounds returns the per-axis minimum and maximum of the cloud's points.
func bounds(xyz []float32) (lo, hi r3.Vec) {
	lo = r3.Vec{X: math.Inf(1), Y: math.Inf(1), Z: math.Inf(1)}
	hi = r3.Vec{X: math.Inf(-1), Y: math.Inf(-1), Z: math.Inf(-1)}
	for k := 0; k+2 < len(xyz); k += 3 {
		lo.X, hi.X = math.Min(lo.X, float64(xyz[k])), math.Max(hi.X, float64(xyz[k]))
		lo.Y, hi.Y = math.Min(lo.Y, float64(xyz[k+1])), math.Max(hi.Y, float64(xyz[k+1]))
		lo.Z, hi.Z = math.Min(lo.Z, float64(xyz[k+2])), math.Max(hi.Z, float64(xyz[k+2]))
	}
	return lo, hi
}
