package qwenvit

import (
	"fmt"
	"math"

	"github.com/dsr4d/dsr4d/internal/resample"
)

// The constants of qwen-vl-utils' vision_process.py (the DSR Suite's copy).
const (
	ImageFactor    = 28
	MinPixels      = 4 * 28 * 28
	MaxPixels      = 16384 * 28 * 28
	MaxRatio       = 200
	VideoMinPixels = 128 * 28 * 28
	VideoMaxPixels = 768 * 28 * 28
	FrameFactor    = 2
	FPS            = 2.0
	FPSMinFrames   = 4
	FPSMaxFrames   = 768
	// VideoTotalPixels is VIDEO_TOTAL_PIXELS without its environment override:
	// int(128000 · 28 · 28 · 0.9).
	VideoTotalPixels = 90316800
)

// CLIP's mean and std (OPENAI_CLIP_MEAN/STD), Qwen2VLImageProcessor's normalisation.
var (
	ImageMean = [3]float64{0.48145466, 0.4578275, 0.40821073}
	ImageStd  = [3]float64{0.26862954, 0.26130258, 0.27577711}
)

// Python's round (half to even) of a / f, times f.
func roundBy(a float64, f int) int { return int(math.RoundToEven(a/float64(f))) * f }
func ceilBy(a float64, f int) int  { return int(math.Ceil(a/float64(f))) * f }
func floorBy(a float64, f int) int { return int(math.Floor(a/float64(f))) * f }

// SmartResize is qwen-vl-utils' smart_resize: the size nearest (height, width) with both sides
// multiples of factor, its area within [minPixels, maxPixels], the aspect ratio kept as far as
// that allows. An aspect ratio over 200 is an error.
func SmartResize(height, width, factor, minPixels, maxPixels int) (h, w int, err error) {
	if height <= 0 || width <= 0 || factor <= 0 {
		return 0, 0, fmt.Errorf("qwenvit: smart_resize: size %dx%d, factor %d", width, height, factor)
	}
	if r := float64(max(height, width)) / float64(min(height, width)); r > MaxRatio {
		return 0, 0, fmt.Errorf("qwenvit: smart_resize: absolute aspect ratio must be smaller than %d, got %v", MaxRatio, r)
	}
	hf, wf := float64(height), float64(width)
	h, w = max(factor, roundBy(hf, factor)), max(factor, roundBy(wf, factor))
	if h*w > maxPixels {
		beta := math.Sqrt(hf * wf / float64(maxPixels))
		h, w = max(factor, floorBy(hf/beta, factor)), max(factor, floorBy(wf/beta, factor))
	} else if h*w < minPixels {
		beta := math.Sqrt(float64(minPixels) / (hf * wf))
		h, w = ceilBy(hf*beta, factor), ceilBy(wf*beta, factor)
	}
	return h, w, nil
}

// VideoOptions are the per-video keys of a qwen-vl-utils message; zero values take the
// defaults. NFrames (a fixed count) and FPS are exclusive, as there.
type VideoOptions struct {
	NFrames              int
	FPS                  float64 // frames sampled per second (2)
	MinFrames, MaxFrames int     // 4; min(768, total)
	MinPixels, MaxPixels int     // VideoMinPixels; the budget VideoPixels computes
	TotalPixels          int     // VideoTotalPixels
}

