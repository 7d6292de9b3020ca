package scene

import (
	"fmt"
	"image"
	_ "image/jpeg" // frames/ holds PNG or JPEG
	_ "image/png"
	"os"
)

// Frame decodes RGB frame i (nil when the scene has no frames/). The image header is checked
// against image_size before anything is decoded, so a forged frame cannot make it allocate more
// than the scene declares.
func (s *Scene) Frame(i int) (image.Image, error) {
	if len(s.Frames) != s.N {
		return nil, nil
	}
	if i < 0 || i >= s.N {
		return nil, fmt.Errorf("frame %d, want 0..%d", i, s.N-1)
	}
	path := s.Frames[i]
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cfg, _, err := image.DecodeConfig(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if cfg.Width != s.ImageSize[0] || cfg.Height != s.ImageSize[1] {
		return nil, fmt.Errorf("%s: %dx%d, want the scene's image_size %dx%d", path, cfg.Width, cfg.Height, s.ImageSize[0], s.ImageSize[1])
	}
	if _, err := f.Seek(0, 0); err != nil {
		return nil, err
	}
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return img, nil
}
