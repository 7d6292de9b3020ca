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
// skip and count.
//
// Decode is get_3angle: argmaxes over the 360/180/180 bins, polar and rotation − 90, confidence
// the first softmax entry of the last two logits.
//
// The goldens (testdata) come from scripts/golden_orient.py: the reference's crop lines run in
// numpy, the processor re-stated on PIL, and the model as the DINOv2 hub code without registers
// with random weights saved under the released names.
package orient
