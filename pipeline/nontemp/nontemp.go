package nontemp

import (
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"regexp"
	"strings"

	"github.com/dsr4d/dsr4d/pipeline/qa"
	"github.com/dsr4d/dsr4d/pipeline/scene"
)

// System is the system message of the request.
const System = "You are a helpful assistant."

// MaxTrials is generate_one_video's trial limit: past it the attempt fails.
const MaxTrials = 50

// Draw is one generate_one_video result: a viewpoint, an interval and the objects'
// trajectories in the viewpoint's frame.
type Draw struct {
	Type string `json:"type"` // "abs" or "rel"
	// Viewpoint is qa.Camera or the viewpoint agent's id; V its frame when absolute (−1 else).
	Viewpoint int `json:"viewpoint"`
	V         int `json:"v"`
	// Start and End are the interval's first and last frame after truncation.
	Start int `json:"start"`
	End   int `json:"end"`
	// Agent is the viewpoint's denotation in the prompt and the question.
	Agent   string `json:"agent"`
	Objects []int  `json:"objects"`
	// Names are the objects' denotations (the keys of the reference's obj_coords) and Coords
	// their positions [x, y, z] (forward, left, up) per frame Start..End.
	Names  []string      `json:"names"`
	Coords [][][]float64 `json:"coords"`
	// Times are the rounded timestamps of frames Start..End (the reference's timestamps_tmp).
	Times []float64 `json:"times"`
}

// TimeS is the interval's first timestamp.
func (d *Draw) TimeS() float64 { return d.Times[0] }

// TimeE is the interval's last timestamp.
func (d *Draw) TimeE() float64 { return d.Times[len(d.Times)-1] }

// ErrFail is an attempt whose MaxTrials trials all failed (the reference's "fail").
var ErrFail = errors.New("nontemp: no usable viewpoint, interval and objects in 50 trials")

// Seed returns the per-video random stream of the non-template generator: the seed and the
// video id, as package qa derives its own (with another stream constant).
func Seed(seed uint64, videoID string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(videoID))
	return rand.New(rand.NewPCG(seed, h.Sum64()^0x6e6f6e74656d70)) // "nontemp"
}

// gen is one video's state.
type gen struct {
	s        *scene.Scene
	c        qa.Cues
	rng      *rand.Rand
	agents   []int
	objs     []int
	nClasses int // distinct agent classes: random.sample(["camera"] + agents) draws among them
	m        int // askable frames: all but the last two
}

// Generate is generate_one_video on a scene with cues c: up to MaxTrials trials, each an
// absolute or a relative (p 0.5) draw; it returns the first that yields an interval of at
// least 4 frames with every object located in every frame, or ErrFail. rejected counts the
// failed trials by reason.
func Generate(s *scene.Scene, c qa.Cues, rng *rand.Rand) (d Draw, rejected map[string]int, err error) {
	g := &gen{s: s, c: c, rng: rng, m: s.N - 2}
	classes := map[string]bool{}
	var others []int
	for _, o := range s.Objects {
		if o.Agent {
			g.agents = append(g.agents, o.ID)
			classes[o.Class] = true
		} else {
			others = append(others, o.ID)
		}
	}
	g.objs = append(others, g.agents...)
	g.nClasses = len(classes)
	rejected = map[string]int{}
	if g.m < 4 {
		rejected["too_few_frames"]++
		return Draw{}, rejected, ErrFail
	}
	for range MaxTrials {
		var err error
		if g.rng.Float64() < 0.5 {
			d, err = g.rel()
		} else {
			d, err = g.abs()
		}
		if err == nil {
			return d, rejected, nil
		}
		rejected[err.Error()]++
	}
	return Draw{}, rejected, ErrFail
}

type reject string

func (r reject) Error() string { return string(r) }

// pair draws two distinct askable frames, sorted, at least 3 apart (the reference's loop).
func (g *gen) pair() (int, int) {
	for {
		a, b := g.rng.IntN(g.m), g.rng.IntN(g.m-1)
		if b >= a {
			b++
		}
		a, b = min(a, b), max(a, b)
		if b-a >= 3 {
			return a, b
		}
	}
}

func (g *gen) detectable(pool []int, i int) []int {
	var out []int
	for _, id := range pool {
		if _, ok := qa.Box(g.s, id, i); ok {
			out = append(out, id)
		}
	}
	return out
}