// Frames is smart_nframes: how many of total frames (at videoFPS) a decoded video keeps — a
// multiple of FrameFactor in [FrameFactor, total].
func (o VideoOptions) Frames(total int, videoFPS float64) (int, error) {
	if o.NFrames > 0 && o.FPS > 0 {
		return 0, fmt.Errorf("qwenvit: video options: only one of nframes and fps")
	}
	var n int
	if o.NFrames > 0 {
		n = roundBy(float64(o.NFrames), FrameFactor)
	} else {
		if videoFPS <= 0 {
			return 0, fmt.Errorf("qwenvit: video fps %v", videoFPS)
		}
		fps := o.FPS
		if fps == 0 {
			fps = FPS
		}
		minF := FPSMinFrames
		if o.MinFrames > 0 {
			minF = o.MinFrames
		}
		maxF := min(FPSMaxFrames, total)
		if o.MaxFrames > 0 {
			maxF = o.MaxFrames
		}
		lo, hi := float64(ceilBy(float64(minF), FrameFactor)), float64(floorBy(float64(maxF), FrameFactor))
		f := float64(total) / videoFPS * fps
		n = floorBy(min(min(max(f, lo), hi), float64(total)), FrameFactor)
	}
	if n < FrameFactor || n > total {
		return 0, fmt.Errorf("qwenvit: nframes should be in [%d, %d], got %d", FrameFactor, total, n)
	}
	return n, nil
}

// FrameIndices are the frames kept: torch.linspace(0, total−1, n).round() as torch 1.13's CPU
// kernel computes it in float32 — step = (total−1)/(n−1); the first half start + step·i, the
// second end − step·(n−1−i), each one fused multiply-add; in blocks of 2×8 lanes (AVX2) a
// lane adds lane·step to its block's base; the tail scalar — then round half to even. Exact
// rationals differ from it on long videos (e.g. frame 45502 vs torch's 45501 of 100000).
func FrameIndices(total, n int) []int {
	idx := make([]int, n)
	if n <= 1 {
		return idx
	}
	start, end := float32(0), float32(total-1)
	step := (end - start) / float32(n-1)
	half := n / 2
	at := func(i int) float32 { // the scalar form, and a vector block's base
		if i < half {
			return float32(float64(step)*float64(i) + float64(start))
		}
		return float32(float64(-step)*float64(n-1-i) + float64(end))
	}
	const lanes = 8
	i := 0
	for ; i+2*lanes <= n; i += 2 * lanes {
		for v := i; v < i+2*lanes; v += lanes {
			base := at(v)
			for l := range lanes {
				// The conversion keeps Go from fusing the multiply-add, which torch does not.
				idx[v+l] = int(math.RoundToEven(float64(base + float32(float32(l)*step))))
			}
		}
	}
	for ; i < n; i++ {
		idx[i] = int(math.RoundToEven(float64(at(i))))
	}
	return idx
}

// SampleFPS is the rate of the kept frames: n / total · videoFPS.
func SampleFPS(total, n int, videoFPS float64) float64 {
	return float64(n) / max(float64(total), 1e-6) * videoFPS
}

// Size is fetch_video's frame size for nframes decoded frames of height × width: smart_resize
// with min_pixels and a max_pixels of max(min(VideoMaxPixels, total_pixels / nframes · 2),
// ⌊min_pixels · 1.05⌋), lowered to o.MaxPixels if set.
func (o VideoOptions) Size(nframes, height, width int) (h, w int, err error) {
	minP, total := VideoMinPixels, VideoTotalPixels
	if o.MinPixels > 0 {
		minP = o.MinPixels
	}
	if o.TotalPixels > 0 {
		total = o.TotalPixels
	}
	maxP := max(min(float64(VideoMaxPixels), float64(total)/float64(nframes)*FrameFactor), float64(int(float64(minP)*1.05)))
	if o.MaxPixels > 0 {
		maxP = min(float64(o.MaxPixels), maxP)
	}
	// smart_resize compares the integer area with the float budget: the floor keeps h·w ≤ maxP.
	return SmartResize(height, width, ImageFactor, minP, int(math.Floor(maxP)))
}

