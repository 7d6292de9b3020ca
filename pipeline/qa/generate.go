package qa

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/dsr4d/dsr4d/pipeline/scene"
)

// Rejection reasons counted in Stats.Rejected: why an attempt made no question.
const (
	RejectNoAgents    = "no_agents"            // the video has no agent (the reference skips it)
	RejectFewFrames   = "too_few_frames"       // fewer than 5 askable frames: no interval of ≥ 4 frames
	RejectFewObjects  = "too_few_objects"      // fewer detectable objects (masks non-empty) than the type draws
	RejectNotAgent    = "viewpoint_not_agent"  // rel_spd, rel_spd_comp: the first drawn object is not an agent
	RejectViewpoint   = "viewpoint_unusable"   // the viewpoint agent is not visible or has no usable orientation at v
	RejectObject      = "object_not_visible"   // dir_pred: the object (or viewpoint) is not visible at a needed frame
	RejectShort       = "interval_too_short"   // after truncation, < 4 frames (< 4 steps for speed types)
	RejectStates      = "too_many_states"      // the answer has > 15 states
	RejectWarning     = "runtime_warning"      // numpy would warn (division by zero): the reference raises
	RejectSame        = "object_is_viewpoint"  // rel_dir_pred: object and viewpoint coincide
	RejectRedrawBug   = "reference_redraw_bug" // rel_spd_comp: a distractor redraw hits the reference's np.random_uniform typo
	RejectDistractors = "distractors"          // no distinct distractors found
	RejectStill       = "object_still"         // dir_pred: a displacement shorter than the cues resolve; spd: a speed step that short decides a 0/0 (Resolver)
)

// Options control Generate.
type Options struct {
	// PerVideo is the number of attempts per video (the reference's qa_num, default 10): each
	// attempt draws a type and yields at most one question.
	PerVideo int
	// Seed seeds the one random source; each video's stream is derived from it and the video
	// id, so a video's questions do not depend on which other videos are processed with it.
	Seed uint64
}

// Stats count what Generate did.
type Stats struct {
	Attempts  int `json:"attempts"`
	Generated int `json:"generated"`
	// NearThreshold counts generated questions with a value within NearTol of a threshold.
	NearThreshold int            `json:"near_threshold"`
	ByType        map[string]int `json:"by_type"`
	Rejected      map[string]int `json:"rejected"`
}

// Add accumulates o into s.
func (s *Stats) Add(o Stats) {
	s.Attempts += o.Attempts
	s.Generated += o.Generated
	s.NearThreshold += o.NearThreshold
	for _, m := range []struct {
		dst *map[string]int
		src map[string]int
	}{{&s.ByType, o.ByType}, {&s.Rejected, o.Rejected}} {
		if *m.dst == nil {
			*m.dst = map[string]int{}
		}
		for k, v := range m.src {
			(*m.dst)[k] += v
		}
	}
}

// rejectErr carries a rejection reason out of an attempt.
type rejectErr string

func (r rejectErr) Error() string { return string(r) }

// gen holds one video's generation state.
type gen struct {
	s      *scene.Scene
	c      Cues
	rng    *rand.Rand
	agents []int // agent ids
	objs   []int // all object ids (objects then agents, as the reference's objs.extend(agents))
	m      int   // askable frames: all but the last two
}

// videoSeed derives a video's stream from the seed and its id.
func videoSeed(seed uint64, id string) (uint64, uint64) {
	h := fnv.New64a()
	h.Write([]byte(id))
	return seed, h.Sum64()
}

// Generate makes up to opt.PerVideo questions for the scene from cues, following the
// reference's generate_one_video: per attempt an inverse-frequency type draw, then the
// type's viewpoint, objects and times, the series with truncation, the filters, three
// distractors and a uniform letter. Cues decide the values; the scene's masks decide which
// objects are detectable and their boxes.
func Generate(s *scene.Scene, c Cues, opt Options) ([]Question, Stats) {
	st := Stats{ByType: map[string]int{}, Rejected: map[string]int{}}
	g := &gen{s: s, c: c, rng: rand.New(rand.NewPCG(videoSeed(opt.Seed, s.VideoID))), m: s.N - 2}
	var agents, others []int
	for _, o := range s.Objects {
		if o.Agent {
			agents = append(agents, o.ID)
		} else {
			others = append(others, o.ID)
		}
	}
	g.agents = agents
	g.objs = append(others, agents...)
	if len(agents) == 0 {
		st.Rejected[RejectNoAgents]++
		return nil, st
	}
	counts := make([]int, len(Types))
	var out []Question
	for a := range opt.PerVideo {
		st.Attempts++
		typ := Types[g.pickType(counts)]
		q, err := g.attempt(typ)
		if err != nil {
			var r rejectErr
			if errors.As(err, &r) {
				st.Rejected[string(r)]++
			} else {
				st.Rejected[err.Error()]++
			}
			continue
		}
		q.VideoID, q.Seed, q.Attempt = s.VideoID, opt.Seed, a
		out = append(out, q)
		counts[indexOf(typ)]++
		st.Generated++
		st.ByType[typ]++
		if NearThreshold(typ, q.Series) {
			st.NearThreshold++
		}
	}
	return out, st
}

