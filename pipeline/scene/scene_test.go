package scene

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dsr4d/dsr4d/geom"
	"github.com/dsr4d/dsr4d/pipeline/scene/npy"
	"gonum.org/v1/gonum/num/quat"
	"gonum.org/v1/gonum/spatial/r3"
)

// testScene builds a valid scene of n frames, point maps h×w, video 2w×2h, two objects
// (object 1 an agent with orientations) from a fixed seed.
func testScene(seed uint64, n, h, w int) *Scene {
	rng := rand.New(rand.NewPCG(seed, 7))
	s := New("vid-"+string(rune('a'+seed%26)), n, h, w, 2*w, 2*h)
	s.FPS = 30
	for i := range n {
		s.Timestamps[i] = math.Round(float64(i)*0.7*10) / 10
		q := geom.QuatNormalize(quat.Number{Real: rng.NormFloat64(), Imag: rng.NormFloat64(), Jmag: rng.NormFloat64(), Kmag: rng.NormFloat64()})
		s.SetPose(i, geom.Rigid{R: geom.MatFromQuat(q), T: r3.Vec{X: rng.Float64(), Y: rng.Float64(), Z: rng.Float64()}})
	}
	for k := range s.LocalPoints {
		s.LocalPoints[k] = float32(rng.NormFloat64())
		if k%3 == 2 {
			s.LocalPoints[k] = float32(2 + rng.Float64()*0.01) // smooth depth: few edges
		}
	}
	for k := range s.Conf {
		s.Conf[k] = float32(rng.NormFloat64() * 3)
	}
	s.Objects = []Object{{ID: 1, Class: "person", Agent: true}, {ID: 7, Class: "ball"}}
	mw, mh := s.ImageSize[0], s.ImageSize[1]
	for _, o := range s.Objects {
		m := make([]bool, n*mh*mw)
		for k := range m {
			m[k] = rng.IntN(4) == 0
		}
		s.Masks[o.ID] = m
	}
	for i := 0; i < n; i += 2 {
		s.Orient[1] = append(s.Orient[1], Orientation{Frame: i, Azimuth: float64(rng.IntN(360)), Polar: float64(rng.IntN(180) - 90), Rotation: float64(rng.IntN(180) - 90), Confidence: rng.Float64()})
	}
	s.Source = json.RawMessage(`{"importer":"test"}`)
	return s
}

func TestNewSceneValid(t *testing.T) {
	t.Parallel()
	if err := testScene(1, 4, 5, 6).Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "scenes", "a")
	s := testScene(2, 5, 6, 7)
	s.GT = json.RawMessage(`{"camera_poses": []}`)
	if err := Save(dir, s); err != nil {
		t.Fatal(err)
	}
	got, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, s) {
		t.Fatalf("Load(Save(s)) differs:\n got %v\nwant %v", got, s)
	}
	// Save over an existing scene: files the new scene lacks disappear.
	s2 := testScene(3, 3, 4, 5)
	s2.Orient = map[int][]Orientation{}
	if err := Save(dir, s2); err != nil {
		t.Fatal(err)
	}
	got, err = Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.GT != nil || len(got.Orient) != 0 || got.N != 3 {
		t.Fatalf("stale files after overwrite: gt %s orient %v", got.GT, got.Orient)
	}
	ents, _ := os.ReadDir(filepath.Dir(dir))
	if len(ents) != 1 {
		t.Fatalf("temporary directories left: %v", ents)
	}
}

func TestSaveWithFrames(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	s := testScene(4, 3, 4, 4)
	for i := range 3 {
		p := filepath.Join(tmp, "src"+string(rune('0'+i))+".png")
		os.WriteFile(p, []byte{byte(i)}, 0o644)
		s.Frames = append(s.Frames, p)
	}
	dir := filepath.Join(tmp, "scene")
	if err := Save(dir, s); err != nil {
		t.Fatal(err)
	}
	got, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "frames", "000.png"), filepath.Join(dir, "frames", "001.png"), filepath.Join(dir, "frames", "002.png")}
	if !reflect.DeepEqual(got.Frames, want) {
		t.Fatalf("frames %v", got.Frames)
	}
	// Re-save the loaded scene onto itself: its frames are copied before the swap.
	if err := Save(dir, got); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(want[2]); len(b) != 1 || b[0] != 2 {
		t.Fatalf("frame 2 content %v", b)
	}
}

func TestValidateErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(s *Scene)
		want string
	}{
		{"format", func(s *Scene) { s.Format = "dsr4d-scene/2" }, `scene.json: format: "dsr4d-scene/2", want "dsr4d-scene/1"`},
		{"video id", func(s *Scene) { s.VideoID = "" }, "scene.json: video_id: empty"},
		{"fps", func(s *Scene) { s.FPS = math.NaN() }, "scene.json: fps: NaN"},
		{"timestamps count", func(s *Scene) { s.Timestamps = s.Timestamps[:3] }, "scene.json: timestamps: 3 values, want one per frame of geometry.npz (4)"},
		{"timestamps order", func(s *Scene) { s.Timestamps[2] = s.Timestamps[1] }, "timestamps[2]: 0.7 after 0.7, want strictly increasing"},
		{"image size", func(s *Scene) { s.ImageSize[1] = 0 }, "image_size: [12,0]"},
		{"dup id", func(s *Scene) { s.Objects[1].ID = 1 }, "objects[1].id: duplicate id 1"},
		{"bad id", func(s *Scene) { s.Objects[1].ID = 0 }, "objects[1].id: 0, want an integer > 0"},
		{"class", func(s *Scene) { s.Objects[0].Class = "" }, "objects[0].class: empty"},
		{"conf size", func(s *Scene) { s.Conf = s.Conf[1:] }, "geometry.npz: conf: 119 values, want (4, 5, 6)"},
		{"points nan", func(s *Scene) { s.LocalPoints[3*(1*30+2*6+3)+2] = float32(math.NaN()) }, "geometry.npz: local_points[1,2,3,2]: NaN, want finite"},
		{"conf nan", func(s *Scene) { s.Conf[31] = float32(math.NaN()) }, "geometry.npz: conf[1,0,1]: NaN"},
		{"pose inf", func(s *Scene) { s.Poses[16*2+3] = float32(math.Inf(1)) }, "geometry.npz: camera_poses[2]: entry [0,3] is +Inf"},
		{"pose scaled", func(s *Scene) {
			for k := 0; k < 11; k++ {
				s.Poses[16+k] *= 2
			}
		}, "geometry.npz: camera_poses[1]: rotation block is not orthonormal"},
		{"pose reflection", func(s *Scene) {
			for k := 8; k < 11; k++ {
				s.Poses[16*3+k] *= -1
			}
		}, "camera_poses[3]: rotation block has determinant -1"},
		{"mask size", func(s *Scene) { s.Masks[7] = s.Masks[7][:10] }, "masks.npz: obj_7: 10 values, want (4, 10, 12) (N, h, w)"},
		{"mask missing", func(s *Scene) { delete(s.Masks, 7) }, "masks.npz: obj_7: missing"},
		{"mask unknown", func(s *Scene) { s.Masks[9] = s.Masks[7] }, "masks.npz: obj_9: no object with id 9"},
		{"orient unknown", func(s *Scene) { s.Orient[5] = nil }, `orient.json: "5": no object with id 5`},
		{"orient non-agent", func(s *Scene) { s.Orient[7] = nil }, `orient.json: "7": object 7 (ball) is not an agent`},
		{"orient frame", func(s *Scene) { s.Orient[1][0].Frame = 4 }, `orient.json: "1"[0].frame: 4, want 0..3`},
		{"orient dup", func(s *Scene) { s.Orient[1][1].Frame = 0 }, `"1"[1].frame: frame 0 listed twice`},
		{"azimuth", func(s *Scene) { s.Orient[1][0].Azimuth = 360 }, `"1"[0].azimuth: 360, want [0, 360)`},
		{"polar", func(s *Scene) { s.Orient[1][0].Polar = 90 }, `"1"[0].polar: 90, want [-90, 90)`},
		{"rotation", func(s *Scene) { s.Orient[1][1].Rotation = -91 }, `"1"[1].rotation: -91, want [-90, 90)`},
		{"confidence", func(s *Scene) { s.Orient[1][0].Confidence = 1.5 }, `"1"[0].confidence: 1.5, want [0, 1]`},
		{"gt", func(s *Scene) { s.GT = json.RawMessage(`[1]`) }, "gt.json: want a JSON object"},
		{"frames", func(s *Scene) { s.Frames = []string{"a.png"} }, "frames: 1 images, want one per frame (4)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := testScene(5, 4, 5, 6)
			tt.edit(s)
			err := s.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v\nwant %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error spans lines: %q", err)
			}
			// Save refuses it and writes nothing.
			dir := filepath.Join(t.TempDir(), "out")
			if err := Save(dir, s); err == nil {
				t.Fatal("Save accepted an invalid scene")
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Fatal("Save of an invalid scene created the directory")
			}
		})
	}
}

