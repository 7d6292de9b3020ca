// Package gsm is DSR Suite's Geometry Selection Module on an nn.Backend: the spatial merger that
// turns π³ encoder features into one 3D token per video token, and two Q-Former layers that
// condense the question (Q-Former 1 over the text embeddings) and select question-relevant
// geometry (Q-Former 2 over the 3D tokens), giving Config.Queries geometry tokens of width
// Config.Hidden per sample.
//
// The numerics follow the released model code (TencentARC/DSR_Suite,
// model/qwen-vl-finetune/qwenvl/train/qwen_vl_spatial.py, with Qwen2.5-VL's modules from
// transformers 4.51): Qwen2RMSNorm in float32, Linear with PyTorch (out, in) weights, exact GELU
// in the merger, SwiGLU (SiLU) MLPs with biases, GQA cross-attention with M-RoPE on queries and
// keys (sections Config.Sections, θ = Config.Theta) and softmax in float32.
//
// The model is built from nn's layers (nn.RMSNorm, nn.MLP, nn.Attention, nn.SwiGLU); its
// parameter walk (Model.Params) is the one list of the released checkpoint names (prefix
// "visual." in the DSR Suite model): q_former_queries, q_former_norm.weight,
// q_former_{1,2}.{norm1,norm2,attn.{q,k,v,o}_proj, mlp.{gate,up,down}_proj},
// spatial_merger.{ln_q, mlp.0, mlp.2}; Load, Random and Config.Params read it. The encoder
// (spatial_encoder.*) is not part of this package: Forward takes its patch tokens.
//
// Batching: several samples run in one pass; the attention mask is block-diagonal, so each
// sample's queries see only its own text or 3D tokens, and each sample gets its own copy of the
// learnable queries. (The reference applies one (32, D) query set against a (B·32, ·) mask, which
// only broadcasts for B = 1; for B = 1 the two agree exactly.)
package gsm
