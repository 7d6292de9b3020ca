package curate

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// reference holds what scripts/extract_prompts.py took from the reference source.
type reference struct {
	System string                             `json:"system"`
	Motion []struct{ Caption, Prompt string } `json:"motion_prompts"`
	Agent  []struct{ Caption, Prompt string } `json:"agent_prompts"`
	Keep   []struct {
		Reply string
		Keep  bool
	} `json:"motion_keep"`
	Split []struct {
		Reply string
		Parts []string
	} `json:"agent_split"`
	Classes []string `json:"video_classes"`
	Video   []struct {
		Agent  string
		Obj    *string
		Prompt string
	} `json:"video_prompts"`
	VideoParse []struct {
		Reply    string
		Valid    bool
		Keep     bool
		Category string
	} `json:"video_parse"`
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

func TestPromptsMatchReference(t *testing.T) {
	ref := loadReference(t)
	if ref.System != System || !slices.Equal(ref.Classes, VideoClasses) {
		t.Errorf("system %q, classes %q", ref.System, ref.Classes)
	}
	if len(ref.Motion) == 0 || len(ref.Agent) == 0 || len(ref.Video) == 0 {
		t.Fatal("empty goldens")
	}
	for _, c := range ref.Motion {
		if got := MotionPrompt(c.Caption); got != c.Prompt {
			t.Errorf("motion prompt for %q:\n got %q\nwant %q", c.Caption, got, c.Prompt)
		}
	}
	for _, c := range ref.Agent {
		if got := AgentPrompt(c.Caption); got != c.Prompt {
			t.Errorf("agent prompt for %q:\n got %q\nwant %q", c.Caption, got, c.Prompt)
		}
	}
	for _, c := range ref.Video {
		obj, na := "", c.Obj == nil
		if !na {
			obj = *c.Obj
		}
		if got := VideoPrompt(c.Agent, obj, na); got != c.Prompt {
			t.Errorf("video prompt for %q/%v:\n got %q\nwant %q", c.Agent, c.Obj, got, c.Prompt)
		}
	}
}

func TestParsingMatchesReference(t *testing.T) {
	ref := loadReference(t)
	for _, c := range ref.Keep {
		if got := MotionKeep(c.Reply); got != c.Keep {
			t.Errorf("MotionKeep(%q) = %v, reference %v", c.Reply, got, c.Keep)
		}
	}
	for _, c := range ref.Split {
		got := SplitOutput(c.Reply)
		if !slices.Equal(got, c.Parts) && !(len(got) == 0 && len(c.Parts) == 0) {
			t.Errorf("SplitOutput(%q) = %q, reference %q", c.Reply, got, c.Parts)
		}
		_, _, err := ParseAgents(c.Reply)
		if (err == nil) != (len(c.Parts) == 2) {
			t.Errorf("ParseAgents(%q): %v", c.Reply, err)
		}
	}
	for _, c := range ref.VideoParse {
		cat, _, err := ParseVideoMotion(c.Reply)
		if (err == nil) != c.Valid || (cat != "") != c.Keep || (c.Keep && cat != c.Category) {
			t.Errorf("ParseVideoMotion(%q) = %q, %v; reference %+v", c.Reply, cat, err, c)
		}
	}
}

func TestFiles(t *testing.T) {
	if got := string(DynamicList([]string{"v1", "v2"})); got != "[\n    \"v1\",\n    \"v2\"\n]" {
		t.Errorf("DynamicList %q", got)
	}
	if got := string(DynamicList(nil)); got != "[]" {
		t.Errorf("empty DynamicList %q", got)
	}
	got := string(DynamicByClass(map[string][]string{"Art Performance": {"a.mp4"}}))
	if !strings.HasPrefix(got, "{\n    \"Sports & Recreation\": [],\n    \"Transportation & Vehicle Operation\": [],\n    \"Art Performance\": [\n        \"a.mp4\"\n    ],") || !strings.HasSuffix(got, "\"Nature & Wildlife\": []\n}") {
		t.Errorf("DynamicByClass %s", got)
	}
	var b bytes.Buffer
	rows := []AgentObject{{VideoID: "v1", Agent: "person.dog", Obj: "ball, large"}, {VideoID: "v2", Agent: "None", Obj: `a "b"`}}
	if err := WriteAgentObjects(&b, rows); err != nil {
		t.Fatal(err)
	}
	want := "videoID,agent,obj\nv1,person.dog,\"ball, large\"\nv2,None,\"a \"\"b\"\"\"\n"
	if b.String() != want {
		t.Errorf("csv %q", b.String())
	}
	p := filepath.Join(t.TempDir(), "agent_object.csv")
	os.WriteFile(p, b.Bytes(), 0o644)
	back, err := ReadAgentObjects(p)
	if err != nil {
		t.Fatal(err)
	}
	if back[0].AgentNA || !back[1].AgentNA || back[1].ObjNA || back[0].Obj != "ball, large" {
		t.Errorf("read back %+v", back)
	}
	if c := back[0].AgentClasses(); !slices.Equal(c, []string{"person", "dog"}) {
		t.Errorf("classes %q", c)
	}
	os.WriteFile(p, []byte("videoID,caption\nv1,\"x\ny\"\n,bad\n"), 0o644)
	if _, err := ReadCaptions(p); err == nil || !strings.Contains(err.Error(), ":4: column videoID") {
		t.Errorf("empty videoID: %v", err)
	}
	if _, err := ReadAgentObjects(p); err == nil || !strings.Contains(err.Error(), `no column "agent"`) {
		t.Errorf("missing column: %v", err)
	}
}
