package viewer

import (
	"fmt"
	"strings"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/dsr4d/dsr4d/geom"
	"github.com/dsr4d/dsr4d/pipeline/questions"
	"github.com/dsr4d/dsr4d/pipeline/scene"
)

// Question is what the overlay needs of a questions.jsonl line (package questions, the schema
// `dsr4d qa` writes): type, viewpoint, frames, objects, text, options ("A. text") and answer.
type Question struct {
	Type      string
	Viewpoint int
	V         int
	Objects   []int
	Start     int
	End       int
	Text      string
	Options   []string
	Answer    string
	VideoID   string
}

// Absolute reports whether the viewpoint is fixed at frame V.
func (q *Question) Absolute() bool { return strings.HasPrefix(q.Type, "abs") || q.V >= 0 }

// ReadQuestion returns question n (0-based, counting non-empty lines) of the questions.jsonl at
// path.
func ReadQuestion(path string, n int) (*Question, error) {
	w, err := questions.ReadFile(path, n)
	if err != nil {
		return nil, fmt.Errorf("viewer: %w", err)
	}
	q := &Question{Type: w.Type, Viewpoint: w.Viewpoint, V: w.V, Objects: w.Objects, Start: w.Start, End: w.End,
		Text: w.Question, Answer: w.Correct, VideoID: w.VideoID}
	for i, o := range w.Options {
		q.Options = append(q.Options, string(rune('A'+i))+". "+o)
	}
	return q, nil
}

// Check reports whether the question fits the scene: frames in range, known objects.
func (q *Question) Check(s *scene.Scene) error {
	if q.VideoID != "" && q.VideoID != s.VideoID {
		return fmt.Errorf("viewer: question is about video %q, the scene is %q", q.VideoID, s.VideoID)
	}
	if q.Start < 0 || q.End >= s.N {
		return fmt.Errorf("viewer: question frames %d..%d outside the scene's 0..%d", q.Start, q.End, s.N-1)
	}
	if q.V >= s.N {
		return fmt.Errorf("viewer: question viewpoint frame %d outside the scene's 0..%d", q.V, s.N-1)
	}
	for _, id := range append([]int{q.Viewpoint}, q.Objects...) {
		if _, ok := s.Object(id); id != 0 && !ok {
			return fmt.Errorf("viewer: question names object %d, which the scene does not have", id)
		}
	}
	return nil
}

// axesFrame is the frame whose viewpoint axes are drawn while frame i is shown: V for an
// absolute viewpoint, else i clamped to the interval.
func (q *Question) axesFrame(i int) int {
	if q.Absolute() && q.V >= 0 {
		return q.V
	}
	return min(max(i, q.Start), q.End)
}

// frame returns the viewpoint's origin and its viewer axes (x forward, y left, z up) in world
// coordinates while frame i is shown.
func (q *Question) frame(g *Geometry, s *scene.Scene, i int) (r3.Vec, [3]r3.Vec, bool) {
	f := q.axesFrame(i)
	pose := g.Poses[f]
	if q.Viewpoint == 0 {
		// Camera viewer axes: S⁻¹ of x, y, z is (0,0,1), (−1,0,0), (0,−1,0) in OpenCV axes.
		return pose.T, [3]r3.Vec{pose.R.MulVec(r3.Vec{Z: 1}), pose.R.MulVec(r3.Vec{X: -1}), pose.R.MulVec(r3.Vec{Y: -1})}, true
	}
	k := -1
	for j, o := range g.Objects {
		if o.ID == q.Viewpoint {
			k = j
		}
	}
	if k < 0 || !g.Visible[k][f] {
		return r3.Vec{}, [3]r3.Vec{}, false
	}
	or, ok := s.OrientationAt(q.Viewpoint, f)
	if !ok {
		return r3.Vec{}, [3]r3.Vec{}, false
	}
	rot := geom.AgentRotation(or.Azimuth, or.Polar, or.Rotation) // rows: forward, left, up in camera axes
	return g.Centres[k][f], [3]r3.Vec{pose.R.MulVec(rot.Row(0)), pose.R.MulVec(rot.Row(1)), pose.R.MulVec(rot.Row(2))}, true
}

// highlight returns up to four object ids of the question (the camera excluded).
func (q *Question) highlight() [4]uint32 {
	var h [4]uint32
	n := 0
	for _, id := range q.Objects {
		if id > 0 && n < 4 {
			h[n] = uint32(objSlot(id))
			n++
		}
	}
	return h
}
