package qa

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/gonum/spatial/r3"
)

// ErrWarning is returned where numpy would emit a RuntimeWarning (a division by zero, 0/0).
// The reference runs with warnings turned into errors and drops the question, so dsr4d does too.
var ErrWarning = errors.New("qa: numpy RuntimeWarning (division by zero)")

// divider divides as numpy's float64 does and records whether numpy would have warned.
type divider struct{ warned bool }

func (d *divider) div(a, b float64) float64 {
	if b == 0 {
		d.warned = true
	}
	return a / b
}

// errStop unwinds a description at the first warning: the reference raises there.
type errStop struct{}

func (d *divider) must(a, b float64) float64 {
	r := d.div(a, b)
	if d.warned {
		panic(errStop{})
	}
	return r
}

func catch(err *error) {
	if r := recover(); r != nil {
		if _, ok := r.(errStop); !ok {
			panic(r)
		}
		*err = ErrWarning
	}
}

// DescribeDistRuns is the reference's describe_dist_runs (epsilon 0.2): the run description
// of a distance or speed series. It returns ErrWarning where the reference divides by zero.
// Quirks kept: a run whose end ratio is neither below 0.8 nor above 1.2 adds no text but
// still takes a number; "smaller" runs stop at values below 0.1.
func DescribeDistRuns(d []float64) (s string, err error) {
	for _, v := range d {
		if math.IsNaN(v) {
			return "", fmt.Errorf("qa: NaN in distance series")
		}
	}
	defer catch(&err)
	var dv divider
	eps := 0.2
	lo, hi := 1-eps, 1+eps
	constant := func(e, st int) bool {
		r := dv.must(d[e], d[st])
		if r >= lo && dv.must(d[e], d[st]) <= hi {
			return true
		}
		return d[e] < 0.1 && d[st] < 0.1
	}
	var out []string
	start, count, n := 0, 1, len(d)
	for start < n-1 {
		end := start + 1
		switch {
		case constant(end, start):
			for end < n && constant(end, start) {
				end++
			}
			switch {
			case end == n:
				out = append(out, fmt.Sprintf("(%d) Keep nearly constant.", count))
			case dv.must(d[end], d[start]) < lo:
				out = append(out, fmt.Sprintf("(%d) Keep nearly constant and then become smaller.", count))
			case dv.must(d[end], d[start]) > hi:
				out = append(out, fmt.Sprintf("(%d) Keep nearly constant and then become larger.", count))
			}
		case dv.must(d[end], d[end-1]) > hi:
			for end < n && dv.must(d[end], d[end-1]) > hi {
				end++
			}
			out = append(out, fmt.Sprintf("(%d) Become larger.", count))
			if end != n {
				end--
			}
		default:
			for end < n && dv.must(d[end], d[end-1]) < lo && d[end] >= 0.1 {
				end++
			}
			out = append(out, fmt.Sprintf("(%d) Become smaller.", count))
			if end != n && !(d[end] < 0.1) {
				end--
			}
		}
		start = end
		count++
	}
	return strings.Join(out, " "), nil
}

// sign is the reference's _sign: 1 when the former is faster, −1 the latter, 0 nearly the same.
func sign(dv *divider, a, b, eps float64) int {
	if a < 0.1 && b < 0.1 {
		return 0
	}
	if dv.must(a, b) > 1+eps {
		return 1
	}
	if dv.must(a, b) < 1/(1+eps) {
		return -1
	}
	return 0
}

// DescribeSpdComp is the reference's describe_spd_comp (epsilon 0.2) for two per-step speed
// series of equal length. Quirk kept: a whole-interval "latter" run reads
// "The latter is always faster." without its "(1)".
func DescribeSpdComp(a, b []float64) (s string, err error) {
	if len(a) != len(b) {
		return "", fmt.Errorf("qa: speed series of lengths %d and %d", len(a), len(b))
	}
	defer catch(&err)
	var dv divider
	n := len(a)
	signs := make([]int, n)
	for i := range n {
		signs[i] = sign(&dv, a[i], b[i], 0.2)
	}
	var out []string
	count := 1
	for i := 0; i < n; {
		sg := signs[i]
		j := i + 1
		for j < n && signs[j] == sg {
			j++
		}
		whole := i == 0 && j == n
		var desc string
		switch {
		case whole && sg > 0:
			desc = fmt.Sprintf("(%d) The former is always faster.", count)
		case whole && sg == 0:
			desc = fmt.Sprintf("(%d) Their speed is nearly the same.", count)
		case whole && sg < 0:
			desc = "The latter is always faster."
		case sg > 0:
			desc = fmt.Sprintf("(%d) The former is faster.", count)
		case sg == 0:
			desc = fmt.Sprintf("(%d) Nearly the same.", count)
		default:
			desc = fmt.Sprintf("(%d) The latter is faster.", count)
		}
		out = append(out, desc)
		count++
		i = j
	}
	return strings.Join(out, " "), nil
}

// direction is the reference's _direction: per axis "2" (> eps), "0" (< −eps) or "1" of the
// unit vector. A zero vector is 0/0 in numpy: a warning.
func direction(dv *divider, x r3.Vec, eps float64) string {
	norm := math.Sqrt(x.X*x.X + x.Y*x.Y + x.Z*x.Z)
	var b [3]byte
	for k, c := range [3]float64{x.X, x.Y, x.Z} {
		u := dv.must(c, norm)
		switch {
		case u > eps:
			b[k] = '2'
		case u < -eps:
			b[k] = '0'
		default:
			b[k] = '1'
		}
	}
	return string(b[:])
}

// directionText is the reference's _direction_trans.
func directionText(code string) string {
	var parts []string
	for k, names := range [3][2]string{{"Behind", "Front"}, {"Right", "Left"}, {"Below", "Above"}} {
		switch code[k] {
		case '2':
			parts = append(parts, names[1])
		case '0':
			parts = append(parts, names[0])
		}
	}
	return strings.Join(parts, "|")
}

// DescribeDir is the reference's describe_dir (epsilon 0.3): per vector the axes whose unit
// component exceeds 0.3 (Front/Behind, Left/Right, Above/Below), equal neighbours merged.
// Quirk kept: a vector with no component beyond ±0.3 is impossible for a unit vector, but
// the text of an all-"1" state would be "(k) ." A zero vector is ErrWarning.
func DescribeDir(v []r3.Vec) (s string, err error) {
	for _, x := range v {
		if math.IsNaN(x.X) || math.IsNaN(x.Y) || math.IsNaN(x.Z) {
			return "", fmt.Errorf("qa: NaN in direction series")
		}
	}
	defer catch(&err)
	var dv divider
	n := len(v)
	dirs := make([]string, n)
	for i, x := range v {
		dirs[i] = direction(&dv, x, 0.3)
	}
	var out []string
	count := 1
	for i := 0; i < n; {
		j := i + 1
		for j < n && dirs[j] == dirs[i] {
			j++
		}
		out = append(out, fmt.Sprintf("(%d) %s.", count, directionText(dirs[i])))
		i = j
		count++
	}
	return strings.Join(out, " "), nil
}

// States is the reference's len(answer.split("."))-1: the number of states in an answer.
func States(answer string) int { return strings.Count(answer, ".") }

// truncateStates is the reference's ".".join(s.split(".")[:k]) + "." for distractors.
func truncateStates(s string, k int) string {
	parts := strings.Split(s, ".")
	return strings.Join(parts[:k], ".") + "."
}
