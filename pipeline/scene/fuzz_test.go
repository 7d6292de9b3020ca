package scene

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseMeta drives the scene.json loader: parsing and validating never panics, and a
// scene.json that parses marshals back to one that parses to the same value.
func FuzzParseMeta(f *testing.F) {
	paths, _ := filepath.Glob("testdata/scene_json/*.json")
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseMeta(b)
		if err != nil {
			return
		}
		s := &Scene{Meta: m, N: len(m.Timestamps), H: 1, W: 1}
		_ = s.Validate()
		out, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		m2, err := ParseMeta(out)
		if err != nil {
			t.Fatalf("re-parse of %s: %v", out, err)
		}
		out2, _ := json.Marshal(m2)
		if string(out) != string(out2) {
			t.Fatalf("not stable:\n%s\n%s", out, out2)
		}
	})
}

// FuzzParseOrient drives the orient.json parser.
func FuzzParseOrient(f *testing.F) {
	f.Add([]byte(`{"1":[{"frame":0,"azimuth":10,"polar":-5,"rotation":3,"confidence":0.9}]}`))
	f.Add([]byte(`{"2":[]}`))
	f.Add([]byte(`{"1":[{"frame":1,"azimuth":1,"polar":0,"rotation":0,"confidence":1,"x":2}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := ParseOrient(b)
		if err != nil {
			return
		}
		s := &Scene{Meta: Meta{Format: Format, VideoID: "v", FPS: 1, Timestamps: []float64{0, 1}, ImageSize: [2]int{1, 1},
			Objects: []Object{{ID: 1, Class: "p", Agent: true}}}, N: 2, H: 1, W: 1,
			LocalPoints: make([]float32, 6), Conf: make([]float32, 2), Poses: []float32{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1},
			Masks: map[int][]bool{1: make([]bool, 2)}, Orient: o}
		_ = s.Validate()
	})
}
