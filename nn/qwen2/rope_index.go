package qwen2

import (
	"fmt"
	"slices"
)

// VisionInput is one image or video of a prompt as get_rope_index sees it: its patch grid
// (image_grid_thw / video_grid_thw, before the merger) and, for a video, the seconds one
// temporal patch spans (second_per_grid_ts; 0 for an image).
type VisionInput struct {
	Video         bool
	T, H, W       int
	SecondPerGrid float64
}

// RopeIndex returns the 3-row positions of ids as Qwen2.5-VL's get_rope_index computes them:
// text tokens count up on all three rows; the pads of the i-th vision input (found, as the
// reference does, after each <|vision_start|>) take (t·second_per_grid·tokens_per_second, h,
// w) over its merged grid, offset by where the input starts; the text after it resumes at the
// largest position + 1. It also returns the next position after the last token (the decoding
// position: len(ids) + mrope_position_deltas).
func (c Config) RopeIndex(ids []int, vision []VisionInput) ([][3]float32, int, error) {
	pos := make([][3]float32, 0, len(ids))
	next := 0 // st_idx: largest position so far + 1
	st := 0
	for vi, v := range vision {
		pad := c.ImageToken
		if v.Video {
			pad = c.VideoToken
		}
		ed := slices.Index(ids[st:], pad)
		if ed < 0 {
			return nil, 0, fmt.Errorf("qwen2: rope index: vision input %d: no pad token %d after position %d", vi, pad, st)
		}
		ed += st
		m := max(c.SpatialMerge, 1)
		if v.T <= 0 || v.H <= 0 || v.W <= 0 || v.H%m != 0 || v.W%m != 0 {
			return nil, 0, fmt.Errorf("qwen2: rope index: vision input %d: grid %dx%dx%d is not positive or not a multiple of the merge size %d", vi, v.T, v.H, v.W, m)
		}
		gh, gw := v.H/m, v.W/m
		n := v.T * gh * gw
		if ed+n > len(ids) {
			return nil, 0, fmt.Errorf("qwen2: rope index: vision input %d needs %d pads from position %d, the prompt has %d tokens", vi, n, ed, len(ids))
		}
		for i := st; i < ed; i++ {
			p := float32(next + i - st)
			pos = append(pos, [3]float32{p, p, p})
		}
		base := next + ed - st
		top := base
		for t := range v.T {
			// torch: (arange(t) * second_per_grid_t * tokens_per_second).long(): truncation.
			tt := int(float64(t) * v.SecondPerGrid * c.TokensPerSecond)
			for h := range gh {
				for w := range gw {
					pos = append(pos, [3]float32{float32(base + tt), float32(base + h), float32(base + w)})
					top = max(top, base+tt, base+h, base+w)
				}
			}
		}
		next = top + 1
		st = ed + n
	}
	for i := st; i < len(ids); i++ {
		p := float32(next + i - st)
		pos = append(pos, [3]float32{p, p, p})
	}
	if st < len(ids) {
		next += len(ids) - st
	}
	return pos, next, nil
}