func indexOf(typ string) int {
	for i, t := range Types {
		if t == typ {
			return i
		}
	}
	return -1
}

// pickType is the reference's prob_cal + random.choices: weight (Σcounts + #types)/(count+1).
func (g *gen) pickType(counts []int) int {
	total := len(counts)
	for _, c := range counts {
		total += c
	}
	w := make([]float64, len(counts))
	sum := 0.0
	for i, c := range counts {
		w[i] = 1 / (float64(c+1) / float64(total))
		sum += w[i]
	}
	r := g.rng.Float64() * sum
	for i, x := range w {
		if r < x {
			return i
		}
		r -= x
	}
	return len(w) - 1
}

// detectable returns the ids of pool whose mask at frame i is non-empty: what the reference's
// detector can find there.
func (g *gen) detectable(pool []int, i int) []int {
	var out []int
	for _, id := range pool {
		for _, in := range g.s.Mask(id, i) {
			if in {
				out = append(out, id)
				break
			}
		}
	}
	return out
}

// sample is random.sample(pool, k): k distinct ids in random order.
func (g *gen) sample(pool []int, k int) ([]int, error) {
	if len(pool) < k {
		return nil, rejectErr(RejectFewObjects)
	}
	p := append([]int(nil), pool...)
	for i := range k {
		j := i + g.rng.IntN(len(p)-i)
		p[i], p[j] = p[j], p[i]
	}
	return p[:k], nil
}

// interval draws two askable frames at least 4 apart (the reference's rejection loop).
func (g *gen) interval() (int, int, error) {
	if g.m < 5 {
		return 0, 0, rejectErr(RejectFewFrames)
	}
	for {
		a, b := g.rng.IntN(g.m), g.rng.IntN(g.m-1)
		if b >= a {
			b++
		}
		a, b = min(a, b), max(a, b)
		if b-a >= 4 {
			return a, b, nil
		}
	}
}

// cameraSlots is the reference's loop: slot k becomes the camera with probability 0.5, at most
// one slot, tried in order.
func (g *gen) cameraSlots(n int) []bool {
	cam := make([]bool, n)
	for k := range n {
		if g.rng.Float64() < 0.5 {
			cam[k] = true
			break
		}
	}
	return cam
}

func (g *gen) name(id, frame int, kind string) string {
	if id == Camera {
		return "camera"
	}
	o, _ := g.s.Object(id)
	b, _ := Box(g.s, id, frame)
	if kind != "" {
		kind += " "
	}
	return fmt.Sprintf("%s with %sbounding box coordinates [%d,%d,%d,%d]", o.Class, kind, b[0], b[1], b[2], b[3])
}

