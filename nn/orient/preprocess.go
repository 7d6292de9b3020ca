package orient

import (
	"errors"
	"fmt"

	"github.com/dsr4d/dsr4d/internal/resample"
)

// Size is the side of the square model input (the processor's crop_size).
const Size = 224

// shortEdge is the processor's size["shortest_edge"].
const shortEdge = 256

// ErrEmptyMask is returned by Crop for a mask without pixels (the reference crashes in
// mask2bbox) or whose crop is empty (a one-row or one-column mask on the top or left border:
// the exclusive slice end cuts its only row or column).
var ErrEmptyMask = errors.New("empty mask")

// Box is a crop window in pixels: rows [Y0, Y1), columns [X0, X1).
type Box struct{ Y0, Y1, X0, X1 int }

// CropBox returns extract_orient's crop window for mask (row-major w×h): the mask's bounding
// box [min, max] widened on each axis by min(10, min, size − max) on both sides, as a slice
// [min − m, max + m) — exclusive, so with a margin of 0 (the mask touches the top or left
// border) the last row or column of the mask is not in the crop.
func CropBox(mask []bool, w, h int) (Box, error) {
	if len(mask) != w*h {
		return Box{}, fmt.Errorf("mask of %d values for a %d×%d frame", len(mask), w, h)
	}
	x0, y0, x1, y1 := w, h, -1, -1
	for y := range h {
		row := mask[y*w : (y+1)*w]
		for x, v := range row {
			if v {
				x0, x1 = min(x0, x), max(x1, x)
				y0, y1 = min(y0, y), max(y1, y)
			}
		}
	}
	if x1 < 0 {
		return Box{}, ErrEmptyMask
	}
	my := min(10, y0, h-y1)
	mx := min(10, x0, w-x1)
	b := Box{Y0: y0 - my, Y1: y1 + my, X0: x0 - mx, X1: x1 + mx}
	if b.Y1 <= b.Y0 || b.X1 <= b.X0 {
		return Box{}, fmt.Errorf("%w: crop %+v has no pixels", ErrEmptyMask, b)
	}
	return b, nil
}

// Crop cuts box b out of the RGB frame. The reference's crop is RGBA with alpha 255 everywhere
// (its background-removal line assigns into a copy), and the processor's convert("RGB") drops
// the alpha: the RGB pixels are all that reach the model, background included.
func Crop(frame resample.Image, b Box) resample.Image {
	w, h := b.X1-b.X0, b.Y1-b.Y0
	out := resample.Image{Pix: make([]uint8, w*h*3), W: w, H: h, C: 3}
	for y := range h {
		copy(out.Pix[y*w*3:(y+1)*w*3], frame.Pix[((b.Y0+y)*frame.W+b.X0)*3:])
	}
	return out
}

// Resized returns the processor's 224×224 uint8 image: the shortest edge resized to 256 with
// Pillow's bicubic filter (the long edge to int(256·long/short), computed in float64 as
// Python does), then the centre crop at top = (h − 224)//2, left = (w − 224)//2.
func Resized(img resample.Image) (resample.Image, error) {
	short, long := img.W, img.H
	if img.W > img.H {
		short, long = img.H, img.W
	}
	nl := int(float64(shortEdge*long) / float64(short))
	nw, nh := shortEdge, nl
	if img.W > img.H {
		nw, nh = nl, shortEdge
	}
	r, err := resample.Resize(img, nw, nh, resample.Bicubic)
	if err != nil {
		return resample.Image{}, err
	}
	top, left := (nh-Size)/2, (nw-Size)/2
	out := resample.Image{Pix: make([]uint8, Size*Size*3), W: Size, H: Size, C: 3}
	for y := range Size {
		copy(out.Pix[y*Size*3:(y+1)*Size*3], r.Pix[((top+y)*nw+left)*3:])
	}
	return out, nil
}

var (
	mean = [3]float32{0.485, 0.456, 0.406}
	std  = [3]float32{0.229, 0.224, 0.225}
)

// Normalise appends to dst the (3, 224, 224) pixel values of a Resized image: v·(1/255) in
// float64 rounded to float32 (numpy's uint8 × Python float), then (x − mean)/std in float32.
func Normalise(dst []float32, img resample.Image) []float32 {
	n := img.W * img.H
	for c := range 3 {
		for i := range n {
			x := float32(float64(img.Pix[i*3+c]) * (1.0 / 255))
			dst = append(dst, (x-mean[c])/std[c])
		}
	}
	return dst
}

// Preprocess is Crop, Resized and Normalise: the model input of one object in one frame.
func Preprocess(dst []float32, frame resample.Image, mask []bool) ([]float32, error) {
	b, err := CropBox(mask, frame.W, frame.H)
	if err != nil {
		return dst, err
	}
	r, err := Resized(Crop(frame, b))
	if err != nil {
		return dst, err
	}
	return Normalise(dst, r), nil
}
