package qwenvit

import "fmt"

// Qwen2.5-VL's vision token ids (tokenizer.json's added tokens).
const (
	VisionStartID = 151652
	VisionEndID   = 151653
	ImagePadID    = 151655
	VideoPadID    = 151656
)

// Vision is one image or video of a prompt, in order of appearance: its grid in patches and,
// for a video, the seconds one temporal step spans (second_per_grid_ts: temporal_patch_size /
// the sampled fps).
type Vision struct {
	Grid           [3]int
	Video          bool
	SecondPerGridT float64
}

// RopeIndex is Qwen2_5_VLModel.get_rope_index for one sequence: the M-RoPE (t, h, w) position
// of each token and the rope delta (max position + 1 − len(ids)) that decoding adds to its
// positions. Text counts on from the largest position so far plus one, on all three axes; the
// run of pad tokens of vision v (Grid's t·h·w / merge² of them, imagePad or videoPad) gets
// (⌊k·s⌋·tokensPerSecond, row, col) over its merged grid, offset by the position where it
// starts, with s = SecondPerGridT truncated to an integer as transformers' get_rope_index does
// (torch.as_tensor(s, dtype=int64) before the product; lmms-eval issue #1393 reports it), and
// s = 0 for an image. The DSR Suite's training collator (qwenvl/data/rope2d.py) and its spatial
// branch (gsm.VisionPositions) keep s fractional and truncate the product instead; at the
// default 2 fps s = 1 and all agree.
func RopeIndex(ids []int, visions []Vision, merge, tokensPerSecond int) (pos [][3]int, delta int, err error) {
	pos = make([][3]int, 0, len(ids))
	next := 0 // the largest position so far + 1
	v := 0
	for i := 0; i < len(ids); {
		id := ids[i]
		if id != ImagePadID && id != VideoPadID {
			pos = append(pos, [3]int{next, next, next})
			next++
			i++
			continue
		}
		if v >= len(visions) {
			return nil, 0, fmt.Errorf("qwenvit: rope index: token %d starts vision %d, only %d given", i, v, len(visions))
		}
		vis := visions[v]
		g := vis.Grid
		if g[0] <= 0 || g[1] <= 0 || g[2] <= 0 || g[1]%merge != 0 || g[2]%merge != 0 {
			return nil, 0, fmt.Errorf("qwenvit: rope index: vision %d grid %v", v, g)
		}
		if want := map[bool]int{false: ImagePadID, true: VideoPadID}[vis.Video]; id != want {
			return nil, 0, fmt.Errorf("qwenvit: rope index: token %d is %d, vision %d wants %d", i, id, v, want)
		}
		lh, lw := g[1]/merge, g[2]/merge
		n := g[0] * lh * lw
		if i+n > len(ids) {
			return nil, 0, fmt.Errorf("qwenvit: rope index: vision %d needs %d pad tokens from %d, the sequence has %d", v, n, i, len(ids))
		}
		s := 0
		if vis.Video {
			s = int(vis.SecondPerGridT) // int64 cast: truncation toward zero
		}
		top := next
		for k := range g[0] {
			for y := range lh {
				for x := range lw {
					if ids[i] != id {
						return nil, 0, fmt.Errorf("qwenvit: rope index: token %d is %d inside vision %d's %d pads", i, ids[i], v, n)
					}
					p := [3]int{next + k*s*tokensPerSecond, next + y, next + x}
					top = max(top, p[0], p[1], p[2])
					pos = append(pos, p)
					i++
				}
			}
		}
		next = top + 1
		v++
	}
	if v != len(visions) {
		return nil, 0, fmt.Errorf("qwenvit: rope index: %d visions given, the sequence has %d", len(visions), v)
	}
	return pos, next - len(ids), nil
}