// attempt makes one question of type typ or says why not.
func (g *gen) attempt(typ string) (Question, error) {
	fam, abs := Family(typ), Absolute(typ)
	var sp Spec
	sp.Type, sp.V = typ, -1
	var vName string
	var objNames []string
	if fam == "dir_pred" {
		return g.dirPred(typ)
	}
	s, e, err := g.interval()
	if err != nil {
		return Question{}, err
	}
	sp.Start = s
	nObj := 2
	if fam == "ori" || fam == "spd" {
		nObj = 1
	}
	if abs {
		// Viewpoint: camera or an agent detected at v, visible with a usable orientation there.
		sp.Viewpoint = Camera
		isAgent := g.rng.IntN(len(g.agents)+1) > 0
		sp.V = g.rng.IntN(g.m)
		if isAgent {
			ids, err := g.sample(g.detectable(g.agents, sp.V), 1)
			if err != nil {
				return Question{}, err
			}
			sp.Viewpoint = ids[0]
			_, ok1 := g.c.Centre(sp.Viewpoint, sp.V)
			_, ok2 := g.c.Rotation(sp.Viewpoint, sp.V)
			if !ok1 || !ok2 {
				return Question{}, rejectErr(RejectViewpoint)
			}
		}
		vName = g.name(sp.Viewpoint, sp.V, "")
		cam := g.cameraSlots(nObj)
		pool := g.objs
		if fam == "ori" || fam == "spd" {
			pool = g.agents
		}
		ids, err := g.sample(g.detectable(pool, s), nObj)
		if err != nil {
			return Question{}, err
		}
		for k := range nObj {
			if cam[k] {
				ids[k] = Camera
			}
		}
		sp.Objects = ids
	} else {
		switch fam {
		case "dir", "dis":
			sp.Viewpoint = Camera
			if g.rng.IntN(len(g.agents)+1) > 0 {
				ids, err := g.sample(g.detectable(g.agents, s), 1)
				if err != nil {
					return Question{}, err
				}
				sp.Viewpoint = ids[0]
			}
			cam := g.cameraSlots(2)
			ids, err := g.sample(g.detectable(g.objs, s), 2)
			if err != nil {
				return Question{}, err
			}
			for k := range 2 {
				if cam[k] {
					ids[k] = Camera
				}
			}
			sp.Objects = ids
		default: // ori, spd, spd_comp: the first drawn object is the viewpoint
			n := map[string]int{"ori": 2, "spd": 2, "spd_comp": 3}[fam]
			cam := g.cameraSlots(n)
			pool := g.objs
			if fam == "ori" {
				pool = g.agents
			}
			ids, err := g.sample(g.detectable(pool, s), n)
			if err != nil {
				return Question{}, err
			}
			if fam != "ori" {
				if o, _ := g.s.Object(ids[0]); !o.Agent {
					return Question{}, rejectErr(RejectNotAgent)
				}
			}
			for k := range n {
				if cam[k] {
					ids[k] = Camera
				}
			}
			sp.Viewpoint, sp.Objects = ids[0], ids[1:]
		}
		vName = g.name(sp.Viewpoint, s, "initial")
	}
	for _, id := range sp.Objects {
		objNames = append(objNames, g.name(id, s, "initial"))
	}
	sp.End = e
	series, last, ok := Compute(g.c, sp)
	if !ok {
		return Question{}, rejectErr(RejectViewpoint)
	}
	sp.End = last
	answer, still, err := ResolvedAnswer(g.c, typ, series)
	if still {
		return Question{}, rejectErr(RejectStill)
	}
	if err != nil {
		return Question{}, warnReason(err)
	}
	if States(answer) > 15 {
		return Question{}, rejectErr(RejectStates)
	}
	if Steps(typ, len(series)) < 4 {
		return Question{}, rejectErr(RejectShort)
	}
	ts := g.s.Timestamps
	var text string
	args := []any{ts[s], ts[sp.End], vName}
	times := []float64{ts[s], ts[sp.End]}
	if abs {
		args = append(args, ts[sp.V])
		times = append(times, ts[sp.V])
	}
	for _, n := range objNames {
		args = append(args, n)
	}
	text = fmt.Sprintf(Templates[typ], args...)
	q := Question{Question: text, Spec: sp, Names: append([]string{vName}, objNames...), Times: times, Series: series}
	if err := g.finish(&q, answer, len(series)); err != nil {
		return Question{}, err
	}
	return q, nil
}

func warnReason(err error) error {
	if errors.Is(err, ErrWarning) {
		return rejectErr(RejectWarning)
	}
	return err
}