// Patchify is Qwen2VLImageProcessor's tail for frames already resized (all the same size,
// sides multiples of PatchSize·MergeSize, RGB): rescale by 1/255, CLIP normalise, repeat the
// last frame up to a multiple of TemporalPatchSize, and lay out the patches as
// (grid_t, grid_h/m, grid_w/m, m, m) rows of (C, T, P, P) values. It returns the rows
// (grid_t·grid_h·grid_w, PatchDim) and grid (t, h, w).
func (c Config) Patchify(frames []resample.Image) ([]float32, [3]int, error) {
	if len(frames) == 0 {
		return nil, [3]int{}, fmt.Errorf("qwenvit: no frames")
	}
	H, W := frames[0].H, frames[0].W
	for i, f := range frames {
		if f.H != H || f.W != W || f.C != c.InChans || len(f.Pix) != H*W*f.C {
			return nil, [3]int{}, fmt.Errorf("qwenvit: frame %d is %dx%dx%d, want %dx%dx%d", i, f.W, f.H, f.C, W, H, c.InChans)
		}
	}
	if H%c.Factor() != 0 || W%c.Factor() != 0 {
		return nil, [3]int{}, fmt.Errorf("qwenvit: frames %dx%d are not multiples of %d", W, H, c.Factor())
	}
	T, P, m, C := c.TemporalPatchSize, c.PatchSize, c.MergeSize, c.InChans
	for len(frames)%T != 0 {
		frames = append(frames[:len(frames):len(frames)], frames[len(frames)-1])
	}
	gt, gh, gw := len(frames)/T, H/P, W/P
	// Per channel, v/255 then (v − mean)/std, as a table of the 256 byte values.
	var lut [3][256]float32
	for ch := range min(C, 3) {
		for v := range 256 {
			lut[ch][v] = float32((float64(v)/255 - ImageMean[ch]) / ImageStd[ch])
		}
	}
	out := make([]float32, 0, gt*gh*gw*c.PatchDim())
	for t := range gt {
		for by := range gh / m {
			for bx := range gw / m {
				for i := range m {
					for j := range m {
						y0, x0 := (by*m+i)*P, (bx*m+j)*P
						for ch := range C {
							for dt := range T {
								f := frames[t*T+dt]
								for py := range P {
									row := f.Pix[((y0+py)*W+x0)*C:]
									for px := range P {
										out = append(out, lut[ch][row[px*C+ch]])
									}
								}
							}
						}
					}
				}
			}
		}
	}
	return out, [3]int{gt, gh, gw}, nil
}

// Resize resizes every frame to (h, w) with Pillow's bicubic filter (fetch_image's
// image.resize, byte for byte), as frames given as images are.
func Resize(frames []resample.Image, h, w int) ([]resample.Image, error) {
	out := make([]resample.Image, len(frames))
	for i, f := range frames {
		r, err := resample.Resize(f, w, h, resample.Bicubic)
		if err != nil {
			return nil, fmt.Errorf("qwenvit: frame %d: %w", i, err)
		}
		out[i] = r
	}
	return out, nil
}

// Preprocess is the path of a video given as frame images (qwen-vl-utils' fetch_video on a
// list, what `--frames DIR` feeds): each frame resized by fetch_image (SmartResize with
// minPixels, maxPixels and factor 28, Pillow bicubic), the count padded to even by repeating
// the last frame, then Patchify. The frames must share one size.
func (c Config) Preprocess(frames []resample.Image, minPixels, maxPixels int) ([]float32, [3]int, error) {
	if len(frames) == 0 {
		return nil, [3]int{}, fmt.Errorf("qwenvit: no frames")
	}
	for i, f := range frames {
		if f.W != frames[0].W || f.H != frames[0].H {
			return nil, [3]int{}, fmt.Errorf("qwenvit: frame %d is %dx%d, frame 0 %dx%d", i, f.W, f.H, frames[0].W, frames[0].H)
		}
	}
	h, w, err := SmartResize(frames[0].H, frames[0].W, c.Factor(), minPixels, maxPixels)
	if err != nil {
		return nil, [3]int{}, err
	}
	resized, err := Resize(frames, h, w)
	if err != nil {
		return nil, [3]int{}, err
	}
	return c.Patchify(resized)
}