// TestLoadBadFiles corrupts one file of a saved scene at a time.
func TestLoadBadFiles(t *testing.T) {
	t.Parallel()
	base := testScene(6, 4, 5, 6)
	writeNPZ := func(path string, arrays map[string]*npy.Array) {
		if err := npy.WriteNPZ(path, arrays, false); err != nil {
			t.Fatal(err)
		}
	}
	geo := func(s *Scene) map[string]*npy.Array {
		return map[string]*npy.Array{
			"local_points": npy.Of(s.LocalPoints, 4, 5, 6, 3),
			"conf":         npy.Of(s.Conf, 4, 5, 6),
			"camera_poses": npy.Of(s.Poses, 4, 4, 4),
		}
	}
	tests := []struct {
		name string
		edit func(dir string)
		want string
	}{
		{"no dir", func(dir string) { os.RemoveAll(dir) }, "s: missing"},
		{"no scene.json", func(dir string) { os.Remove(filepath.Join(dir, MetaFile)) }, "scene.json: missing"},
		{"bad json", func(dir string) { os.WriteFile(filepath.Join(dir, MetaFile), []byte(`{"format":`), 0o644) }, "scene.json: empty or truncated JSON"},
		{"bad json 2", func(dir string) { os.WriteFile(filepath.Join(dir, MetaFile), []byte(`{"format":]`), 0o644) }, "scene.json: invalid JSON at byte 11"},
		{"missing field", func(dir string) {
			editJSON(t, filepath.Join(dir, MetaFile), func(m map[string]any) { delete(m, "fps") })
		}, `scene.json: missing field "fps"`},
		{"unknown field", func(dir string) {
			editJSON(t, filepath.Join(dir, MetaFile), func(m map[string]any) { m["fsp"] = 3 })
		}, `scene.json: unknown field "fsp"`},
		{"wrong type", func(dir string) {
			editJSON(t, filepath.Join(dir, MetaFile), func(m map[string]any) { m["fps"] = "30" })
		}, "scene.json: fps: JSON string, want float64"},
		{"image size len", func(dir string) {
			editJSON(t, filepath.Join(dir, MetaFile), func(m map[string]any) { m["image_size"] = []int{1, 2, 3} })
		}, "scene.json: image_size: 3 values, want 2"},
		{"object field", func(dir string) {
			editJSON(t, filepath.Join(dir, MetaFile), func(m map[string]any) { delete(m["objects"].([]any)[1].(map[string]any), "agent") })
		}, `scene.json: objects[1]: missing field "agent"`},
		{"no geometry", func(dir string) { os.Remove(filepath.Join(dir, GeometryFile)) }, "geometry.npz: missing"},
		{"not zip", func(dir string) { os.WriteFile(filepath.Join(dir, GeometryFile), []byte("hello"), 0o644) }, "geometry.npz: npy: malformed input: not a zip archive"},
		{"no member", func(dir string) {
			g := geo(base)
			delete(g, "conf")
			writeNPZ(filepath.Join(dir, GeometryFile), g)
		}, "geometry.npz: conf: no such array (archive holds camera_poses, local_points)"},
		{"conf shape", func(dir string) {
			g := geo(base)
			g["conf"] = npy.Of(base.Conf[:4*5*5], 4, 5, 5)
			writeNPZ(filepath.Join(dir, GeometryFile), g)
		}, "geometry.npz: conf: shape (4, 5, 5), want (4, 5, 6) to match local_points (4, 5, 6, 3)"},
		{"frames mismatch", func(dir string) {
			g := geo(base)
			g["camera_poses"] = npy.Of(base.Poses[:48], 3, 4, 4)
			writeNPZ(filepath.Join(dir, GeometryFile), g)
		}, "geometry.npz: camera_poses: shape (3, 4, 4), want (4, 4, 4)"},
		{"points dtype", func(dir string) {
			g := geo(base)
			g["local_points"] = npy.Of(make([]int32, 4*5*6*3), 4, 5, 6, 3)
			writeNPZ(filepath.Join(dir, GeometryFile), g)
		}, "geometry.npz: local_points: dtype int32, want float32"},
		{"points shape", func(dir string) {
			g := geo(base)
			g["local_points"] = npy.Of(base.LocalPoints, 4, 5, 18)
			writeNPZ(filepath.Join(dir, GeometryFile), g)
		}, "geometry.npz: local_points: shape (4, 5, 18), want (N,H,W,3)"},
		{"truncated npy", func(dir string) {
			p := filepath.Join(dir, GeometryFile)
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:len(b)/2], 0o644)
		}, "geometry.npz: npy: malformed input: not a zip archive"},
		{"mask member name", func(dir string) {
			writeNPZ(filepath.Join(dir, MasksFile), map[string]*npy.Array{"person": npy.Of([]bool{true}, 1)})
		}, "masks.npz: person: unexpected member, want obj_<id>"},
		{"mask shape", func(dir string) {
			writeNPZ(filepath.Join(dir, MasksFile), map[string]*npy.Array{"obj_1": npy.Of(make([]bool, 4*5*6), 4, 5, 6)})
		}, "masks.npz: obj_1: shape (4, 5, 6), want (4, 10, 12) (N frames, image_size [w,h] = [12,10])"},
		{"mask dtype", func(dir string) {
			writeNPZ(filepath.Join(dir, MasksFile), map[string]*npy.Array{"obj_1": npy.Of(make([]float32, 4*10*12), 4, 10, 12)})
		}, "masks.npz: obj_1: dtype float32, want bool"},
		{"mask missing", func(dir string) {
			writeNPZ(filepath.Join(dir, MasksFile), map[string]*npy.Array{"obj_1": npy.Of(make([]uint8, 4*10*12), 4, 10, 12)})
		}, "masks.npz: obj_7: missing"},
		{"orient field", func(dir string) {
			os.WriteFile(filepath.Join(dir, OrientFile), []byte(`{"1":[{"frame":0,"azimuth":1,"polar":0,"rotation":0}]}`), 0o644)
		}, `orient.json: "1"[0]: missing field "confidence"`},
		{"orient key", func(dir string) {
			os.WriteFile(filepath.Join(dir, OrientFile), []byte(`{"person":[]}`), 0o644)
		}, `orient.json: key "person": want an object id`},
		{"orient type", func(dir string) {
			os.WriteFile(filepath.Join(dir, OrientFile), []byte(`{"1":[{"frame":"0","azimuth":1,"polar":0,"rotation":0,"confidence":1}]}`), 0o644)
		}, `orient.json: "1"[0]: frame: JSON string, want int`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "s")
			if err := Save(dir, base); err != nil {
				t.Fatal(err)
			}
			tt.edit(dir)
			_, err := Load(dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v\nwant %q", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "scene "+dir+": ") || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line starting with the scene: %q", err)
			}
		})
	}
}

