package orient

import "math"

// Logits is the model's output width: 360 azimuth bins, 180 polar, 180 rotation, 2 confidence.
const Logits = 360 + 180 + 180 + 2

// Angles is get_3angle's result, in degrees.
type Angles struct {
	Azimuth, Polar, Rotation float64
	Confidence               float64 // softmax(logits[720:722])[0], in float32 as torch computes it
}

// Decode turns one row of logits into angles as get_3angle does: argmax over [0, 360),
// [360, 540), [540, 720) (the first maximum, as torch.argmax), polar and rotation − 90, and the
// confidence the softmax's first entry of the last two logits. The reference stores the four
// values in a float32 tensor; the argmaxes are exact in float32, the confidence is rounded to it.
func Decode(l []float32) Angles {
	if len(l) != Logits {
		panic("orient: Decode wants 722 logits")
	}
	// softmax over two: exp(a − m) / (exp(a − m) + exp(b − m)), m = max(a, b), in float32.
	a, b := l[720], l[721]
	m := max(a, b)
	ea, eb := float32(math.Exp(float64(a-m))), float32(math.Exp(float64(b-m)))
	return Angles{
		Azimuth:    float64(argmax(l[0:360])),
		Polar:      float64(argmax(l[360:540]) - 90),
		Rotation:   float64(argmax(l[540:720]) - 90),
		Confidence: float64(ea / (ea + eb)),
	}
}

func argmax(v []float32) int {
	best := 0
	for i, x := range v {
		if x > v[best] || (x != x && v[best] == v[best]) { // torch.argmax treats NaN as the maximum
			best = i
		}
	}
	return best
}
