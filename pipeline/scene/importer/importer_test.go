package importer

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dsr4d/dsr4d/geom"
	"github.com/dsr4d/dsr4d/pipeline/scene"
	"github.com/dsr4d/dsr4d/pipeline/scene/npy"
	"gonum.org/v1/gonum/num/quat"
	"gonum.org/v1/gonum/spatial/r3"
)

// synth is a small depth + intrinsics + poses example with known world points.
type synth struct {
	n, h, w int
	depth   []float32
	ks      []float32
	poses   []float32
	rigid   []geom.Rigid
	k       []geom.Intrinsics
}

func newSynth(seed uint64, n, h, w int) *synth {
	rng := rand.New(rand.NewPCG(seed, 1))
	s := &synth{n: n, h: h, w: w, depth: make([]float32, n*h*w), ks: make([]float32, 9*n), poses: make([]float32, 16*n)}
	for i := range n {
		k := geom.Intrinsics{Fx: 20 + 10*rng.Float64(), Fy: 20 + 10*rng.Float64(), Cx: float64(w) / 2, Cy: float64(h) / 2}
		s.k = append(s.k, k)
		km := k.Matrix()
		for r := range 3 {
			for c := range 3 {
				s.ks[9*i+3*r+c] = float32(km[r][c])
			}
		}
		q := geom.QuatNormalize(quat.Number{Real: rng.NormFloat64(), Imag: rng.NormFloat64(), Jmag: rng.NormFloat64(), Kmag: rng.NormFloat64()})
		// Round the pose to float32 first so every importer sees the same numbers.
		g := geom.Rigid{R: geom.MatFromQuat(q), T: r3.Vec{X: rng.Float64(), Y: rng.Float64(), Z: rng.Float64()}}
		m := g.Matrix()
		var m64 [16]float64
		for j, v := range m {
			s.poses[16*i+j] = float32(v)
			m64[j] = float64(float32(v))
		}
		g, _ = geom.RigidFromMatrix(m64[:])
		s.rigid = append(s.rigid, g)
	}
	for j := range s.depth {
		s.depth[j] = float32(0.5 + 4*rng.Float64())
	}
	s.depth[5] = 0 // missing
	return s
}

// world returns the straightforward unprojection of pixel (u,v) of frame i in world space.
func (s *synth) world(i, u, v int) r3.Vec {
	d := float64(s.depth[(i*s.h+v)*s.w+u])
	k := s.k[i]
	cam := r3.Vec{X: (float64(u) - k.Cx) * d / k.Fx, Y: (float64(v) - k.Cy) * d / k.Fy, Z: d}
	return s.rigid[i].Apply(cam)
}

func checkWorld(t *testing.T, s *synth, g *Geometry, tol float64) {
	t.Helper()
	if g.N != s.n || g.H != s.h || g.W != s.w {
		t.Fatalf("geometry %d×%d×%d, want %d×%d×%d", g.N, g.H, g.W, s.n, s.h, s.w)
	}
	worst := 0.0
	for i := range s.n {
		pose := poseAt(g.Poses, i)
		for v := range s.h {
			for u := range s.w {
				p := (i*s.h+v)*s.w + u
				if s.depth[p] == 0 {
					if g.Conf[p] != InvalidLogit {
						t.Fatalf("missing depth at %d has logit %v", p, g.Conf[p])
					}
					continue
				}
				local := r3.Vec{X: float64(g.LocalPoints[3*p]), Y: float64(g.LocalPoints[3*p+1]), Z: float64(g.LocalPoints[3*p+2])}
				worst = math.Max(worst, r3.Norm(r3.Sub(pose.Apply(local), s.world(i, u, v))))
			}
		}
	}
	if worst > tol {
		t.Fatalf("world points differ from direct unprojection by up to %g > %g", worst, tol)
	}
}

func TestDepthImport(t *testing.T) {
	t.Parallel()
	s := newSynth(1, 3, 7, 9)
	path := filepath.Join(t.TempDir(), "condition.npz")
	err := npy.WriteNPZ(path, map[string]*npy.Array{
		"depths":     npy.Of(s.depth, s.n, s.h, s.w),
		"intrinsics": npy.Of(s.ks, s.n, 3, 3),
		"poses":      npy.Of(s.poses, s.n, 4, 4),
	}, true)
	if err != nil {
		t.Fatal(err)
	}
	g, err := Depth(path)
	if err != nil {
		t.Fatal(err)
	}
	checkWorld(t, s, g, 1e-5)
	if g.Conf[0] != ValidLogit {
		t.Fatalf("valid pixel logit %v", g.Conf[0])
	}
}