func editJSON(t *testing.T, path string, f func(map[string]any)) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	f(m)
	b, _ = json.Marshal(m)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadAcceptsOtherLayouts(t *testing.T) {
	t.Parallel()
	// float64 and Fortran-order geometry, uint8 masks, no orient.json: all load.
	s := testScene(8, 3, 4, 5)
	s.Orient = map[int][]Orientation{}
	dir := filepath.Join(t.TempDir(), "s")
	if err := Save(dir, s); err != nil {
		t.Fatal(err)
	}
	f64 := make([]float64, len(s.LocalPoints))
	for i, v := range s.LocalPoints {
		f64[i] = float64(v)
	}
	err := npy.WriteNPZ(filepath.Join(dir, GeometryFile), map[string]*npy.Array{
		"local_points": npy.Of(f64, 3, 4, 5, 3).ToFortran(),
		"conf":         npy.Of(s.Conf, 3, 4, 5).ToFortran(),
		"camera_poses": npy.Of(s.Poses, 3, 4, 4),
		"points":       npy.Of(s.LocalPoints, 3, 4, 5, 3), // extra members are ignored
	}, true)
	if err != nil {
		t.Fatal(err)
	}
	masks := map[string]*npy.Array{}
	for id, m := range s.Masks {
		u := make([]uint8, len(m))
		for i, v := range m {
			if v {
				u[i] = 255
			}
		}
		masks["obj_"+string(rune('0'+id))] = npy.Of(u, 3, 8, 10)
	}
	if err := npy.WriteNPZ(filepath.Join(dir, MasksFile), masks, true); err != nil {
		t.Fatal(err)
	}
	got, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, s) {
		t.Fatal("scene differs after loading float64/Fortran/uint8 layouts")
	}
}

