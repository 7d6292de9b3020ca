// Package pi3 is π³ (github yyfz/Pi3, the copy in the DSR Suite's data/pi3 is the reference):
// feed-forward reconstruction of camera poses and per-pixel point maps from N frames.
//
// Forward does what Pi3.forward does: ImageNet normalisation; the DINOv2 ViT-L/14-reg encoder
// (package dinov2, x_norm_patchtokens); 5 register tokens before each frame's patch tokens; a
// decoder of 36 pre-norm blocks with qk-norm, LayerScale and RoPE2D (frequency 100; registers at
// position (0,0), patches at (y+1, x+1)) alternating frame attention (even blocks) and global
// attention over all frames (odd blocks); the outputs of the last two blocks concatenated; three
// TransformerDecoder heads (5 blocks each, per-frame attention, RoPE2D) for local points,
// confidence and camera; LinearPts3d (a Linear to 14·14·C values per patch, pixel-shuffled);
// local points (x·z, y·z, z) with z = exp(z); CameraHead (two residual ReLU MLP blocks, a mean over
// the patches, an MLP, translation and a 9-D rotation SVD-orthogonalised) giving camera-to-world
// poses; world points = pose · local points.
//
// Parameter names are the released checkpoint's (yyfz233/Pi3 model.safetensors; the list of the
// full model is testdata/pi3_names.txt, made by scripts/golden_pi3.py); image_mean and image_std,
// buffers of constants, are not loaded.
//
// Backends: the transformer runs on any nn.Backend. The few steps package nn has no op for run
// on the host, on small tensors: the position tables, the ReLU of the camera head (on (N·h·w,
// 512) values), its mean pooling, the 3×3 SVD, the pixel shuffle, exp and the world points. The
// encoder and the heads work per frame and run in batches of frames (Options.Batch); the decoder's
// global attention needs all frames at once. The recorder is synced after every block: on Vulkan
// the memory of released intermediates comes back only at the end of a batch.
//
// Preprocessing (Load) is π³'s load_images_as_tensor as the DSR Suite's copy has it: frames in
// the numeric order of their file names, one target size from the first frame (PIXEL_LIMIT
// 255000, sides multiples of 14), Pillow's LANCZOS resize (package resample), values / 255.
// Where the issue and the reference differ, this package follows the issue on bad input only:
// the reference skips unreadable frames and stretches frames of another size to the first one's
// target; here both are errors naming the file (a scene has one image size).
//
// The DSR Suite's copy against yyfz/Pi3 (both read for this package): the model code Pi3.forward
// runs is the same (the DSR copy lacks Pi3X, PRoPE, the conv head and FlashCrossAttentionRope, none
// of which Pi3 uses); load_images_as_tensor differs only in its file order — the DSR copy sorts
// by the integer value of the name (its frames are 000.jpg …), yyfz/Pi3 by name — and in printing.
// The DSR Suite runs π³ under bf16/fp16 autocast on CUDA; goldens here are float32 (the reference
// on the CPU), the precision Pi3.forward's heads use anyway.
package pi3
