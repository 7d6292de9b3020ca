package viewer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/dsr4d/dsr4d/geom"
	"github.com/dsr4d/dsr4d/pipeline/scene"
)

// Question is one question of a dsr4d QA JSONL file (SPEC-QA §6, the provenance of
// pipeline/qa's Spec) as the overlay needs it.
//
// Fields read from each line (a JSON object; unknown fields are ignored; the provenance may also
// sit in a nested object "spec"):
//
//	type       string   e.g. "abs_dir"
//	viewpoint  int      0 = the camera, else the agent's object id
//	v          int      frame of an absolute viewpoint, −1 (or absent) when relative
//	objects    []int    asked-about object ids (0 = the camera)
//	start, end int      first and last frame of the interval (also "s"/"e", or "frames": [s, e])
//	question   string   the question text (also "Question")
//	options    []string the options in letter order, with or without "A. " (also an object
//	                    {"A": ..} or fields "A".."D")
//	answer     string   the correct letter (also "Correct")
//	video_id   string   optional (also "videoID"); checked against the scene when present
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

// ReadQuestion returns question n (0-based, counting non-empty lines) of the JSONL file at path.
func ReadQuestion(path string, n int) (*Question, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("viewer: %w", err)
	}
	defer f.Close()
	return readQuestion(f, path, n)
}

func readQuestion(r io.Reader, path string, n int) (*Question, error) {
	if n < 0 {
		return nil, fmt.Errorf("viewer: %s: question %d: want a number ≥ 0", path, n)
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	k, line := 0, 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		if k == n {
			q, err := parseQuestion(b)
			if err != nil {
				return nil, fmt.Errorf("viewer: %s:%d: %w", path, line, err)
			}
			return q, nil
		}
		k++
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("viewer: %s: %w", path, err)
	}
	return nil, fmt.Errorf("viewer: %s: question %d: the file has %d questions", path, n, k)
}

func parseQuestion(b []byte) (*Question, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	if spec, ok := m["spec"]; ok {
		var inner map[string]json.RawMessage
		if err := json.Unmarshal(spec, &inner); err == nil {
			for k, v := range inner {
				if _, dup := m[k]; !dup {
					m[k] = v
				}
			}
		}
	}
	get := func(dst any, keys ...string) (bool, error) {
		for _, k := range keys {
			if v, ok := m[k]; ok {
				if err := json.Unmarshal(v, dst); err != nil {
					return true, fmt.Errorf("field %q: %w", k, err)
				}
				return true, nil
			}
		}
		return false, nil
	}
	q := &Question{V: -1}
	var errs []error
	must := func(ok bool, err error, what string) {
		if err != nil {
			errs = append(errs, err)
		} else if !ok {
			errs = append(errs, fmt.Errorf("missing field %q", what))
		}
	}
	ok, err := get(&q.Type, "type", "Type")
	must(ok, err, "type")
	ok, err = get(&q.Viewpoint, "viewpoint")
	must(ok, err, "viewpoint")
	if _, err := get(&q.V, "v"); err != nil {
		errs = append(errs, err)
	}
	ok, err = get(&q.Objects, "objects", "object_ids")
	must(ok, err, "objects")
	var frames []int
	if ok, err := get(&frames, "frames"); err == nil && ok && len(frames) >= 2 {
		q.Start, q.End = frames[0], frames[len(frames)-1]
	} else {
		ok, err := get(&q.Start, "start", "s")
		must(ok, err, "start")
		ok, err = get(&q.End, "end", "e")
		must(ok, err, "end")
	}
	ok, err = get(&q.Text, "question", "Question")
	must(ok, err, "question")
	if _, err := get(&q.Answer, "answer", "Correct"); err != nil {
		errs = append(errs, err)
	}
	_, _ = get(&q.VideoID, "video_id", "videoID")
	if raw, ok := m["options"]; ok {
		if err := json.Unmarshal(raw, &q.Options); err == nil {
			for i, o := range q.Options {
				if l := string(rune('A' + i)); i < 26 && !strings.HasPrefix(o, l+".") && !strings.HasPrefix(o, l+" ") {
					q.Options[i] = l + ". " + o // pipeline/qa writes the bare option texts
				}
			}
		} else {
			var byLetter map[string]string
			if err2 := json.Unmarshal(raw, &byLetter); err2 != nil {
				errs = append(errs, fmt.Errorf("field \"options\": want a list of strings or an object of letters"))
			}
			letters := make([]string, 0, len(byLetter))
			for l := range byLetter {
				letters = append(letters, l)
			}
			sort.Strings(letters)
			for _, l := range letters {
				q.Options = append(q.Options, l+". "+byLetter[l])
			}
		}
	} else {
		for _, l := range []string{"A", "B", "C", "D"} {
			var o string
			if ok, _ := get(&o, l); ok {
				q.Options = append(q.Options, l+". "+o)
			}
		}
	}
	if len(errs) > 0 {
		return nil, errs[0]
	}
	if q.End < q.Start {
		return nil, fmt.Errorf("interval %d..%d is empty", q.Start, q.End)
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
