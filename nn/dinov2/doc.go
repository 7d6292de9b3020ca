// Package dinov2 is the DINOv2 vision transformer with registers (ViT-L/14-reg as π³'s encoder
// and the DSR Suite's spatial encoder), built from package nn's layers: the patch embedding (a
// 14×14 stride-14 convolution computed as a Linear over host-side patches), the cls token, the
// position embedding interpolated to the input's patch grid, the register tokens, the pre-norm
// blocks with LayerScale and the final LayerNorm. Forward returns x_norm_patchtokens, what π³
// and the DSR Suite read.
//
// Parameter names are the released ones (cls_token, pos_embed, register_tokens,
// patch_embed.proj.*, blocks.N.*, norm.*) under the prefix given to Params: "encoder." in π³'s
// checkpoint, "visual.spatial_encoder." in the DSR Suite's. mask_token is not loaded (π³
// deletes it; the forward never uses it).
//
// The position embedding follows the reference's interpolate_pos_encoding exactly: the table is
// returned unchanged only when the token count matches and the image is square (the reference
// compares w == h on the image size); otherwise torch's bicubic upsampling (A = −0.75,
// align_corners=False, border-clamped taps) with the scale factors ((h₀+0.1)/M, (w₀+0.1)/M) the
// reference passes — torch then maps output pixel i to source (i+0.5)/scale − 0.5 with that scale,
// not with the size ratio. It runs on the host (Interpolate), on the small table. The DSR
// Suite's spatial encoder is its own copy of the hub's dinov2_vitl14_reg, which sets
// interpolate_antialias=True and interpolate_offset=0.0 (π³'s sets neither): DSRSpatial, whose
// table is resized by size with torch's antialiased bicubic (InterpolateAA; checked against
// F.interpolate in testdata/interp_aa.json).
//
// FromQwenPatches is the DSR Suite's way into the spatial encoder: Qwen2.5-VL's flattened video
// patches put back into frames, CLIP's normalisation undone and ImageNet's applied (bit for bit
// against the reference's lines; Qwen's own frame resizing is not here).
package dinov2
