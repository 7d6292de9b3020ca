package dinov2

import "fmt"

// QwenGrid is one video of Qwen2.5-VL's vision input: t temporal steps of TemporalPatch frames,
// h×w patches of Patch pixels, merged Merge×Merge.
type QwenGrid struct {
	T, H, W                     int
	Merge, TemporalPatch, Patch int
}

// FromQwenPatches is the start of the DSR Suite's Qwen2_5_VisionTransformerPretrainedModel_Spatial
// forward: Qwen's flattened patches of one video, (T·H·W, 3·TemporalPatch·Patch²) in the
// processor's order (merge blocks of Merge×Merge patches, each patch channel, frame, y, x), are put
// back into T·TemporalPatch images (3, H·Patch, W·Patch), un-normalised with CLIP's mean and std and
// normalised with ImageNet's, in float32 as the reference computes it: the input of the spatial
// encoder, for Encoder.Forward.
func FromQwenPatches(x []float32, g QwenGrid) ([]float32, error) {
	ps, tp, m := g.Patch, g.TemporalPatch, g.Merge
	row := 3 * tp * ps * ps
	if g.T <= 0 || g.H <= 0 || g.W <= 0 || m <= 0 || g.H%m != 0 || g.W%m != 0 || len(x) != g.T*g.H*g.W*row {
		return nil, fmt.Errorf("dinov2: Qwen patches: %d values for grid %+v", len(x), g)
	}
	clipMean := [3]float32{0.48145466, 0.4576275, 0.40821073}
	clipStd := [3]float32{0.26862954, 0.26130258, 0.27577711}
	mean := [3]float32{0.485, 0.456, 0.406}
	std := [3]float32{0.229, 0.224, 0.225}
	H, W := g.H*ps, g.W*ps
	out := make([]float32, g.T*tp*3*H*W)
	bh, bw := g.H/m, g.W/m
	for ti := range g.T {
		for i := range bh {
			for j := range bw {
				for mi := range m {
					for mj := range m {
						src := x[((((ti*bh+i)*bw+j)*m+mi)*m+mj)*row:][:row]
						for c := range 3 {
							for f := range tp {
								img := out[((ti*tp+f)*3+c)*H*W:]
								for py := range ps {
									for px := range ps {
										v := float32(src[((c*tp+f)*ps+py)*ps+px]*clipStd[c]) + clipMean[c] // no FMA: torch rounds the product
										img[((i*m+mi)*ps+py)*W+(j*m+mj)*ps+px] = (v - mean[c]) / std[c]
									}
								}
							}
						}
					}
				}
			}
		}
	}
	return out, nil
}
