package qa

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/dsr4d/dsr4d/geom"
	"github.com/dsr4d/dsr4d/pipeline/scene"
)

// Types are the 12 template question types, in the reference's order (template.question_type).
var Types = []string{"rel_dis", "rel_dir", "rel_ori", "abs_dis", "abs_dir", "abs_ori", "rel_spd", "abs_spd",
	"rel_spd_comp", "abs_spd_comp", "rel_dir_pred", "abs_dir_pred"}

// Templates are the reference's question templates (template.template), in Go verbs.
var Templates = map[string]string{
	"rel_dis":      "Between %.1fs and %.1fs, following the perspective of %s, how does the distance between %s and %s change?",
	"rel_dir":      "Between %.1fs and %.1fs, following the perspective of %s, how does the direction of %s to %s change?",
	"rel_ori":      "Between %.1fs and %.1fs, following the perspective of %s, how does the orientation of %s change?",
	"abs_dis":      "Between %.1fs and %.1fs, from the perspective of %s at %.1fs, how does the distance between %s and %s change?",
	"abs_dir":      "Between %.1fs and %.1fs, from the perspective of %s at %.1fs, how does the direction of %s to %s change?",
	"abs_ori":      "Between %.1fs and %.1fs, from the perspective of %s at %.1fs, how does the orientation of %s change?",
	"rel_spd":      "Between %.1fs and %.1fs, following the perspective of %s, how does the speed of %s change?",
	"abs_spd":      "Between %.1fs and %.1fs, from the perspective of %s at %.1fs, how does the speed of %s change?",
	"rel_spd_comp": "Between %.1fs and %.1fs, following the perspective of %s, compare the speed between %s and %s.",
	"abs_spd_comp": "Between %.1fs and %.1fs, from the perspective of %s at %.1fs, compare the speed between %s and %s.",
	"rel_dir_pred": "Following the perspective of %s, predict the moving direction of %s",
	"abs_dir_pred": "From the perspective of %s at %.1fs, predict the moving direction of %s",
}

// Family returns the type without its viewpoint prefix: dis, dir, ori, spd, spd_comp, dir_pred.
func Family(typ string) string { return typ[4:] }

// Absolute reports whether typ takes an absolute viewpoint (abs_*).
func Absolute(typ string) bool { return typ[:3] == "abs" }

func row(v r3.Vec) []float64 { return []float64{v.X, v.Y, v.Z} }
func vec(r []float64) r3.Vec { return r3.Vec{X: r[0], Y: r[1], Z: r[2]} }

// speeds is the reference's per-step speed: cal_dis(c[i+1] − c[i]), not divided by Δt.
func speeds(s Series, off int) []float64 {
	var out []float64
	for i := 1; i < len(s); i++ {
		out = append(out, norm(r3.Sub(vec(s[i][off:off+3]), vec(s[i-1][off:off+3]))))
	}
	return out
}

// Answer computes a question's answer text from its series, as the reference does.
func Answer(typ string, s Series) (string, error) { return answerAt(typ, s, 0) }

// ResolvedAnswer is Answer for series computed from cues c: when c resolves displacements
// only down to r (Resolver), a speed step shorter than r is taken as zero, which is what the
// reference's exact cues give an object at rest — and what its division by that speed then
// rejects (a numpy 0/0), rather than describing the noise of a still object as a speed.
// still reports that such a zero decided the outcome (an error only because of it).
func ResolvedAnswer(c Cues, typ string, s Series) (answer string, still bool, err error) {
	r, ok := c.(Resolver)
	if !ok {
		a, err := Answer(typ, s)
		return a, false, err
	}
	a, err := answerAt(typ, s, r.Resolution())
	if err != nil {
		if _, err0 := Answer(typ, s); err0 == nil {
			return "", true, err
		}
	}
	return a, false, err
}