func TestVGGTImport(t *testing.T) {
	t.Parallel()
	s := newSynth(2, 2, 5, 6)
	ext := make([]float32, 12*s.n)
	for i := range s.n {
		m := s.rigid[i].Inverse().Matrix34()
		for j, v := range m {
			ext[12*i+j] = float32(v)
		}
	}
	conf := make([]float32, len(s.depth))
	for j := range conf {
		conf[j] = 1 + float32(math.Exp(float64(j%7)-3))
	}
	path := filepath.Join(t.TempDir(), "vggt.npz")
	err := npy.WriteNPZ(path, map[string]*npy.Array{
		"depth":      npy.Of(s.depth, 1, s.n, s.h, s.w, 1), // batch and channel axes
		"depth_conf": npy.Of(conf, s.n, s.h, s.w),
		"extrinsic":  npy.Of(ext, 1, s.n, 3, 4),
		"intrinsic":  npy.Of(s.ks, s.n, 3, 3),
	}, false)
	if err != nil {
		t.Fatal(err)
	}
	g, err := VGGT(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	checkWorld(t, s, g, 1e-5)
	for i := range s.n {
		if p := poseAt(g.Poses, i); r3.Norm(r3.Sub(p.T, s.rigid[i].T)) > 1e-5 {
			t.Fatalf("pose %d centre %v, want %v", i, p.T, s.rigid[i].T)
		}
	}
	if got, want := g.Conf[1], float32(1-3); math.Abs(float64(got-want)) > 1e-5 {
		t.Fatalf("logit %v, want %v", got, want)
	}
	g, _ = VGGT(path, 2)
	if g.Conf[1] != InvalidLogit || g.Conf[4] == InvalidLogit {
		t.Fatalf("conf threshold: %v %v", g.Conf[1], g.Conf[4])
	}
}

func TestPi3Import(t *testing.T) {
	t.Parallel()
	s := newSynth(3, 2, 4, 5)
	d, _ := Depth(writeCondition(t, s))
	dir := t.TempDir()
	// An npz with batch axes and a (…,1) conf, as π³'s model returns.
	path := filepath.Join(dir, "pi3.npz")
	err := npy.WriteNPZ(path, map[string]*npy.Array{
		"local_points": npy.Of(d.LocalPoints, 1, s.n, s.h, s.w, 3),
		"conf":         npy.Of(d.Conf, 1, s.n, s.h, s.w, 1),
		"camera_poses": npy.Of(d.Poses, 1, s.n, 4, 4),
	}, false)
	if err != nil {
		t.Fatal(err)
	}
	g, err := Pi3(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g.LocalPoints, d.LocalPoints) || !reflect.DeepEqual(g.Conf, d.Conf) || !reflect.DeepEqual(g.Poses, d.Poses) {
		t.Fatal("π³ npz import differs")
	}
	// A directory of .npy files with world points only.
	world := make([]float32, len(d.LocalPoints))
	for i := range s.n {
		pose := poseAt(d.Poses, i)
		n := s.h * s.w
		for p := range n {
			k := 3 * (i*n + p)
			w := pose.Apply(r3.Vec{X: float64(d.LocalPoints[k]), Y: float64(d.LocalPoints[k+1]), Z: float64(d.LocalPoints[k+2])})
			world[k], world[k+1], world[k+2] = float32(w.X), float32(w.Y), float32(w.Z)
		}
	}
	npyDir := filepath.Join(dir, "npys")
	os.Mkdir(npyDir, 0o755)
	npy.WriteFile(filepath.Join(npyDir, "points.npy"), npy.Of(world, s.n, s.h, s.w, 3))
	npy.WriteFile(filepath.Join(npyDir, "conf.npy"), npy.Of(d.Conf, s.n, s.h, s.w))
	npy.WriteFile(filepath.Join(npyDir, "camera_poses.npy"), npy.Of(d.Poses, s.n, 4, 4))
	g, err = Pi3(npyDir)
	if err != nil {
		t.Fatal(err)
	}
	checkWorld(t, s, g, 1e-5)
}

func writeCondition(t *testing.T, s *synth) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "condition.npz")
	err := npy.WriteNPZ(path, map[string]*npy.Array{
		"depths":     npy.Of(s.depth, s.n, s.h, s.w),
		"intrinsics": npy.Of(s.ks, s.n, 3, 3),
		"poses":      npy.Of(s.poses, s.n, 4, 4),
	}, false)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func TestGeometryErrors(t *testing.T) {
	t.Parallel()
	s := newSynth(4, 2, 3, 4)
	dir := t.TempDir()
	write := func(name string, arrays map[string]*npy.Array) string {
		p := filepath.Join(dir, name+".npz")
		if err := npy.WriteNPZ(p, arrays, false); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := func() map[string]*npy.Array {
		return map[string]*npy.Array{
			"depths":     npy.Of(s.depth, s.n, s.h, s.w),
			"intrinsics": npy.Of(s.ks, s.n, 3, 3),
			"poses":      npy.Of(s.poses, s.n, 4, 4),
		}
	}
	tests := []struct {
		name string
		edit func(m map[string]*npy.Array)
		want string
	}{
		{"missing", func(m map[string]*npy.Array) { delete(m, "poses") }, "poses: missing, want an array named \"poses\" (found depths, intrinsics)"},
		{"shape", func(m map[string]*npy.Array) { m["intrinsics"] = npy.Of(s.ks[:12], 1, 3, 4) }, "intrinsics: shape (1, 3, 4), want (N,3,3)"},
		{"frames", func(m map[string]*npy.Array) { m["poses"] = npy.Of(s.poses[:16], 1, 4, 4) }, "poses: 1 frames, want 2"},
		{"dtype", func(m map[string]*npy.Array) { m["depths"] = npy.Of(make([]int32, s.n*s.h*s.w), s.n, s.h, s.w) }, "depths: dtype int32, want a float type"},
		{"K", func(m map[string]*npy.Array) {
			k := append([]float32(nil), s.ks...)
			k[9] = 0
			m["intrinsics"] = npy.Of(k, s.n, 3, 3)
		}, "intrinsics[1]: intrinsics"},
	}
	for _, tt := range tests {
		m := good()
		tt.edit(m)
		_, err := Depth(write(tt.name, m))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v\nwant %q", tt.name, err, tt.want)
		}
	}
	if _, err := Pi3(write("nopose", map[string]*npy.Array{"conf": npy.Of([]float32{1}, 1, 1, 1)})); err == nil || !strings.Contains(err.Error(), "camera_poses: missing") {
		t.Errorf("pi3 without poses: %v", err)
	}
}

