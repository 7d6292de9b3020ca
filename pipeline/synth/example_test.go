package synth_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/dsr4d/dsr4d/pipeline/scene"
	"github.com/dsr4d/dsr4d/pipeline/synth"
)

// Generate a small scene with the CPU reference (synth.NewGPU on a vk.Device is the fast
// path), write it and read it back.
func Example() {
	cfg := synth.DefaultConfig()
	cfg.Seed, cfg.Frames, cfg.Size, cfg.PointsSize = 42, 4, [2]int{64, 36}, [2]int{32, 18}
	cfg.Noise, _ = synth.ParseNoise("light")
	r, err := synth.Generate(cfg, synth.CPU{})
	if err != nil {
		panic(err)
	}
	dir, _ := os.MkdirTemp("", "synth-example")
	defer os.RemoveAll(dir)
	if err := synth.Write(filepath.Join(dir, "scene"), r); err != nil {
		panic(err)
	}
	s, err := scene.Load(filepath.Join(dir, "scene"))
	if err != nil {
		panic(err)
	}
	fmt.Println(s)
	for _, o := range r.World.Objects {
		fmt.Printf("%d %s agent=%v %v\n", o.ID, o.Class, o.Agent, o.Path.Motion)
	}
	c := r.GT.Frames[0].Objects[0].Centre
	fmt.Printf("object 1 starts at (%.2f, %.2f, %.2f)\n", c[0], c[1], c[2])
	// Output:
	// scene "synth-default-42": 4 frames, point maps 32×18, video 64×36, 5 objects
	// 1 person agent=true stop_and_go
	// 2 ball agent=false approach
	// 3 car agent=true circle
	// 4 dog agent=true recede
	// 5 tree agent=false still
	// object 1 starts at (0.12, 1.23, 0.85)
}
