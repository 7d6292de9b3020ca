package pi3

import (
	"fmt"
	"image"
	_ "image/jpeg" // frame formats π³'s loader takes
	_ "image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/dsr4d/dsr4d/internal/resample"
)

// PixelLimit is load_images_as_tensor's default PIXEL_LIMIT.
const PixelLimit = 255000

// TargetSize is load_images_as_tensor's size rule for a w×h first frame: scale to about limit
// pixels, round each side to a multiple of 14 (Python's round, half to even), then shrink the
// side that is relatively too long until the area is within limit.
func TargetSize(w, h, limit int) (tw, th int) {
	scale := 1.0
	if w*h > 0 {
		scale = math.Sqrt(float64(limit) / float64(w*h))
	}
	wt, ht := float64(w)*scale, float64(h)*scale
	k, m := int(math.RoundToEven(wt/14)), int(math.RoundToEven(ht/14))
	for (k*14)*(m*14) > limit && k > 0 && m > 0 {
		if float64(k)/float64(m) > wt/ht {
			k--
		} else {
			m--
		}
	}
	return max(1, k) * 14, max(1, m) * 14
}

// FrameFiles lists the .png/.jpg/.jpeg files of dir in the DSR Suite loader's order: by the
// integer value of the name before its first dot (its frames are 000.jpg, 001.jpg, …); when a
// name is not an integer, by name.
func FrameFiles(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	numeric := true
	for _, e := range ents {
		switch strings.ToLower(filepath.Ext(e.Name())) {
		case ".png", ".jpg", ".jpeg":
			names = append(names, e.Name())
			if _, err := strconv.Atoi(strings.SplitN(e.Name(), ".", 2)[0]); err != nil {
				numeric = false
			}
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%s: no frames (.png, .jpg, .jpeg)", dir)
	}
	key := func(s string) int { v, _ := strconv.Atoi(strings.SplitN(s, ".", 2)[0]); return v }
	slices.SortFunc(names, func(a, b string) int {
		if numeric && key(a) != key(b) {
			return key(a) - key(b)
		}
		return strings.Compare(a, b)
	})
	for i, n := range names {
		names[i] = filepath.Join(dir, n)
	}
	return names, nil
}

// Frames is a batch of frames prepared for Forward.
type Frames struct {
	N, H, W int       // frame count and the π³ size (multiples of 14)
	OrigW   int       // size of the source frames
	OrigH   int       //
	Pix     []float32 // (N,3,H,W) in [0,1]
}

// LoadFrames reads and prepares frames as load_images_as_tensor does: RGB, resized to
// TargetSize of the first frame with Pillow's LANCZOS, values / 255. Unlike the reference (which
// resizes every frame to the first frame's target, skipping unreadable ones), frames of another
// size than the first and unreadable frames are errors naming the file: a scene has one image size.
func LoadFrames(paths []string, limit int) (*Frames, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("pi3: no frames")
	}
	var fr *Frames
	for i, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		img, _, err := image.Decode(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		src := resample.FromImage(img)
		if fr == nil {
			w, h := TargetSize(src.W, src.H, limit)
			fr = &Frames{N: len(paths), W: w, H: h, OrigW: src.W, OrigH: src.H, Pix: make([]float32, len(paths)*3*w*h)}
		} else if src.W != fr.OrigW || src.H != fr.OrigH {
			return nil, fmt.Errorf("%s: %d×%d, but the first frame %s is %d×%d: frames must have one size", p, src.W, src.H, paths[0], fr.OrigW, fr.OrigH)
		}
		r, err := resample.Resize(src, fr.W, fr.H, resample.Lanczos)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		hw := fr.W * fr.H
		dst := fr.Pix[i*3*hw:]
		for k := range hw {
			for c := range 3 {
				dst[c*hw+k] = float32(r.Pix[k*3+c]) / 255
			}
		}
	}
	return fr, nil
}