func TestNearestSrc(t *testing.T) {
	t.Parallel()
	// SPEC-QA §1: in 8, out 82, dst 41 gives 3 in float32 (the exact rational gives 4).
	if got := NearestSrc(41, 8, 82); got != 3 {
		t.Fatalf("NearestSrc(41, 8, 82) = %d, want 3", got)
	}
	for _, c := range [][2]int{{518, 1080}, {294, 720}, {8, 82}, {10, 3}} {
		in, out := c[0], c[1]
		for d := range out {
			if s := NearestSrc(d, in, out); s < 0 || s >= in {
				t.Fatalf("NearestSrc(%d, %d, %d) = %d out of range", d, in, out, s)
			}
		}
	}
}

func TestValidMaskAndSummary(t *testing.T) {
	t.Parallel()
	s := New("v", 1, 3, 4, 8, 6)
	s.FPS = 10
	for k := range s.Conf {
		s.Conf[k] = 5
	}
	for k := 0; k < len(s.LocalPoints); k += 3 {
		s.LocalPoints[k+2] = 2
	}
	s.Conf[0] = -5                 // sigmoid(-5) < 0.1
	s.LocalPoints[3*(2*4+3)+2] = 3 // a depth step at the bottom-right corner
	valid := s.ValidMask(0, nil)
	want := []bool{
		false, true, true, true,
		true, true, false, false,
		true, true, false, false,
	}
	if !reflect.DeepEqual(valid, want) {
		t.Fatalf("ValidMask = %v\nwant %v", valid, want)
	}
	s.Objects = []Object{{ID: 1, Class: "cup"}, {ID: 2, Class: "hat"}}
	m1 := make([]bool, 6*8)
	m1[0] = true     // maps to point-map pixel (0,0): invalid
	m1[2*8+2] = true // → (1,1): valid
	s.Masks[1] = m1
	m2 := make([]bool, 6*8)
	m2[5*8+7] = true // → (2,3): invalid edge
	s.Masks[2] = m2
	n, sum := s.VisiblePixels(1, 0, valid)
	if n != 1 || sum[2] != 2 {
		t.Fatalf("VisiblePixels = %d %v", n, sum)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	sm := s.Summarize()
	if sm.Objects[0].NVisible != 1 || sm.Objects[1].NVisible != 0 || sm.Objects[1].Pixels[0] != 1 {
		t.Fatalf("summary objects %+v", sm.Objects)
	}
	if math.Abs(sm.ValidShare-7.0/12) > 1e-12 {
		t.Fatalf("valid share %v", sm.ValidShare)
	}
}