// writeGSAM2 writes a Grounded-SAM-2 directory: frames of w×h with instance 3 (person) in
// the left column and instance 5 (chair) on frame 1 only.
func writeGSAM2(t *testing.T, n, w, h int, npyFrame int) string {
	t.Helper()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "mask_data"), 0o755)
	os.MkdirAll(filepath.Join(dir, "json_data"), 0o755)
	for i := range n {
		img := image.NewGray16(image.Rect(0, 0, w, h))
		labels := `"3": {"instance_id": 3, "class_name": "person", "x1": 0, "y1": 0, "x2": 1, "y2": 5, "logit": 0.9}`
		for y := range h {
			img.Pix[2*(y*w)+1] = 3
		}
		if i == 1 {
			img.Pix[2*(h*w-1)+1] = 5
			labels += `, "5": {"instance_id": 5, "class_name": "chair", "x1": 0, "y1": 0, "x2": 1, "y2": 1, "logit": 0.8}`
		}
		base := fmt.Sprintf("mask_%05d", i)
		if i == npyFrame {
			ids := make([]uint16, w*h)
			for p := range ids {
				ids[p] = uint16(img.Pix[2*p])<<8 | uint16(img.Pix[2*p+1])
			}
			npy.WriteFile(filepath.Join(dir, "mask_data", base+".npy"), npy.Of(ids, h, w))
		} else {
			f, _ := os.Create(filepath.Join(dir, "mask_data", base+".png"))
			png.Encode(f, img)
			f.Close()
		}
		js := fmt.Sprintf(`{"mask_name": "%s.npy", "mask_height": %d, "mask_width": %d, "promote_type": "mask", "labels": {%s}}`, base, h, w, labels)
		os.WriteFile(filepath.Join(dir, "json_data", base+".json"), []byte(js), 0o644)
	}
	return dir
}

