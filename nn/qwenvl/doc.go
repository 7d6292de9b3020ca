// Package qwenvl is Qwen2.5-VL end to end (transformers' Qwen2_5_VLForConditionalGeneration)
// and the DSR model built on it (the DSR Suite's Qwen2_5_VLForConditionalGeneration_Spatial):
// nn/qwenvit's vision tower fills the <|video_pad|> / <|image_pad|> embeddings of a prompt that
// nn/qwen2's language model then reads at the M-RoPE positions of qwen2.Config.RopeIndex. It
// owns only that glue: loading the parts of one checkpoint, the tower's tokens replacing the
// pads in order (Qwen2_5_VLModel.forward's masked_scatter, qwen2.Model.LogitsVision), the
// positions from each clip's grid and second_per_grid_ts, the spatial branch's wiring, and
// random checkpoints with every part.
//
// # The DSR model
//
// A checkpoint with visual.q_former_queries is the DSR model (Model.Spatial). Its vision
// output is the tower's tokens followed by 32 geometry tokens: the clip's own patches put back
// into frames (dinov2.FromQwenPatches), encoded by DINOv2 (visual.spatial_encoder.*: the
// reference's fixed dinov2_vitl14_reg, dinov2.DSRSpatial; a config's vision_config.spatial_encoder
// — a dsr4d extension — sizes a smaller one for tests), and the GSM (nn/gsm, its Q-Formers
// sized by the language model's config as Qwen2_5_QFormer(config_all) is) over those features
// and the prompt's text states: the embed_tokens rows of every prompt token except the
// reference's non_text_tokens (<|endoftext|>, <|im_start|>, <|im_end|>, <|vision_start|> …
// <|video_pad|>; found from vision_start_token_id, where Qwen numbers its added tokens in a
// fixed order). PromptIDs inserts 32 more <|video_pad|> after the first run (as the DSR Suite's
// evaluation scripts do) and the geometry tokens fill them; get_rope_index gives those slots
// text positions. Geometry is computed once per prompt, as generation with a KV cache runs the
// visual branch at prefill only. One video per prompt: the reference's batch-1 masks let the
// queries see the first video only, so more is an error here.
//
// Where this follows the reference code over the wording: the DSR Suite's DINOv2 copy
// resizes its position table by size with antialiasing (interpolate_antialias=True,
// interpolate_offset=0.0), unlike π³'s (offset 0.1, no antialiasing). The reference's
// constructor also sets vision_config.hidden_size = out_hidden_size on its config object; a
// released DSR config.json saved after that would carry the LLM width there, which
// qwenvit.ParseConfig would then reject or misread (not seen here: no released config at hand).
//
// # Use
//
//	m, _ := qwenvl.Load(be, dir)                       // config.json, weights: model.* and visual.*
//	clip, _ := m.VisionCfg.FramesClip(frames, 0, 0, 0) // frame images → patches, grid
//	ids, _ := tok.EncodeChat(msgs, opts, nil, []tokenizer.Grid{{T: g[0], H: g[1], W: g[2]}}, merge) // g = clip.Grid
//	res, _ := m.Generate(m.PromptIDs(ids), []qwenvit.Clip{clip}, opt)
//
// Each clip is one video: the prompt holds its VisionCfg.Tokens(grid) <|video_pad|> tokens
// between <|vision_start|> and <|vision_end|>, clips in prompt order.
//
// Fidelity: scripts/golden_qwenvl.py runs the float64 re-statements (golden_qwen2.py's decoder,
// golden_qwenvit.py's tower; for the DSR model also a DINOv2 re-statement and nn/gsm's GSM one)
// as one model on a prompt with a clip of PNG frames; the tests hold the ref, CPU and Vulkan
// backends to its logits (NMSE ≤ 1e-6; measured 3e-14–5e-13) and greedy ids, and the DSR
// model's geometry tokens (~1e-14).
package qwenvl