func (g *gen) denote(id, frame int, kind string) string {
	o, _ := g.s.Object(id)
	b, _ := qa.Box(g.s, id, frame)
	return fmt.Sprintf("%s with %sbounding box coordinates [%d,%d,%d,%d]", o.Class, kind, b[0], b[1], b[2], b[3])
}

func (g *gen) abs() (Draw, error) {
	d := Draw{Type: "abs", Viewpoint: qa.Camera}
	// random.sample(agents_with_cam, 1): the camera or one agent class, uniformly.
	camera := g.rng.IntN(g.nClasses+1) == 0
	d.V = g.rng.IntN(g.m)
	start, end := g.pair()
	if !camera {
		// extract_obj_image_mask: a random detection of the agent classes at V.
		cand := g.detectable(g.agents, d.V)
		if len(cand) == 0 {
			return d, reject("agent_not_detected")
		}
		d.Viewpoint = cand[g.rng.IntN(len(cand))]
		if _, ok := g.c.Centre(d.Viewpoint, d.V); !ok {
			return d, reject("agent_not_located")
		}
		if _, ok := g.c.Rotation(d.Viewpoint, d.V); !ok {
			return d, reject("agent_orientation")
		}
		d.Agent = g.denote(d.Viewpoint, d.V, "") + fmt.Sprintf(" at %.1fs", Round1(g.s.Timestamps[d.V]))
	} else {
		d.Agent = fmt.Sprintf("camera at %.1fs", Round1(g.s.Timestamps[d.V]))
	}
	d.Objects = g.detectable(g.objs, start)
	return g.track(d, "abs_spd", start, end)
}

func (g *gen) rel() (Draw, error) {
	d := Draw{Type: "rel", Viewpoint: qa.Camera, V: -1}
	start, end := g.pair()
	objs := g.detectable(g.objs, start)
	if g.rng.Float64() < 0.5 {
		d.Agent = "camera"
	} else {
		if len(objs) == 0 {
			return d, reject("no_objects")
		}
		k := g.rng.IntN(len(objs))
		o, _ := g.s.Object(objs[k])
		if !o.Agent {
			return d, reject("viewpoint_not_agent")
		}
		d.Viewpoint = objs[k]
		d.Agent = g.denote(objs[k], start, "initial ")
		objs = append(objs[:k:k], objs[k+1:]...)
	}
	d.Objects = objs
	return g.track(d, "rel_spd", start, end)
}

// track computes every object's positions over start..end in the viewpoint frame (qa.Compute
// of an abs_spd/rel_spd series: the reference's camera_mutual_coordinate_transform to V, then
// camera_agent_coord_trans or camera_self_coord_trans), truncated at the first frame where the
// viewpoint or any object is missing, and keeps the draw when at least 4 frames remain.
func (g *gen) track(d Draw, typ string, start, end int) (Draw, error) {
	if len(d.Objects) == 0 {
		return d, reject("no_objects")
	}
	last := end
	series := make([]qa.Series, len(d.Objects))
	for k, id := range d.Objects {
		s, l, ok := qa.Compute(g.c, qa.Spec{Type: typ, Viewpoint: d.Viewpoint, V: d.V, Objects: []int{id}, Start: start, End: end})
		if !ok {
			return d, reject("not_located")
		}
		series[k] = s
		last = min(last, l)
	}
	if last-start < 3 {
		return d, reject("interval_too_short")
	}
	d.Start, d.End = start, last
	for k, id := range d.Objects {
		d.Names = append(d.Names, g.denote(id, start, "initial "))
		d.Coords = append(d.Coords, series[k][:last-start+1])
	}
	for i := start; i <= last; i++ {
		d.Times = append(d.Times, Round1(g.s.Timestamps[i]))
	}
	return d, nil
}

// CoordsText is str(obj_coords): the Python dict of denotation → list of [x, y, z] lists.
func (d *Draw) CoordsText() string {
	var b strings.Builder
	b.WriteByte('{')
	for k, name := range d.Names {
		if k > 0 {
			b.WriteString(", ")
		}
		b.WriteString(PyStr(name))
		b.WriteString(": [")
		for i, p := range d.Coords[k] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("[" + PyFloat(p[0]) + ", " + PyFloat(p[1]) + ", " + PyFloat(p[2]) + "]")
		}
		b.WriteByte(']')
	}
	b.WriteByte('}')
	return b.String()
}

// Prompt is qa_nontemp.py's user message for a draw.
func (d *Draw) Prompt() string {
	ts := make([]string, len(d.Times))
	for i, t := range d.Times {
		ts[i] = PyFloat(t) + "s"
	}
	return PromptText(d.Agent, d.CoordsText(), d.TimeS(), d.TimeE(), strings.Join(ts, ", "))
}

