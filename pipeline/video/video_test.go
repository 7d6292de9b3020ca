package video

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestIndicesGolden(t *testing.T) {
	data, err := os.ReadFile("testdata/golden_indices.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		N        int     `json:"n"`
		VideoFPS float64 `json:"video_fps"`
		NFrame   int     `json:"nframe"`
		FPS      float64 `json:"fps"`
		Indices  []int   `json:"indices"`
	}
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		got, err := Sampling{NFrame: c.NFrame, FPS: c.FPS}.Indices(c.N, c.VideoFPS)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 && len(c.Indices) == 0 {
			continue
		}
		if !slices.Equal(got, c.Indices) {
			t.Errorf("n=%d fps=%v nframe=%d sfps=%v: got %v, reference %v", c.N, c.VideoFPS, c.NFrame, c.FPS, got, c.Indices)
		}
	}
	if len(cases) < 400 {
		t.Errorf("only %d golden cases", len(cases))
	}
	if _, err := (Sampling{}).Indices(10, 30); err == nil {
		t.Error("no sampling mode accepted")
	}
}

// needFFmpeg skips without ffmpeg (installed by `make deps`), failing under CI.
func needFFmpeg(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI without ffmpeg: run make deps")
		}
		t.Skip("ffmpeg not installed")
	}
}

// testVideo writes a lavfi testsrc video of n frames at rate fps; each frame shows its number.
func testVideo(t *testing.T, dir, name string, n, fps int) string {
	t.Helper()
	p := filepath.Join(dir, name)
	out, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i",
		fmt.Sprintf("testsrc=size=64x48:rate=%d", fps), "-frames:v", fmt.Sprint(n),
		"-pix_fmt", "yuv420p", "-c:v", "mpeg4", "-q:v", "2", p).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	return p
}

// brightness is a frame's mean luma, to tell frames apart.
func brightness(t *testing.T, path string) float64 {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := jpeg.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	s := 0.0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bb, _ := img.At(x, y).RGBA()
			s += float64(r+g+bb) / 3
		}
	}
	return s / float64(b.Dx()*b.Dy())
}

func TestSourceFromVideo(t *testing.T) {
	needFFmpeg(t)
	dir := t.TempDir()
	p := testVideo(t, dir, "clip.mp4", 50, 25)
	inf, err := Probe(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if inf.Frames != 50 || inf.FPS != 25 {
		t.Fatalf("probe %+v, want 50 frames at 25 fps", inf)
	}
	src := &Source{Sampling: Sampling{NFrame: 4}, VideoDir: dir, CacheDir: filepath.Join(dir, "cache")}
	fr, err := src.Frames(context.Background(), "clip")
	if err != nil {
		t.Fatal(err)
	}
	want := []int{10, 20, 30, 40} // step 50/5
	if len(fr) != 4 {
		t.Fatalf("%d frames", len(fr))
	}
	for i, f := range fr {
		if f.Index != want[i] || filepath.Base(f.Path) != fmt.Sprintf("frame-%d-of-4.jpg", i+1) {
			t.Errorf("frame %d: %+v", i, f)
		}
	}
	// The frames are the right ones: extracting frame 10 alone gives the same picture.
	one, err := Extract(context.Background(), p, []int{10, 10}, t.TempDir(), []string{"a.jpg", "b.jpg"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := brightness(t, one[0]), brightness(t, fr[0].Path); a != b || brightness(t, fr[1].Path) == a {
		t.Errorf("frame 10 brightness %v vs %v (frame 20: %v)", a, b, brightness(t, fr[1].Path))
	}
	// Cached: a second call does not run ffmpeg (the video may even be gone).
	os.Remove(p)
	fr2, err := src.Frames(context.Background(), "clip")
	if err != nil || !slices.Equal(fr, fr2) {
		t.Errorf("cached frames %v, %v", fr2, err)
	}
	// fps mode: 2 s at 1 fps → frames 0 and 25.
	p = testVideo(t, dir, "clip2.mp4", 50, 25)
	src.Sampling = Sampling{FPS: 1}
	fr, err = src.Frames(context.Background(), "clip2")
	if err != nil || len(fr) != 2 || fr[0].Index != 0 || fr[1].Index != 25 || filepath.Base(fr[1].Path) != "frame-2-of-2-1fps.jpg" {
		t.Errorf("fps mode: %v %v", fr, err)
	}
	_ = p
	// Asking past the end is an error naming the video.
	if _, err := Extract(context.Background(), p, []int{49, 60}, t.TempDir(), []string{"a", "b"}, 0); err == nil {
		t.Error("frame 60 of 50 extracted")
	}
	// --max-side scales down, keeping the aspect ratio (64x48 → 32x24).
	small, err := Extract(context.Background(), p, []int{3}, t.TempDir(), []string{"s.jpg"}, 32)
	if err != nil {
		t.Fatal(err)
	}
	if f, err := os.Open(small[0]); err == nil {
		cfg, _ := jpeg.DecodeConfig(f)
		f.Close()
		if cfg.Width != 32 || cfg.Height != 24 {
			t.Errorf("scaled frame %dx%d, want 32x24", cfg.Width, cfg.Height)
		}
	}
	if _, err := src.Frames(context.Background(), "nope"); err == nil {
		t.Error("missing video accepted")
	}
}

func TestSourceFromDir(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "v1"), 0o755)
	for i := range 10 {
		os.WriteFile(filepath.Join(dir, "v1", fmt.Sprintf("%03d.jpg", i)), []byte("x"), 0o644)
	}
	src := &Source{Sampling: Sampling{NFrame: 3}, FramesDir: dir}
	fr, err := src.Frames(context.Background(), "v1")
	if err != nil {
		t.Fatal(err)
	}
	// step 10/4 = 2.5 → 2, 5, 7
	if len(fr) != 3 || fr[0].Index != 2 || fr[1].Index != 5 || filepath.Base(fr[2].Path) != "007.jpg" {
		t.Errorf("frames %v", fr)
	}
	src.Sampling = Sampling{FPS: 2}
	if _, err := src.Frames(context.Background(), "v1"); err == nil {
		t.Error("fps mode without the directory's rate accepted")
	}
	if _, err := src.Frames(context.Background(), "../v1"); err == nil {
		t.Error("path in video id accepted")
	}
}

func TestNoFFmpeg(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := Probe(context.Background(), "video_test.go")
	if !errors.Is(err, ErrNoFFmpeg) || !strings.Contains(err.Error(), "apt-get install -y ffmpeg") {
		t.Errorf("err %v", err)
	}
}
