package qa

import (
	"math"

	"gonum.org/v1/gonum/spatial/r3"
)

// NearTol is the relative distance to a threshold within which float32 (the reference's numpy)
// and float64 (dsr4d) centres may fall on different sides (SPEC-QA §2).
const NearTol = 1e-6

func near(x, t float64) bool { return math.Abs(x-t) <= NearTol*math.Abs(t) }

func nearDist(d []float64) bool {
	for i, a := range d {
		if near(a, 0.1) {
			return true
		}
		for _, b := range d[i+1:] {
			for _, r := range []float64{b / a, a / b} {
				if near(r, 0.8) || near(r, 1.2) {
					return true
				}
			}
		}
	}
	return false
}

// NearThreshold reports whether a question's series puts a value the answer depends on within
// NearTol of one of the reference's thresholds (distance ratios 0.8 and 1.2 and the 0.1 floor;
// unit direction components ±0.3; speed ratios 1.2 and 1/1.2): an answer that float32
// centres might flip. Such questions are counted (Stats.NearThreshold), not changed.
func NearThreshold(typ string, s Series) bool {
	dirNear := func(v r3.Vec) bool {
		n := norm(v)
		for _, c := range []float64{v.X, v.Y, v.Z} {
			if near(math.Abs(c/n), 0.3) {
				return true
			}
		}
		return false
	}
	switch Family(typ) {
	case "dis":
		d := make([]float64, len(s))
		for i, r := range s {
			d[i] = r[0]
		}
		return nearDist(d)
	case "spd":
		return nearDist(speeds(s, 0))
	case "spd_comp":
		a, b := speeds(s, 0), speeds(s, 3)
		for i := range a {
			if near(a[i], 0.1) || near(b[i], 0.1) || near(a[i]/b[i], 1.2) || near(a[i]/b[i], 1/1.2) {
				return true
			}
		}
	case "dir", "ori":
		for _, r := range s {
			if dirNear(vec(r)) {
				return true
			}
		}
	case "dir_pred":
		if len(s) == 2 {
			return dirNear(r3.Sub(vec(s[1]), vec(s[0])))
		}
	}
	return false
}