// answerAt is Answer with speed steps shorter than res set to zero.
func answerAt(typ string, s Series, res float64) (string, error) {
	sp := func(off int) []float64 {
		v := speeds(s, off)
		for i, x := range v {
			if x < res {
				v[i] = 0
			}
		}
		return v
	}
	switch Family(typ) {
	case "dis":
		d := make([]float64, len(s))
		for i, r := range s {
			d[i] = r[0]
		}
		return DescribeDistRuns(d)
	case "dir", "ori":
		v := make([]r3.Vec, len(s))
		for i, r := range s {
			v[i] = vec(r)
		}
		return DescribeDir(v)
	case "spd":
		return DescribeDistRuns(sp(0))
	case "spd_comp":
		return DescribeSpdComp(sp(0), sp(3))
	case "dir_pred":
		if len(s) != 2 {
			return "", fmt.Errorf("qa: dir_pred series has %d rows, want 2", len(s))
		}
		return DescribeDir([]r3.Vec{r3.Sub(vec(s[1]), vec(s[0]))})
	}
	return "", fmt.Errorf("qa: unknown question type %q", typ)
}

// Steps is the length the reference's interval filter checks: frames for most types, steps
// (frames − 1) for speed types, which therefore need 5 frames.
func Steps(typ string, frames int) int {
	if f := Family(typ); f == "spd" || f == "spd_comp" {
		return frames - 1
	}
	return frames
}

// displacement is the length of a dir_pred series' displacement.
func displacement(s Series) float64 {
	if len(s) != 2 {
		return math.Inf(1)
	}
	return r3.Norm(r3.Sub(vec(s[1]), vec(s[0])))
}

