package nontemp

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/dsr4d/dsr4d/geom"
	"github.com/dsr4d/dsr4d/pipeline/fuse"
	"github.com/dsr4d/dsr4d/pipeline/qa"
	"github.com/dsr4d/dsr4d/pipeline/synth"
)

type reference struct {
	System  string `json:"system"`
	Prompts []struct {
		Agent    string        `json:"agent"`
		Names    []string      `json:"names"`
		Coords   [][][]float64 `json:"coords"`
		CoordStr string        `json:"obj_coords_str"`
		TimeS    float64       `json:"time_s"`
		TimeE    float64       `json:"time_e"`
		Times    []float64     `json:"timestamps_tmp"`
		Prompt   string        `json:"prompt"`
	} `json:"prompts"`
	QA []struct {
		Reply string   `json:"reply"`
		Lines []string `json:"lines"`
		Valid bool     `json:"valid"`
		Rel   *Pair    `json:"rel"`
		Abs   *Pair    `json:"abs"`
	} `json:"qa"`
}

func loadReference(t *testing.T) reference {
	data, err := os.ReadFile("testdata/reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var r reference
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestPromptMatchesReference(t *testing.T) {
	ref := loadReference(t)
	if ref.System != System || len(ref.Prompts) == 0 {
		t.Fatalf("system %q, %d prompts", ref.System, len(ref.Prompts))
	}
	for _, p := range ref.Prompts {
		d := Draw{Agent: p.Agent, Names: p.Names, Coords: p.Coords, Times: p.Times}
		if got := d.CoordsText(); got != p.CoordStr {
			t.Errorf("str(obj_coords):\n got %s\nwant %s", got, p.CoordStr)
		}
		var ts []string
		for _, x := range p.Times {
			ts = append(ts, PyFloat(x)+"s")
		}
		if got := PromptText(p.Agent, d.CoordsText(), p.TimeS, p.TimeE, strings.Join(ts, ", ")); got != p.Prompt {
			t.Errorf("prompt:\n got %q\nwant %q", got, p.Prompt)
		}
		if p.TimeS == p.Times[0] && p.TimeE == p.Times[len(p.Times)-1] && d.Prompt() != p.Prompt {
			t.Errorf("Draw.Prompt differs from the reference")
		}
	}
}

func TestQAMatchesReference(t *testing.T) {
	ref := loadReference(t)
	for _, c := range ref.QA {
		if got := Lines(c.Reply); !slices.Equal(got, c.Lines) {
			t.Errorf("Lines(%q) = %q, reference %q", c.Reply, got, c.Lines)
		}
		if (Validate(c.Reply) == nil) != c.Valid {
			t.Errorf("Validate(%q) = %v, reference valid=%v", c.Reply, Validate(c.Reply), c.Valid)
		}
		for _, k := range []struct {
			typ  string
			want *Pair
		}{{"rel", c.Rel}, {"abs", c.Abs}} {
			d := Draw{Type: k.typ, Agent: "camera", Times: []float64{0.3, 0.6, 1.0, 1.25}}
			got, err := d.QA(c.Reply)
			if c.Valid != (err == nil) || (k.want != nil && got != *k.want) {
				t.Errorf("%s QA(%q) = %+v, %v; reference %+v", k.typ, c.Reply, got, err, k.want)
			}
		}
	}
}

func TestPyRepr(t *testing.T) {
	for x, want := range map[float64]string{0: "0.0", 1: "1.0", -2.5: "-2.5", 1e-4: "0.0001", 1e-5: "1e-05", 1e15: "1000000000000000.0", 1e16: "1e+16", 123456.789: "123456.789",
		math.Inf(1): "inf", 2.675: "2.675", 1.0 / 3: "0.3333333333333333", -1.5e-7: "-1.5e-07"} {
		if got := PyFloat(x); got != want {
			t.Errorf("PyFloat(%v) = %q, want %q", x, got, want)
		}
	}
	a, b := 0.1, 0.2
	if got := PyFloat(a + b); got != "0.30000000000000004" {
		t.Errorf("PyFloat(0.1+0.2) = %q", got)
	}
	if got := PyFloat(math.Copysign(0, -1)); got != "-0.0" {
		t.Errorf("-0: %q", got)
	}
	if PyStr("a'b") != `"a'b"` || PyStr(`a'"b`) != `'a\'"b'` || PyStr("x\ny") != `'x\ny'` {
		t.Errorf("PyStr: %s %s %s", PyStr("a'b"), PyStr(`a'"b`), PyStr("x\ny"))
	}
	if Round1(0.25) != 0.2 || Round1(0.35) != 0.3 || Round1(1.06) != 1.1 {
		t.Error("Round1")
	}
	for in, want := range map[string]string{"A. up": "up", "(A) up": "up", "A)up": "up", "B. up": "B. up", " down ": "down", "All of them": "All of them"} {
		if got := OptionText("A", in); got != want {
			t.Errorf("OptionText(A, %q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"B": "B", " (C)": "C", "D. down": "D", "A)": "A", "Answer: B": "", "E": "", "Both": ""} {
		if got := Letter(in); got != want {
			t.Errorf("Letter(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestGenerateOnSyntheticScene(t *testing.T) {
	cfg := synth.DefaultConfig()
	cfg.Frames, cfg.Size, cfg.PointsSize = 16, [2]int{192, 108}, [2]int{96, 54}
	res, err := synth.Generate(cfg, synth.CPU{})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Scene
	cues := &qa.Estimated{S: s, Centres: fuse.CPU(s, 0)}
	rng := Seed(3, s.VideoID)
	kinds := map[string]int{}
	for range 30 {
		d, rej, err := Generate(s, cues, rng)
		if err != nil {
			t.Logf("attempt failed: %v %v", err, rej)
			continue
		}
		kind := d.Type + "/camera"
		if d.Viewpoint != qa.Camera {
			kind = d.Type + "/agent"
		}
		kinds[kind]++
		n := d.End - d.Start + 1
		if n < 4 || d.End > s.N-3 || len(d.Times) != n || len(d.Names) != len(d.Objects) || len(d.Coords) != len(d.Objects) {
			t.Fatalf("draw %+v", d)
		}
		for k, id := range d.Objects {
			if len(d.Coords[k]) != n {
				t.Fatalf("object %d: %d positions for %d frames", id, len(d.Coords[k]), n)
			}
			if d.Type == "rel" && id == d.Viewpoint {
				t.Errorf("relative viewpoint %d among its objects", id)
			}
			if !strings.Contains(d.Names[k], " with initial bounding box coordinates [") {
				t.Errorf("name %q", d.Names[k])
			}
		}
		// Independent check of one case: relative camera positions are the centres in each
		// frame's camera, axes as (forward, left, up).
		if d.Type == "rel" && d.Viewpoint == qa.Camera {
			for k, id := range d.Objects {
				for j := range n {
					c, _ := cues.Centre(id, d.Start+j)
					want := geom.CameraViewer(c)
					got := r3.Vec{X: d.Coords[k][j][0], Y: d.Coords[k][j][1], Z: d.Coords[k][j][2]}
					if r3.Norm(r3.Sub(got, want)) > 1e-9 {
						t.Fatalf("object %d frame %d: %v, want %v", id, d.Start+j, got, want)
					}
				}
			}
			if d.Agent != "camera" {
				t.Errorf("agent %q", d.Agent)
			}
		}
		if d.Type == "abs" && !strings.HasSuffix(d.Agent, "s") {
			t.Errorf("absolute agent %q without its time", d.Agent)
		}
		p := d.Prompt()
		if !strings.HasPrefix(p, "From the perspective of "+d.Agent+" in a video, {'") {
			t.Errorf("prompt %q", p[:80])
		}
	}
	if len(kinds) < 3 {
		t.Errorf("draw kinds %v: want abs and rel, camera and agent", kinds)
	}
	var b bytes.Buffer
	WriteQAPairs(&b, []string{"v1", "v2"}, map[string][]Pair{"v1": {{"q", "a", "b", "c", "d", "B"}}})
	want := "{\n    \"v1\": [\n        {\n            \"Question\": \"q\",\n            \"A\": \"a\",\n            \"B\": \"b\",\n            \"C\": \"c\",\n            \"D\": \"d\",\n            \"Correct\": \"B\"\n        }\n    ],\n    \"v2\": []\n}"
	if b.String() != want {
		t.Errorf("qa_pairs_nontemp.json:\n%s", b.String())
	}
}