func TestGSAM2AndAssemble(t *testing.T) {
	t.Parallel()
	s := newSynth(5, 3, 4, 6)
	g, err := Depth(writeCondition(t, s))
	if err != nil {
		t.Fatal(err)
	}
	dir := writeGSAM2(t, 3, 12, 8, 2)
	m, err := GSAM2(dir, DefaultAgentClasses)
	if err != nil {
		t.Fatal(err)
	}
	wantObjs := []scene.Object{{ID: 3, Class: "person", Agent: true}, {ID: 5, Class: "chair"}}
	if !reflect.DeepEqual(m.Objects, wantObjs) || m.ImageSize != [2]int{12, 8} {
		t.Fatalf("objects %v size %v", m.Objects, m.ImageSize)
	}
	if !m.Masks[3][0] || m.Masks[3][1] || !m.Masks[5][96+95] || m.Masks[5][95] {
		t.Fatal("masks wrong")
	}
	opath := filepath.Join(t.TempDir(), "orient.json")
	os.WriteFile(opath, []byte(`[{"id":3,"frame":2,"angles":[10,5,-3,0.9]},{"object_id":3,"frame":0,"azimuth":350,"polar":0,"rotation":0,"confidence":0.2}]`), 0o644)
	o, err := Orientations(opath)
	if err != nil {
		t.Fatal(err)
	}
	wantO := []scene.Orientation{{Frame: 0, Azimuth: 350, Confidence: 0.2}, {Frame: 2, Azimuth: 10, Polar: 5, Rotation: -3, Confidence: 0.9}}
	if !reflect.DeepEqual(o[3], wantO) {
		t.Fatalf("orientations %v", o[3])
	}
	sc, err := Assemble(g, m, o, Options{VideoID: "v1", FPS: 30, Stride: 21})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(sc.Timestamps, []float64{0, 0.7, 1.4}) {
		t.Fatalf("timestamps %v", sc.Timestamps)
	}
	out := filepath.Join(t.TempDir(), "scene")
	if err := scene.Save(out, sc); err != nil {
		t.Fatal(err)
	}
	back, err := scene.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Masks, sc.Masks) || !reflect.DeepEqual(back.Orient, sc.Orient) {
		t.Fatal("imported scene does not round trip")
	}
	// Orientation of a non-agent is refused with the object named.
	o[5] = []scene.Orientation{{Frame: 1, Confidence: 1}}
	if _, err := Assemble(g, m, o, Options{VideoID: "v1", FPS: 30, Stride: 21}); err == nil || !strings.Contains(err.Error(), "object 5 (chair) is not an agent") {
		t.Fatalf("err = %v", err)
	}
	// Frame count mismatch.
	m.N = 2
	if _, err := Assemble(g, m, nil, Options{VideoID: "v1", FPS: 30, Stride: 21}); err == nil || !strings.Contains(err.Error(), "masks have 2 frames, the geometry 3") {
		t.Fatalf("err = %v", err)
	}
}

func TestGSAM2Errors(t *testing.T) {
	t.Parallel()
	dir := writeGSAM2(t, 2, 4, 3, -1)
	os.WriteFile(filepath.Join(dir, "json_data", "mask_00001.json"), []byte(`{"labels": {}}`), 0o644)
	if _, err := GSAM2(dir, nil); err == nil || !strings.Contains(err.Error(), "mask_00001.png: instance 3 has no entry in mask_00001.json labels") {
		t.Fatalf("err = %v", err)
	}
	os.Remove(filepath.Join(dir, "json_data", "mask_00001.json"))
	if _, err := GSAM2(dir, nil); err == nil || !strings.Contains(err.Error(), "mask_00001.json") {
		t.Fatalf("err = %v", err)
	}
	os.WriteFile(filepath.Join(dir, "json_data", "mask_00001.json"), []byte(`{"labels": {"3": {"instance_id": 3}}}`), 0o644)
	if _, err := GSAM2(dir, nil); err == nil || !strings.Contains(err.Error(), `labels["3"]: missing field "class_name"`) {
		t.Fatalf("err = %v", err)
	}
	if _, err := GSAM2(t.TempDir(), nil); err == nil {
		t.Fatal("empty directory accepted")
	}
	if !IsAgentClass("Dogs", DefaultAgentClasses) || IsAgentClass("chair", DefaultAgentClasses) {
		t.Fatal("IsAgentClass")
	}
	op := filepath.Join(t.TempDir(), "o.json")
	os.WriteFile(op, []byte(`[{"id":1,"frame":0,"angles":[1,2]}]`), 0o644)
	if _, err := Orientations(op); err == nil || !strings.Contains(err.Error(), "[0].angles: 2 values") {
		t.Fatalf("err = %v", err)
	}
}

// A mask PNG whose header claims 16000×16000 is refused from its header (issue 12, defect 6: it
// used to be decoded first, 1.6 GB for a 778 KB file).
func TestGSAM2ForgedSize(t *testing.T) {
	t.Parallel()
	dir := writeGSAM2(t, 3, 6, 5, -1)
	var b bytes.Buffer
	png.Encode(&b, image.NewGray16(image.Rect(0, 0, 1, 1)))
	p := b.Bytes()
	binary.BigEndian.PutUint32(p[16:], 16000)
	binary.BigEndian.PutUint32(p[20:], 16000)
	binary.BigEndian.PutUint32(p[29:], crc32.ChecksumIEEE(p[12:29]))
	os.WriteFile(filepath.Join(dir, "mask_data", "mask_00001.png"), p, 0o644)
	_, err := GSAM2(dir, nil)
	if err == nil || !strings.Contains(err.Error(), "size 16000×16000, want 6×5") {
		t.Errorf("forged size: %v", err)
	}
}
