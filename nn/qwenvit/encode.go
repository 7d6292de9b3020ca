package qwenvit

import (
	"fmt"

	"github.com/dsr4d/dsr4d/internal/resample"
	"github.com/dsr4d/dsr4d/nn"
)

// Clip is one video's frames as the tower sees them, with what the LLM needs to place it.
type Clip struct {
	Patches []float32 // (Grid's t·h·w, PatchDim), Patchify's layout
	Grid    [3]int    // (t, h, w) in patches: video_grid_thw
	// SecondPerGridT is TemporalPatchSize / the sampled fps (second_per_grid_ts).
	SecondPerGridT float64
}

// FramesClip prepares frames given as images (a frames directory: qwen-vl-utils' fetch_video
// on a list; fps is the rate they were taken at, 2 if 0): Preprocess with the image pixel
// bounds (MinPixels and MaxPixels if 0).
func (c Config) FramesClip(frames []resample.Image, fps float64, minPixels, maxPixels int) (Clip, error) {
	if fps == 0 {
		fps = FPS
	}
	if minPixels == 0 {
		minPixels = MinPixels
	}
	if maxPixels == 0 {
		maxPixels = MaxPixels
	}
	p, g, err := c.Preprocess(frames, minPixels, maxPixels)
	if err != nil {
		return Clip{}, err
	}
	return Clip{Patches: p, Grid: g, SecondPerGridT: float64(c.TemporalPatchSize) / fps}, nil
}

// VideoClip prepares frames sampled from a decoded video (Frames and FrameIndices chose them
// from total frames at videoFPS): fetch_video's size for that many frames (o.Size), each frame
// resized with Pillow's bicubic (qwen-vl-utils resizes the decoded tensor with torchvision's
// antialiased bicubic in float, which differs from this by the uint8 rounding of the result),
// then Patchify; SecondPerGridT from the sample fps.
func (c Config) VideoClip(frames []resample.Image, total int, videoFPS float64, o VideoOptions) (Clip, error) {
	if len(frames) == 0 {
		return Clip{}, fmt.Errorf("qwenvit: no frames")
	}
	h, w, err := o.Size(len(frames), frames[0].H, frames[0].W)
	if err != nil {
		return Clip{}, err
	}
	resized, err := Resize(frames, h, w)
	if err != nil {
		return Clip{}, err
	}
	p, g, err := c.Patchify(resized)
	if err != nil {
		return Clip{}, err
	}
	return Clip{Patches: p, Grid: g, SecondPerGridT: float64(c.TemporalPatchSize) / SampleFPS(total, len(frames), videoFPS)}, nil
}

// Encode runs the tower on clips (one forward pass, each clip its own attention segments) and
// returns their tokens on be, (Σ Tokens(grid), OutHidden) in clip order — what replaces the
// <|video_pad|> embeddings of the prompt — and the grids. The caller releases the tensor; a
// device failure shows at its Read or Sync.
func (m *Model) Encode(be nn.Backend, clips ...Clip) (*nn.Tensor, [][3]int, error) {
	var all []float32
	var grids [][3]int
	for i, c := range clips {
		n := c.Grid[0] * c.Grid[1] * c.Grid[2]
		if len(c.Patches) != n*m.PatchDim() {
			return nil, nil, fmt.Errorf("qwenvit: clip %d: %d patch values for grid %v", i, len(c.Patches), c.Grid)
		}
		all = append(all, c.Patches...)
		grids = append(grids, c.Grid)
	}
	if _, err := m.checkGrids(grids); err != nil {
		return nil, nil, err
	}
	s := be.Scope()
	defer s.Close()
	x := be.New(all, len(all)/m.PatchDim(), m.PatchDim())
	y, err := m.Forward(x, grids)
	if err != nil {
		return nil, nil, err
	}
	return s.Keep(y), grids, nil
}
