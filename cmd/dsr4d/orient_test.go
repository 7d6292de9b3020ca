package main

import (
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dsr4d/dsr4d/pipeline/scene"
	"github.com/dsr4d/dsr4d/pipeline/synth"
)

var tinyOrient = filepath.Join("..", "..", "nn", "orient", "testdata", "tiny.pt")

// orientScene writes a small synthetic scene without its orient.json.
func orientScene(t *testing.T) string {
	cfg := synth.DefaultConfig()
	cfg.Seed = 7
	cfg.Frames, cfg.Size, cfg.PointsSize = 6, [2]int{96, 64}, [2]int{48, 32}
	r, err := synth.Generate(cfg, synth.CPU{})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "s")
	if err := synth.Write(dir, r); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, scene.OrientFile)); err != nil {
		t.Fatal(err)
	}
	return dir
}

// dsr4d orient fills orient.json for every agent at every frame where it is visible, counting
// the frames where its mask is empty; a second run needs --force.
func TestOrient(t *testing.T) {
	t.Parallel()
	dir := orientScene(t)
	args := []string{"orient", "--scene", dir, "--weights", tinyOrient, "--orient-heads", "2", "--device", "cpu", "--orient-batch", "3"}
	code, stdout, stderr := runCmd(args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	t.Log(stdout)
	s, err := scene.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	want, empty := 0, 0
	for _, o := range s.Objects {
		if !o.Agent {
			if len(s.Orient[o.ID]) != 0 {
				t.Errorf("object %d is not an agent but has orientations", o.ID)
			}
			continue
		}
		for i := range s.N {
			m := s.Mask(o.ID, i)
			visible := false
			for _, v := range m {
				visible = visible || v
			}
			if !visible {
				empty++
				continue
			}
			want++
			if _, ok := s.OrientationAt(o.ID, i); !ok {
				t.Errorf("agent %d frame %d: no orientation", o.ID, i)
			}
		}
	}
	if want == 0 {
		t.Fatal("the scene has no visible agent")
	}
	if !strings.Contains(stdout, "orientations") || (empty > 0) != strings.Contains(stdout, "empty_mask") {
		t.Errorf("summary %q (empty masks: %d)", stdout, empty)
	}
	if code, _, stderr := runCmd(args...); code != 1 || !strings.Contains(stderr, "--force") {
		t.Errorf("second run: exit %d: %s", code, stderr)
	}
}

func TestOrientBadInput(t *testing.T) {
	t.Parallel()
	dir := orientScene(t)
	base := []string{"orient", "--scene", dir, "--orient-heads", "2", "--device", "cpu"}
	// A pickle that is not a state dict.
	notSD := filepath.Join("..", "..", "nn", "torchfile", "testdata", "list.pt")
	if code, _, stderr := runCmd(append(base, "--weights", notSD)...); code != 1 || !strings.Contains(stderr, "not a state dict") {
		t.Errorf("list.pt: exit %d: %s", code, stderr)
	}
	smallPNG(t, filepath.Join(dir, scene.FramesDir, "000.png")) // another size than the masks
	code, _, stderr := runCmd(append(base, "--weights", tinyOrient)...)
	if code != 1 || !strings.Contains(stderr, "000.png: frame is 20×10, the masks are 96×64") {
		t.Errorf("frame size: exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, scene.OrientFile)); !os.IsNotExist(err) {
		t.Errorf("orient.json written after a failure: %v", err)
	}
	if code, _, _ := runCmd("orient", "--scene", dir); code != 2 {
		t.Errorf("no --weights: exit %d, want 2", code)
	}
	if code, _, _ := runCmd(append(base, "--weights", tinyOrient, "--orient-batch", "0")...); code != 2 {
		t.Errorf("--orient-batch 0: exit %d, want 2", code)
	}
}

// dsr4d qa --orient-weights computes orientations in process for a scene without orient.json
// (and leaves the scene as it is); a scene whose frames cannot be oriented fails with its reason.
func TestQAOrientWeights(t *testing.T) {
	t.Parallel()
	dir := orientScene(t)
	qa := func(out string) (int, string, string) {
		return runCmd("qa", "--device", "cpu", "--out", out, "--orient-weights", tinyOrient, "--orient-heads", "2", dir)
	}
	out1 := filepath.Join(t.TempDir(), "qa")
	code, stdout, stderr := qa(out1)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	t.Log(stdout)
	if _, err := os.Stat(filepath.Join(dir, scene.OrientFile)); !os.IsNotExist(err) {
		t.Errorf("qa wrote into the scene: %v", err)
	}
	res, _ := filepath.Glob(filepath.Join(out1, "scenes", "*.json"))
	if len(res) != 1 || !strings.Contains(string(readFile(t, res[0])), "; orient: cpu") {
		t.Errorf("results %v: want the orient device in the provenance", res)
	}
	// The checkpoint is part of a result's key: a rerun without it is refused, naming the flag.
	if code, _, stderr := runCmd("qa", "--device", "cpu", "--out", out1, dir); code == 0 || !strings.Contains(stderr, "--orient-weights ") || !strings.Contains(stderr, "this run") {
		t.Errorf("rerun without --orient-weights: exit %d: %s", code, stderr)
	}
	smallPNG(t, filepath.Join(dir, scene.FramesDir, "003.png"))
	out := filepath.Join(t.TempDir(), "qa2")
	if code, _, stderr := qa(out); code != 1 {
		t.Fatalf("missing frame: exit %d: %s", code, stderr)
	}
	res, _ = filepath.Glob(filepath.Join(out, "scenes", "*.json"))
	if len(res) != 1 || !strings.Contains(string(readFile(t, res[0])), "orient: ") {
		t.Errorf("results %v: want one with the orient error", res)
	}
}

// smallPNG replaces path with a 20×10 image.
func smallPNG(t *testing.T, path string) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, image.NewNRGBA(image.Rect(0, 0, 20, 10))); err != nil {
		t.Fatal(err)
	}
}

// On Vulkan the command writes the same angles as on the CPU (confidence within float32
// rounding). Not parallel: it builds Vulkan pipelines.
func TestOrientVulkanMatchesCPU(t *testing.T) {
	dir := orientScene(t)
	res := map[string]map[int][]scene.Orientation{}
	for _, dev := range []string{"cpu", "vulkan"} {
		code, _, stderr := runCmd("orient", "--scene", dir, "--weights", tinyOrient, "--orient-heads", "2", "--device", dev, "--force")
		if code != 0 {
			if dev == "vulkan" && os.Getenv("CI") == "" && strings.Contains(stderr, "no Vulkan device") {
				t.Skip("no Vulkan device")
			}
			t.Fatalf("%s: exit %d: %s", dev, code, stderr)
		}
		s, err := scene.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		res[dev] = s.Orient
	}
	if len(res["cpu"]) == 0 {
		t.Fatal("no orientations")
	}
	for id, l := range res["cpu"] {
		v := res["vulkan"][id]
		if len(v) != len(l) {
			t.Fatalf("agent %d: %d vs %d orientations", id, len(l), len(v))
		}
		for k, o := range l {
			w := v[k]
			if o.Frame != w.Frame || o.Azimuth != w.Azimuth || o.Polar != w.Polar || o.Rotation != w.Rotation || math.Abs(o.Confidence-w.Confidence) > 1e-5 {
				t.Errorf("agent %d: cpu %+v, vulkan %+v", id, o, w)
			}
		}
	}
}
