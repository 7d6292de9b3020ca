// Package orient is Orient Anything on dsr4d's engine: the object orientations (azimuth,
// polar, rotation, confidence) the DSR Suite computes during QA generation
// (data/qa_utils.py::extract_orient, data/inference.py::get_3angle,
// data/vision_tower.py::DINOv2_MLP), from a frame and an object's mask.
//
// Preprocessing (preprocess.go) is the reference's, byte for byte: CropBox is mask2bbox with the
// ≤10-pixel margin rule and the exclusive slice end (a margin of 0 on the top or left cuts the
// mask's last row or column there); the crop keeps the background (the reference's removal line
// `rm_bkg_img[mask==0][:,-1]=0` assigns into a copy and has no effect; its RGBA crop's alpha is
// 255 and the processor's convert("RGB") drops it). Resized and Normalise are the DINOv2 image
// processor of transformers 4.38 (the suite's pin): shortest edge 256 with Pillow's bicubic
// filter (internal/resample), centre crop 224, ×1/255 in float64 rounded to float32, ImageNet
// mean/std in float32. An empty mask (the reference crashes) is ErrEmptyMask, for callers to
// skip and count. One reference quirk is not repeated: transformers guesses the channel axis
// of a numpy image, and a crop 1 or 3 pixels high is taken as channels-first (then garbled or
// rejected); here every crop is an image (such crops need a mask of at most 3 rows at a border).
//
// Decode is get_3angle: argmaxes over the 360/180/180 bins, polar and rotation − 90, confidence
// the first softmax entry of the last two logits.
//
// The model (model.go) is DINOv2_MLP in eval mode: the encoder is nn/dinov2's Encoder with no
// register tokens (Hugging Face's Dinov2Model computes the same thing as the DINOv2 hub code:
// pre-norm blocks with LayerScale, exact GELU, LayerNorm eps 1e-6), whose output here is
// last_hidden_state[:, 0], the cls token after the final layernorm (Model.CLS; nn/dinov2's
// Forward returns the patch tokens only). The released table is 37×37 (518 px) and 224 px gives
// 16×16 patches, so it is always interpolated: transformers 4.38's interpolate_pos_encoding
// passes scale_factor ((16+0.1)/37, (16+0.1)/37) to bicubic interpolation, align_corners=False,
// no antialias — the hub code's computation, nn/dinov2's Interpolate. (Later transformers pass
// size= with antialias=True: a different table; the suite pins 4.38.)
//
// Names: dino_weight.pt is DINOv2_MLP's state dict. The encoder's hub names map to Dinov2Model's
// under "dinov2.":
//
//	cls_token                 embeddings.cls_token
//	pos_embed                 embeddings.position_embeddings
//	patch_embed.proj.*        embeddings.patch_embeddings.projection.*
//	blocks.N.norm1.*          encoder.layer.N.norm1.*
//	blocks.N.attn.qkv.*       encoder.layer.N.attention.attention.{query,key,value}.* (rows split)
//	blocks.N.attn.proj.*      encoder.layer.N.attention.output.dense.*
//	blocks.N.ls1.gamma        encoder.layer.N.layer_scale1.lambda1
//	blocks.N.norm2.*          encoder.layer.N.norm2.*
//	blocks.N.mlp.fc{1,2}.*    encoder.layer.N.mlp.fc{1,2}.*
//	blocks.N.ls2.gamma        encoder.layer.N.layer_scale2.lambda1
//	norm.*                    layernorm.*
//
// embeddings.mask_token is not read (used only in training). The head MLP_dim is
// down_sampler.net1.{0: Linear, 1: BatchNorm1d}, ReLU, down_sampler.net2.{0, 1}; each BatchNorm
// (eval: running statistics, eps 1e-5) is folded into its Linear at load, in float64, and the
// head runs on the host in float64 (1.3 M multiply-adds per crop, next to the encoder's 80 G):
// the logits are then identical in their argmaxes on every backend unless the encoder differs.
//
// Benchmarks (bench_test.go): BenchmarkVsTorch times crops/s on the CPU backend, on Vulkan and
// with PyTorch (scripts/bench_orient.py, oneDNN Linears and plain modules) in the same run;
// BenchmarkPreprocess the host preprocessing.
//
// The goldens (testdata) come from scripts/golden_orient.py: the reference's crop lines run in
// numpy, the processor re-stated on PIL, and the model as the DINOv2 hub code without registers
// with random weights saved under the released names.
package orient
