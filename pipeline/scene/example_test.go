package scene_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/dsr4d/dsr4d/pipeline/scene"
)

func Example() {
	dir, _ := os.MkdirTemp("", "scene-example")
	defer os.RemoveAll(dir)

	// Two frames of 2×3 point maps, a 4×6 video, one object.
	s := scene.New("demo", 2, 2, 3, 6, 4)
	s.FPS = 25
	s.Timestamps = []float64{0, 0.5}
	for k := 2; k < len(s.LocalPoints); k += 3 {
		s.LocalPoints[k] = 1.5 // everything 1.5 m ahead
	}
	for k := range s.Conf {
		s.Conf[k] = 4 // confident
	}
	s.Objects = []scene.Object{{ID: 1, Class: "dog", Agent: true}}
	s.Masks[1] = make([]bool, 2*4*6)
	s.Masks[1][0] = true // top-left pixel of frame 0

	path := filepath.Join(dir, "demo")
	if err := scene.Save(path, s); err != nil {
		fmt.Println(err)
		return
	}
	back, err := scene.Load(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(back)
	sum := back.Summarize()
	fmt.Println("dog visible in frames:", sum.Objects[0].Visible)

	// A broken scene gives one line naming the file and the field.
	os.WriteFile(filepath.Join(path, "scene.json"), []byte(`{"format":"dsr4d-scene/1"}`), 0o644)
	_, err = scene.Load(path)
	fmt.Println(err != nil, filepath.Base(err.Error()))
	// Output:
	// scene "demo": 2 frames, point maps 3×2, video 6×4, 1 objects
	// dog visible in frames: [true false]
	// true demo: scene.json: missing field "video_id"
}