// Compute computes the series of sp from cues, frame by frame from sp.Start, stopping before
// the first frame where a needed cue is missing (an object not visible, an orientation with
// confidence < 0.6): the reference's truncation. It returns the series and the last frame
// used (Start−1 when none). For dir_pred, and for an absolute viewpoint's own cues at V, a
// missing cue fails the whole question: ok is false.
func Compute(c Cues, sp Spec) (s Series, last int, ok bool) {
	fam := Family(sp.Type)
	abs := Absolute(sp.Type)
	var atV geom.AgentFrame // the absolute viewpoint's frame at V
	if abs && sp.Viewpoint != Camera && fam != "dis" {
		cv, ok1 := c.Centre(sp.Viewpoint, sp.V)
		rv, ok2 := c.Rotation(sp.Viewpoint, sp.V)
		if !ok1 || !ok2 {
			return nil, sp.Start - 1, false
		}
		atV = geom.AgentFrame{R: rv, C: cv}
	}
	// point returns object id's position at frame i in frame i's camera coordinates.
	point := func(id, i int) (r3.Vec, bool) {
		if id == Camera {
			return r3.Vec{}, true
		}
		return c.Centre(id, i)
	}
	// view maps a point of camera frame i into the viewpoint frame (for i itself when relative).
	view := func(p r3.Vec, i int) (r3.Vec, bool) {
		if abs {
			q := c.Pose(i).RelativeTo(c.Pose(sp.V)).Apply(p)
			if sp.Viewpoint == Camera {
				return geom.CameraViewer(q), true
			}
			return atV.ToAgent(q), true
		}
		if sp.Viewpoint == Camera {
			return geom.CameraViewer(p), true
		}
		cv, ok1 := c.Centre(sp.Viewpoint, i)
		rv, ok2 := c.Rotation(sp.Viewpoint, i)
		if !ok1 || !ok2 {
			return r3.Vec{}, false
		}
		return geom.AgentFrame{R: rv, C: cv}.ToAgent(p), true
	}
	// facing returns object id's facing direction (two points, as the reference transforms
	// them) at frame i in camera-i coordinates: the camera looks along +z.
	facing := func(id, i int) (p0, p1 r3.Vec, ok bool) {
		if id == Camera {
			return r3.Vec{}, r3.Vec{Z: 1}, true
		}
		ci, ok1 := c.Centre(id, i)
		ri, ok2 := c.Rotation(id, i)
		if !ok1 || !ok2 {
			return p0, p1, false
		}
		a := geom.AgentFrame{R: ri, C: ci}
		return a.FromAgent(r3.Vec{}), a.FromAgent(r3.Vec{X: 1}), true
	}
	if fam == "dir_pred" {
		var rows Series
		for _, i := range []int{sp.Start, sp.End} {
			p, ok1 := point(sp.Objects[0], i)
			if !ok1 {
				return nil, sp.Start - 1, false
			}
			if !abs && sp.Viewpoint == Camera && sp.Objects[0] == Camera {
				// The reference moves the camera into frame Start here (then drops the
				// question: its viewpoint and object are both "camera").
				p = c.Pose(i).RelativeTo(c.Pose(sp.Start)).Apply(p)
			}
			q, ok2 := view(p, i)
			if !ok2 {
				return nil, sp.Start - 1, false
			}
			rows = append(rows, row(q))
		}
		return rows, sp.End, true
	}
	last = sp.Start - 1
	for i := sp.Start; i <= sp.End; i++ {
		var r []float64
		switch fam {
		case "dis":
			p1, ok1 := point(sp.Objects[0], i)
			p2, ok2 := point(sp.Objects[1], i)
			if !ok1 || !ok2 {
				return s, last, true
			}
			r = []float64{norm(r3.Sub(geom.CameraViewer(p1), geom.CameraViewer(p2)))}
		case "dir":
			p1, ok1 := point(sp.Objects[0], i)
			p2, ok2 := point(sp.Objects[1], i)
			if !ok1 || !ok2 {
				return s, last, true
			}
			q1, ok3 := view(p1, i)
			q2, _ := view(p2, i)
			if !ok3 {
				return s, last, true
			}
			r = row(r3.Sub(q1, q2))
		case "ori":
			f0, f1, ok1 := facing(sp.Objects[0], i)
			if !ok1 {
				return s, last, true
			}
			q0, ok2 := view(f0, i)
			q1, _ := view(f1, i)
			if !ok2 {
				return s, last, true
			}
			r = row(r3.Sub(q1, q0))
		case "spd":
			p, ok1 := point(sp.Objects[0], i)
			if !ok1 {
				return s, last, true
			}
			q, ok2 := view(p, i)
			if !ok2 {
				return s, last, true
			}
			r = row(q)
		case "spd_comp":
			p1, ok1 := point(sp.Objects[0], i)
			p2, ok2 := point(sp.Objects[1], i)
			if !ok1 || !ok2 {
				return s, last, true
			}
			q1, ok3 := view(p1, i)
			q2, _ := view(p2, i)
			if !ok3 {
				return s, last, true
			}
			r = append(row(q1), row(q2)...)
		default:
			return nil, last, false
		}
		s = append(s, r)
		last = i
	}
	return s, last, true
}

// Box is the reference's mask2bbox: [min x, min y, max x, max y] of a mask's pixels
// (inclusive); false for an empty mask.
func Box(s *scene.Scene, id, i int) ([4]int, bool) {
	m := s.Mask(id, i)
	w := s.ImageSize[0]
	b := [4]int{1 << 30, 1 << 30, -1, -1}
	for k, in := range m {
		if in {
			x, y := k%w, k/w
			b[0], b[1] = min(b[0], x), min(b[1], y)
			b[2], b[3] = max(b[2], x), max(b[3], y)
		}
	}
	return b, b[2] >= 0
}

// iou is the intersection over union of two objects' masks at frame i.
func iou(s *scene.Scene, a, b, i int) float64 {
	ma, mb := s.Mask(a, i), s.Mask(b, i)
	inter, sa, sb := 0, 0, 0
	for k := range ma {
		if ma[k] {
			sa++
		}
		if mb[k] {
			sb++
		}
		if ma[k] && mb[k] {
			inter++
		}
	}
	if sa+sb-inter == 0 {
		return 0
	}
	return float64(inter) / float64(sa+sb-inter)
}