// dirPred makes a rel_dir_pred or abs_dir_pred question: the object's displacement between
// the third-to-last and the last frame.
func (g *gen) dirPred(typ string) (Question, error) {
	n := g.s.N
	if n < 3 {
		return Question{}, rejectErr(RejectFewFrames)
	}
	abs := Absolute(typ)
	sp := Spec{Type: typ, V: -1, Start: n - 3, End: n - 1}
	isAgent := g.rng.IntN(len(g.agents)+1) > 0
	if abs {
		if g.m < 1 {
			return Question{}, rejectErr(RejectFewFrames)
		}
		sp.V = g.rng.IntN(g.m)
	}
	camObj := g.rng.Float64() < 0.5
	ids, err := g.sample(g.detectable(g.objs, n-3), 1)
	if err != nil {
		return Question{}, err
	}
	sp.Objects = ids
	if camObj {
		sp.Objects = []int{Camera}
	}
	sp.Viewpoint = Camera
	vFrame, vKind := n-3, "final"
	if abs {
		vFrame, vKind = sp.V, ""
	}
	if isAgent {
		a, err := g.sample(g.detectable(g.agents, vFrame), 1)
		if err != nil {
			return Question{}, err
		}
		sp.Viewpoint = a[0]
	}
	if !abs && sp.Viewpoint != Camera && sp.Objects[0] != Camera && iou(g.s, sp.Objects[0], sp.Viewpoint, n-3) > 0.5 {
		return Question{}, rejectErr(RejectSame)
	}
	series, _, ok := Compute(g.c, sp)
	if !ok {
		if abs && sp.Viewpoint != Camera {
			_, ok1 := g.c.Centre(sp.Viewpoint, sp.V)
			_, ok2 := g.c.Rotation(sp.Viewpoint, sp.V)
			if !ok1 || !ok2 {
				return Question{}, rejectErr(RejectViewpoint)
			}
		}
		return Question{}, rejectErr(RejectObject)
	}
	if r, ok := g.c.(Resolver); ok && displacement(series) < r.Resolution() {
		return Question{}, rejectErr(RejectStill)
	}
	answer, still, err := ResolvedAnswer(g.c, typ, series)
	if still {
		return Question{}, rejectErr(RejectStill)
	}
	if err != nil {
		return Question{}, warnReason(err)
	}
	vName := g.name(sp.Viewpoint, vFrame, vKind)
	oName := g.name(sp.Objects[0], n-3, "final")
	if !abs && vName == oName {
		return Question{}, rejectErr(RejectSame)
	}
	var text string
	var times []float64
	if abs {
		text = fmt.Sprintf(Templates[typ], vName, g.s.Timestamps[sp.V], oName)
		times = []float64{g.s.Timestamps[sp.V]}
	} else {
		text = fmt.Sprintf(Templates[typ], vName, oName)
	}
	q := Question{Question: text, Spec: sp, Names: []string{vName, oName}, Times: times, Series: series}
	if err := g.finish(&q, answer, 2); err != nil {
		return Question{}, err
	}
	return q, nil
}

// maxRedraws bounds the distractor redraw loop (the reference's is unbounded).
const maxRedraws = 10000

// finish draws the three distractors and the letter, as the reference does.
func (g *gen) finish(q *Question, answer string, frames int) error {
	fam := Family(q.Type)
	L := States(answer)
	draw := func() (string, error) {
		switch fam {
		case "dis":
			return DescribeDistRuns(g.uniform(frames, 0, 2))
		case "spd":
			if Absolute(q.Type) {
				return DescribeDistRuns(g.uniform(frames-1, 0, 2))
			}
			// Quirk: rel_spd distractors draw speeds from uniform(−1, 1).
			return DescribeDistRuns(g.uniform(frames-1, -1, 1))
		case "spd_comp":
			a := g.uniform(frames-1, 0, 2)
			return DescribeSpdComp(a, g.uniform(frames-1, 0, 2))
		case "dir_pred":
			return DescribeDir(vecs3(g.uniform(3, -1, 1)))
		default:
			return DescribeDir(vecs3(g.uniform(3*frames, -1, 1)))
		}
	}
	candidate := func() (string, error) {
		w, err := draw()
		if err != nil {
			return "", warnReason(err)
		}
		if fam == "dir_pred" {
			return w, nil
		}
		m := States(w)
		lo := 1
		if m > L-3 {
			lo = max(1, L-3)
		}
		hi := min(L+3, m)
		if lo > hi {
			return "", rejectErr(RejectDistractors)
		}
		return truncateStates(w, lo+g.rng.IntN(hi-lo+1)), nil
	}
	var wrong []string
	for range 3 {
		w, err := candidate()
		if err != nil {
			return err
		}
		for tries := 0; w == answer || contains(wrong, w); tries++ {
			if q.Type == "rel_spd_comp" {
				return rejectErr(RejectRedrawBug)
			}
			if tries == maxRedraws {
				return rejectErr(RejectDistractors)
			}
			if w, err = candidate(); err != nil {
				return err
			}
		}
		wrong = append(wrong, w)
	}
	c := int(g.rng.Float64() * 4)
	letters := "ABCD"
	q.Correct = letters[c : c+1]
	k := 0
	for i := range 4 {
		if i == c {
			q.Options[i] = answer
			continue
		}
		q.Options[i] = wrong[k]
		k++
	}
	return nil
}

func (g *gen) uniform(n int, lo, hi float64) []float64 {
	v := make([]float64, max(n, 0))
	for i := range v {
		v[i] = lo + (hi-lo)*g.rng.Float64()
	}
	return v
}

func vecs3(f []float64) []r3.Vec {
	out := make([]r3.Vec, len(f)/3)
	for i := range out {
		out[i] = r3.Vec{X: f[3*i], Y: f[3*i+1], Z: f[3*i+2]}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// AnswerText returns the text of the correct option.
