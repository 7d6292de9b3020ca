package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
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

// lavfiVideo writes a small testsrc video of n frames.
func lavfiVideo(t *testing.T, path string, n int) {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=10",
		"-frames:v", fmt.Sprint(n), "-pix_fmt", "yuv420p", "-c:v", "mpeg4", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v %s", err, out)
	}
}

// TestVideosThroughFFmpeg runs eval --endpoint --videos and curate --videos on real videos.
func TestVideosThroughFFmpeg(t *testing.T) {
	needTool(t, "ffmpeg")
	benchPath, _, answers := endpointBench(t, 4)
	vids := t.TempDir()
	lavfiVideo(t, filepath.Join(vids, "vid0.mp4"), 30)
	lavfiVideo(t, filepath.Join(vids, "vid1.mp4"), 20)
	srv := newFakeVLM(t, answers, 0, nil)
	out := t.TempDir()
	code, stdout, stderr := runCmd("eval", "--endpoint", srv.URL+"/v1", "--model", "fake", "--bench", benchPath,
		"--videos", vids, "--nframe", "3", "--out", out)
	if code != 0 || !strings.Contains(stdout, "overall 100.0%") || srv.images[0] != 3 {
		t.Fatalf("eval --videos: code %d, %d images: %s %s", code, srv.images[0], stdout, stderr)
	}
	if m, _ := filepath.Glob(filepath.Join(out, "frames", "vid0", "nframe3", "frame-*-of-3.jpg")); len(m) != 3 {
		t.Errorf("cached frames %v", m)
	}
	// curate --videos: vid0 is kept under its category, vid1 has no agents, vid2 is refused.
	lavfiVideo(t, filepath.Join(vids, "vid2.mp4"), 20)
	agents := filepath.Join(t.TempDir(), "agent_object.csv")
	os.WriteFile(agents, []byte("videoID,agent,obj\nvid0,Person.Dog,\nvid1,None,ball\nvid2,cat,box\n"), 0o644)
	var prompts []string
	var mu sync.Mutex
	gem := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		var req struct {
			Messages []struct {
				Content []struct {
					Type, Text string
				} `json:"content"`
			} `json:"messages"`
		}
		json.Unmarshal(data, &req)
		parts := req.Messages[0].Content
		p := parts[len(parts)-1].Text
		mu.Lock()
		prompts = append(prompts, p)
		mu.Unlock()
		reply := "no\nNature & Wildlife"
		if strings.Contains(p, "agent in the video is person, dog. The object in the video is [].") && len(parts) == 5 {
			reply = "yes\nNature & Wildlife"
		}
		json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"message": map[string]any{"content": reply}}}})
	}))
	defer gem.Close()
	cout := t.TempDir()
	code, stdout, stderr = runCmd("curate", "--videos", vids, "--agents", agents, "--endpoint", gem.URL+"/v1", "--model", "g",
		"--nframe", "4", "--out", cout)
	if code != 0 || len(prompts) != 2 {
		t.Fatalf("curate --videos: code %d, %d prompts: %s %s", code, len(prompts), stdout, stderr)
	}
	dyn, _ := os.ReadFile(filepath.Join(cout, "dynamic_videos.json"))
	if !strings.Contains(string(dyn), "\"Nature & Wildlife\": [\n        \"vid0.mp4\"\n    ]") || !strings.Contains(stdout, "dropped map[no:1 no_agents:1]") {
		t.Errorf("dynamic_videos.json %s; %s", dyn, stdout)
	}
}