// PromptText fills the reference's template: agent, str(obj_coords), the interval and the
// joined timestamps.
func PromptText(agent, coords string, timeS, timeE float64, times string) string {
	return fmt.Sprintf("From the perspective of %s in a video, %s are the 3D coordinates (x,y,z) of some objects between %.1fs and %.1fs. The positive direction of x, y, z axis are forward, left, up respectively. The coordinates are collected at %s. According to the change of 3D relationship between objects, please generate one question, which cannot be answered only with 2D knowledge and without 3D knowledge, and 4 answers where one of them is the correct answer. The question should not include description of perspective. The question should not be quantitative and related to accurate 3D coordinates. All objects must be refered with their bounding box coordinates given at the beginning. In a new line, only output your question. Then in 4 new lines, only output your 4 answers. Then in a new line, only output the symbol of correct answer.",
		agent, coords, timeS, timeE, times)
}

// Lines are the reply's lines as the reference keeps them: split on "\n", empty strings
// dropped (a line of spaces stays).
func Lines(reply string) []string {
	var out []string
	for _, l := range strings.Split(reply, "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// Validate rejects a reply without exactly 6 lines (question, 4 answers, the correct symbol):
// the reference asks again until it has them.
func Validate(reply string) error {
	if n := len(Lines(reply)); n != 6 {
		return fmt.Errorf("want 6 non-empty lines (question, 4 answers, correct symbol), got %d", n)
	}
	return nil
}

// Pair is one entry of qa_pairs_nontemp.json, in the reference's key order.
type Pair struct {
	Question string `json:"Question"`
	A        string `json:"A"`
	B        string `json:"B"`
	C        string `json:"C"`
	D        string `json:"D"`
	Correct  string `json:"Correct"`
}

// QA builds the reference's entry from a draw and a valid reply: the question prefixed with
// the perspective and the interval (lower-cased, as the reference does), the answers and the
// correct symbol verbatim.
func (d *Draw) QA(reply string) (Pair, error) {
	l := Lines(reply)
	if len(l) != 6 {
		return Pair{}, Validate(reply)
	}
	lead := "From the perspective of"
	if d.Type == "rel" {
		lead = "Following the perspective of"
	}
	q := fmt.Sprintf("%s %s, between %.1fs and %.1fs, %s", lead, d.Agent, d.TimeS(), d.TimeE(), strings.ToLower(l[0]))
	return Pair{Question: q, A: l[1], B: l[2], C: l[3], D: l[4], Correct: l[5]}, nil
}

var letterRE = regexp.MustCompile(`^\s*\(?([A-D])\)?(?:[.:)]|\s|$)`)

// Letter reads the correct symbol as a bench answer ("B", "B.", "(B)", "B. text"); "" when it
// is none of these (the reference keeps any text; dsr4d then keeps the pair in
// qa_pairs_nontemp.json but not in the bench and train files).
func Letter(correct string) string {
	m := letterRE.FindStringSubmatch(correct)
	if m == nil {
		return ""
	}
	return m[1]
}

// WriteQAPairs writes qa_pairs_nontemp.json as the reference's json.dump(..., ensure_ascii=False,
// indent=4) does: {videoID: [{Question, A, B, C, D, Correct}]}, videos in the given order (a
// video without questions has an empty list).
func WriteQAPairs(w io.Writer, videos []string, by map[string][]Pair) error {
	return qa.WriteVideoLists(w, videos, func(id string) [][]qa.Field {
		f := func(k, v string) qa.Field { return qa.Field{Key: k, Value: v} }
		objs := make([][]qa.Field, len(by[id]))
		for i, p := range by[id] {
			objs[i] = []qa.Field{f("Question", p.Question), f("A", p.A), f("B", p.B), f("C", p.C), f("D", p.D), f("Correct", p.Correct)}
		}
		return objs
	})
}

var optionRE = regexp.MustCompile(`^\s*\(?([A-D])[.):]\s*`)

// OptionText is an answer line without the letter the model may have put before it ("A. x",
// "(A) x", "A) x", "A: x" → "x" when the letter is the line's own), for the bench and train
// files, whose writers add "A. " themselves.
func OptionText(letter, line string) string {
	if m := optionRE.FindStringSubmatch(line); m != nil && m[1] == letter {
		return line[len(m[0]):]
	}
	return strings.TrimSpace(line)
}
