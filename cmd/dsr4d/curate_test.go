package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
)

// captionServer answers the caption prompts by the caption's first word.
func captionServer(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		var req struct {
			Messages []struct {
				Content string `json:"content"`
			} `json:"messages"`
		}
		data, _ := io.ReadAll(r.Body)
		json.Unmarshal(data, &req)
		p := req.Messages[len(req.Messages)-1].Content
		var reply string
		switch {
		case strings.Contains(p, "list all classes of agents"):
			switch {
			case strings.HasPrefix(p, `"Dogs`):
				reply = "Dog.Person\n\nball.Frisbee"
			case strings.HasPrefix(p, `"Empty`):
				reply = "None\nrock"
			default:
				reply = "only one line" // invalid first, retried: still invalid → failure
			}
		case strings.HasPrefix(p, `"Dogs`):
			reply = "The dogs run around.\nyes"
		default:
			reply = "no"
		}
		json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"message": map[string]any{"content": reply}}}})
	}))
	t.Cleanup(s.Close)
	return s, &n
}

func TestCurateCaptions(t *testing.T) {
	srv, n := captionServer(t)
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "koala.csv")
	os.WriteFile(csvPath, []byte("videoID,caption,extra\nv1,\"Dogs chase a ball, fast\",x\nv2,Empty beach,y\n"), 0o644)
	out := filepath.Join(dir, "out")
	code, stdout, stderr := runCmd("curate", csvPath, "--endpoint", srv.URL+"/v1", "--model", "m", "--out", out)
	if code != 0 {
		t.Fatalf("code %d: %s", code, stderr)
	}
	dyn, _ := os.ReadFile(filepath.Join(out, "dynamic_videos.json"))
	ao, _ := os.ReadFile(filepath.Join(out, "agent_object.csv"))
	if string(dyn) != "[\n    \"v1\"\n]" || string(ao) != "videoID,agent,obj\nv1,Dog.Person,ball.Frisbee\nv2,None,rock\n" {
		t.Errorf("outputs %q %q (%s)", dyn, ao, stdout)
	}
	// import --agents reads that CSV: v1's agents, v2 has none.
	for id, want := range map[string][]string{"v1": {"dog", "person"}, "v2": nil} {
		got, err := agentList(filepath.Join(out, "agent_object.csv"), id)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("agentList %s: %q %v", id, got, err)
		}
	}
	if _, err := agentList(filepath.Join(out, "agent_object.csv"), "v9"); err == nil {
		t.Error("missing video accepted")
	}
	// A rerun asks nothing.
	before := n.Load()
	if code, _, _ := runCmd("curate", csvPath, "--endpoint", srv.URL+"/v1", "--model", "m", "--out", out); code != 0 || n.Load() != before {
		t.Errorf("rerun: code %d, %d new requests", code, n.Load()-before)
	}
	// A row whose reply never parses fails the run, is listed, and no output is written.
	os.WriteFile(csvPath, []byte("videoID,caption\nv3,Odd one\n"), 0o644)
	out2 := filepath.Join(dir, "out2")
	code, _, stderr = runCmd("curate", csvPath, "--stage", "agent", "--endpoint", srv.URL+"/v1", "--model", "m", "--out", out2, "--retries", "2")
	if code != 1 || !strings.Contains(stderr, "1 rows got no usable reply") {
		t.Errorf("code %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(out2, "agent_object.csv")); err == nil {
		t.Error("agent_object.csv written with a failed row")
	}
	if f, _ := os.ReadFile(filepath.Join(out2, "failures.json")); !strings.Contains(string(f), "want 2 non-empty lines") {
		t.Errorf("failures.json %s", f)
	}
}
