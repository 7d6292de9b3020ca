// Package qwenvl is Qwen2.5-VL end to end (transformers' Qwen2_5_VLForConditionalGeneration):
// nn/qwenvit's vision tower fills the <|video_pad|> / <|image_pad|> embeddings of a prompt that
// nn/qwen2's language model then reads at the M-RoPE positions of qwen2.Config.RopeIndex. It
// owns only that glue: loading both halves of one checkpoint, the tower's tokens replacing the
// pads in order (Qwen2_5_VLModel.forward's masked_scatter, qwen2.Model.LogitsVision), the
// positions from each clip's grid and second_per_grid_ts, and random checkpoints with both.
//
// # Use
//
//	m, _ := qwenvl.Load(be, dir)                       // config.json, weights: model.* and visual.*
//	clip, _ := m.VisionCfg.FramesClip(frames, 0, 0, 0) // frame images → patches, grid
//	ids, _ := tok.EncodeChat(msgs, opts, nil, []tokenizer.Grid{{T: g[0], H: g[1], W: g[2]}}, merge) // g = clip.Grid
//	res, _ := m.Generate(ids, []qwenvit.Clip{clip}, opt)
//
// Each clip is one video: the prompt holds its VisionCfg.Tokens(grid) <|video_pad|> tokens
// between <|vision_start|> and <|vision_end|>, clips in prompt order.
//
// Fidelity: scripts/golden_qwenvl.py runs the two float64 re-statements (golden_qwen2.py's
// decoder, golden_qwenvit.py's tower) as one model on a prompt with a clip of PNG frames; the
// tests hold the ref, CPU and Vulkan backends to its logits (NMSE ≤ 1e-6) and greedy ids.
package qwenvl
