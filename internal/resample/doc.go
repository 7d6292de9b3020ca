// Package resample resizes 8-bit images exactly as Pillow's Image.resize does, so that model
// inputs prepared here equal the ones the reference Python code feeds its models: π³'s loader
// resizes with LANCZOS, the DINOv2 image processor (Orient Anything) with BICUBIC.
//
// Pillow resamples separably, horizontal pass first, through an 8-bit intermediate image. Each
// output pixel's filter is centred at (x+0.5)·scale, widened by the scale when reducing
// (antialiasing), cut to the image, and its weights are normalised to sum to one, then rounded to
// 22-bit fixed point (round half away from zero); sums start at one half and are clipped to
// [0, 255] after the shift. This package repeats those steps integer for integer: the tests compare
// every byte with Pillow's own output (testdata, made by scripts/golden_resample.py).
//
// Exactness holds for the pixels Pillow sees. Frames decoded from PNG are the same bytes in Go and
// in Pillow; JPEG decoders differ in their inverse DCT and chroma upsampling, so JPEG frames can
// differ by a few levels before any resize happens.
package resample
