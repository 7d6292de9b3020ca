package qa_test

import (
	"bytes"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/dsr4d/dsr4d/pipeline/fuse"
	"github.com/dsr4d/dsr4d/pipeline/qa"
	"github.com/dsr4d/dsr4d/pipeline/questions"
	"github.com/dsr4d/dsr4d/pipeline/scene"
	"github.com/dsr4d/dsr4d/pipeline/synth"
)

var (
	smallOnce sync.Once
	smallRes  *synth.Result
	smallErr  error
)

// small is a small synthetic scene shared by the tests (CPU caster).
func small(t testing.TB) *synth.Result {
	t.Helper()
	smallOnce.Do(func() {
		cfg := synth.DefaultConfig()
		cfg.Frames, cfg.Size, cfg.PointsSize = 16, [2]int{192, 108}, [2]int{96, 54}
		smallRes, smallErr = synth.Generate(cfg, synth.CPU{})
	})
	if smallErr != nil {
		t.Fatal(smallErr)
	}
	return smallRes
}

func generate(t testing.TB, perVideo int, seed uint64) ([]qa.Question, qa.Stats) {
	r := small(t)
	c := fuse.CPU(r.Scene, 0)
	return qa.Generate(r.Scene, &qa.Estimated{S: r.Scene, Centres: c}, qa.Options{PerVideo: perVideo, Seed: seed})
}

func TestGenerateRecomputesFromProvenance(t *testing.T) {
	t.Parallel()
	qs, st := generate(t, 200, 7)
	t.Logf("stats: %+v", st)
	if len(qs) < 50 {
		t.Fatalf("only %d questions of 200 attempts: %+v", len(qs), st)
	}
	var buf bytes.Buffer
	if err := qa.WriteDSR4D(&buf, qs); err != nil {
		t.Fatal(err)
	}
	back, err := questions.Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]int{}
	for i, q := range back {
		types[q.Type]++
		ans, err := qa.Answer(q.Type, q.Series)
		if err != nil {
			t.Fatalf("question %d: %v", i, err)
		}
		if ans != q.AnswerText() {
			t.Errorf("question %d (%s): recomputed %q, stored %q", i, q.Type, ans, q.AnswerText())
		}
		if n := qa.States(ans); n > 15 {
			t.Errorf("question %d: %d states", i, n)
		}
		if fam := qa.Family(q.Type); fam != "dir_pred" && qa.Steps(q.Type, q.End-q.Start+1) < 4 {
			t.Errorf("question %d: interval %d..%d too short", i, q.Start, q.End)
		}
		seen := map[string]bool{}
		for _, o := range q.Options {
			if seen[o] {
				t.Errorf("question %d: duplicate option %q", i, o)
			}
			seen[o] = true
		}
		if !strings.Contains(q.Question, "camera") && !strings.Contains(q.Question, "bounding box") {
			t.Errorf("question %d: no denotation: %q", i, q.Question)
		}
	}
	if len(types) < 10 {
		t.Errorf("only %d types: %v", len(types), types)
	}
}

func TestGenerateDeterministic(t *testing.T) {
	t.Parallel()
	a, _ := generate(t, 30, 3)
	b, _ := generate(t, 30, 3)
	c, _ := generate(t, 30, 4)
	var ba, bb, bc bytes.Buffer
	qa.WriteDSR4D(&ba, a)
	qa.WriteDSR4D(&bb, b)
	qa.WriteDSR4D(&bc, c)
	if !bytes.Equal(ba.Bytes(), bb.Bytes()) {
		t.Error("same seed, different output")
	}
	if bytes.Equal(ba.Bytes(), bc.Bytes()) {
		t.Error("different seeds, same output")
	}
}

// TestGenerateUnusableOrientations: with every orientation below 0.6 no question takes an
// agent's viewpoint or asks an agent's orientation; the attempts are counted, never a crash.
func TestGenerateUnusableOrientations(t *testing.T) {
	t.Parallel()
	r := small(t)
	s := *r.Scene
	s.Orient = map[int][]scene.Orientation{}
	for id, list := range r.Scene.Orient {
		for _, o := range list {
			o.Confidence = 0.5
			s.Orient[id] = append(s.Orient[id], o)
		}
	}
	c := fuse.CPU(&s, 0)
	qs, st := qa.Generate(&s, &qa.Estimated{S: &s, Centres: c}, qa.Options{PerVideo: 200, Seed: 5})
	for _, q := range qs {
		fam := qa.Family(q.Type)
		if q.Viewpoint != qa.Camera && q.Type != "rel_dis" {
			t.Errorf("%s uses agent %d's viewpoint: %s", q.Type, q.Viewpoint, q.Question)
		}
		if fam == "ori" && q.Objects[0] != qa.Camera {
			t.Errorf("%s asks agent %d's orientation", q.Type, q.Objects[0])
		}
	}
	rejected := 0
	for _, n := range st.Rejected {
		rejected += n
	}
	if st.Generated+rejected != st.Attempts || st.Attempts != 200 {
		t.Errorf("stats don't add up: %+v", st)
	}
}

func TestNearThreshold(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		typ  string
		s    qa.Series
		want bool
	}{
		{"rel_dis", qa.Series{{1}, {1.2}, {2}}, true},
		{"rel_dis", qa.Series{{1}, {1.1}, {2}}, false},
		{"abs_dis", qa.Series{{0.1}, {0.5}}, true},
		{"rel_dir", qa.Series{{0.3, 0, math.Sqrt(1 - 0.09)}}, true},
		{"rel_dir", qa.Series{{1, 0, 0}}, false},
		{"abs_spd_comp", qa.Series{{0, 0, 0, 0, 0, 0}, {1.2, 0, 0, 1, 0, 0}}, true},
	} {
		if got := qa.NearThreshold(c.typ, c.s); got != c.want {
			t.Errorf("%s %v: %v, want %v", c.typ, c.s, got, c.want)
		}
	}
}
