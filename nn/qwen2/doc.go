// Package qwen2 is the language model of Qwen2.5-VL (the text part of transformers'
// Qwen2_5_VLForConditionalGeneration, Qwen2's decoder with multimodal rotary positions) on the
// nn backends: loading, one forward pass, and generation with a KV cache.
//
// The model is embed_tokens → N × (RMSNorm → attention with q/k/v biases, GQA and M-RoPE →
// residual → RMSNorm → SwiGLU → residual) → RMSNorm → lm_head (untied), named as the released
// checkpoints name it (model.embed_tokens, model.layers.N.{input_layernorm, self_attn.{q,k,v,o}_proj,
// post_attention_layernorm, mlp.{gate,up,down}_proj}, model.norm, lm_head; the decoder under
// model.language_model. as newer transformers save it is found too). Config reads config.json
// (the text fields at the top level or under text_config); a value the decoder does not
// implement (another activation, tied embeddings, sliding windows, other rope scaling, sizes that
// do not split into heads) is an error naming the field. Weights come from model.safetensors or
// the shards of model.safetensors.index.json; Linear weights stored as BF16/F16 stay 16-bit, the
// embedding table is read as float32 (a gather reads it).
//
// Positions are three rows per token (t, h, w): M-RoPE with rope_scaling.mrope_section. For text
// the rows are equal and M-RoPE is 1-D RoPE; Config.RopeIndex computes what get_rope_index gives a
// prompt with images and videos (the vision tower that fills their pads is nn/qwenvit's; its tokens
// replace the pads' embeddings through LogitsVision, Session.AppendVision or GenOptions.Vision,
// and nn/qwenvl joins the two), and a Session continues with text positions after the largest one. (The DSR Suite's copy,
// qwenvl/data/rope2d.py, writes tokens_per_second as the constant 2; transformers reads it from
// vision_config, which says 2 for Qwen2.5-VL: the same numbers. RopeIndex reads the config.)
// A video's time position is ⌊k·s·tokens_per_second⌋ with s = second_per_grid_t kept fractional, as
// the DSR Suite's collator (rope2d.py) and its spatial branch (gsm.VisionPositions) compute it;
// later transformers releases cast s to an integer first (lmms-eval issue #1393). Both agree at
// the default 2 fps (s = 1); at 4 fps (s = 0.5) the cast would put every frame at time 0.
//
// Generation (Model.Generate) prefills the prompt in one batch, then decodes one token at a time
// through a KV cache per layer; Sampling is greedy or temperature / top-k / top-p with a seed;
// stop tokens and a token limit end it, and a prompt that does not fit the context
// (max_position_embeddings) is an error.
//
// Fidelity: transformers cannot be installed here, so scripts/golden_qwen2.py re-states the
// model in float64 PyTorch from transformers' modeling_qwen2_5_vl (rotary tables in float32 as
// the reference computes them). The tests hold the ref, CPU and Vulkan backends to its logits
// (NMSE ≤ 1e-6; measured 1e-14–1e-13) for a text prompt and for a prompt with video positions,
// to its greedy tokens, and KV-cache decoding to full recomputation.
//
// WriteCheckpoint writes random checkpoints (config.json, weights, and a byte-level
// tokenizer.json with Qwen's added tokens) of the built-in configs for tests and benchmarks.
package qwen2
