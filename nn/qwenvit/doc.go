// Package qwenvit is Qwen2.5-VL's vision tower (transformers'
// Qwen2_5_VisionTransformerPretrainedModel, the plain tower the DSR Suite's
// Qwen2_5_VisionTransformerPretrainedModel_Spatial runs unchanged before its spatial branch) on
// the nn layers, with the preprocessing that feeds it (qwen-vl-utils and Qwen2VLImageProcessor).
// The M-RoPE positions of a prompt with vision tokens are nn/qwen2's Config.RopeIndex.
//
// # Use (the LLM's side; nn/qwenvl does all of this)
//
//	cfg, _ := qwenvit.LoadConfig("model/config.json")     // vision_config
//	m, _ := qwenvit.New(cfg)
//	_ = m.Load(be, set, qwenvit.Prefix)                     // "visual.*" of the checkpoint
//	clip, _ := cfg.FramesClip(frames, 0, 0, 0)              // frame images → patches, grid
//	tokens, grids, _ := m.Encode(be, clip)                  // (Tokens(grid), OutHidden) on be
//	pos, delta, _ := llmCfg.RopeIndex(ids, []qwen2.VisionInput{{Video: true, T: grids[0][0],
//		H: grids[0][1], W: grids[0][2], SecondPerGrid: clip.SecondPerGridT}})
//
// The prompt holds Tokens(grid) <|video_pad|> tokens per clip between <|vision_start|> and
// <|vision_end|>; their embeddings are replaced by the rows of tokens in order. For a decoded
// video, VideoOptions.Frames and FrameIndices choose the frames (smart_nframes and torch's
// float32 linspace) and VideoClip sizes them by fetch_video's pixel budget.
//
// # The tower
//
// Patches are rows of C·T·P·P = 3·2·14·14 values (Patchify: CLIP-normalised, the last frame
// repeated to an even count, rows ordered (t, h/2, w/2, 2, 2)). The Conv3d patch embedding with
// stride = kernel is a Linear over those rows (its 5-D weight read as 2-D by Load). Rows are
// permuted so each 112-px window (WindowTokens² merged tokens = 8×8 patches, get_window_index)
// is contiguous, and the 2-D rotary table (rot_pos_emb, θ 10000, nn.VisionRoPETable) is
// permuted with them. Blocks are pre-norm RMSNorm (eps 1e-6), fused-qkv attention with bias and
// a SwiGLU MLP with biases; blocks in fullatt_block_indexes attend within each frame (one
// segment per temporal step, cu_seqlens), the others within each window (segments of
// nn.AttnOpts, never a score matrix). The merger (ln_q RMSNorm, groups of 4 rows, Linear, GELU,
// Linear) makes one token per 2×2 patches, and the inverse permutation restores processor
// order. All of it is one batch of ops per Encode on either backend; 16-bit weights stay 16-bit.
//
// # Where this follows the reference code rather than the wording
//
//   - "Full attention" blocks attend per frame, not across the clip: cu_seqlens is h·w repeated t
//     times in the reference.
//   - Frames given as images are resized by Pillow's bicubic (fetch_image; internal/resample is
//     byte-exact); a decoded video is resized in the reference by torchvision's antialiased
//     bicubic on float tensors, here by the same Pillow path, so values differ by the uint8
//     rounding of the resized frame.
//   - FrameIndices reproduces torch 1.13's float32 linspace on an AVX2 CPU (FMA for the block
//     bases, 8-lane blocks), which differs from exact rounding on long videos; on another vector
//     width torch itself would pick slightly different frames.
//
// Goldens: scripts/golden_qwenvit.py, an independent float64 torch re-statement (transformers
// is not installable here) with a tiny config (Tiny: depth 4, block 2 full, 56-px windows that
// split the frames, including partial windows).
package qwenvit
