package export

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/dsr4d/dsr4d/geom"
	"github.com/dsr4d/dsr4d/pipeline/scene"
)

// flatScene: 2 frames of 2×3 points on the plane z = 2, all valid; camera 1 moved by x+1;
// object 4 covers the left video column.
func flatScene(t *testing.T) *scene.Scene {
	t.Helper()
	s := scene.New("flat", 2, 2, 3, 6, 4)
	s.FPS = 10
	s.Timestamps = []float64{0, 0.5}
	for i := range 2 {
		for p := range 6 {
			k := 3 * (i*6 + p)
			s.LocalPoints[k], s.LocalPoints[k+1], s.LocalPoints[k+2] = float32(p%3), float32(p/3), 2
		}
	}
	for k := range s.Conf {
		s.Conf[k] = 5
	}
	s.SetPose(1, geom.Rigid{R: geom.Identity3(), T: r3.Vec{X: 1}})
	s.Objects = []scene.Object{{ID: 4, Class: "box"}}
	m := make([]bool, 2*4*6)
	for i := range 2 {
		for y := range 4 {
			m[i*24+y*6] = true
		}
	}
	s.Masks[4] = m
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestWorldCloudAndPLY(t *testing.T) {
	t.Parallel()
	s := flatScene(t)
	c, err := WorldCloud(s, CloudOptions{Scalar: ScalarObject})
	if err != nil {
		t.Fatal(err)
	}
	if c.Len() != 12 {
		t.Fatalf("%d points, want 12", c.Len())
	}
	// Frame 1's first point is (0,0,2) moved by x+1.
	if got := c.XYZ[18:21]; got[0] != 1 || got[1] != 0 || got[2] != 2 {
		t.Fatalf("frame 1 point 0 = %v", got)
	}
	if c.Scalar[0] != 4 || c.Scalar[1] != 0 || c.Scalar[3] != 4 {
		t.Fatalf("object scalar %v", c.Scalar)
	}
	var buf bytes.Buffer
	if err := (PLYEncoder{Comment: "test"}).Encode(&buf, c); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(&buf)
	var header []string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		header = append(header, strings.TrimSpace(line))
		if line == "end_header\n" {
			break
		}
	}
	want := "ply|format binary_little_endian 1.0|comment test|element vertex 12|property float x|property float y|property float z|property uchar red|property uchar green|property uchar blue|property float object|end_header"
	if strings.Join(header, "|") != want {
		t.Fatalf("header %q", header)
	}
	rest := make([]byte, 12*19+1)
	if n, _ := io.ReadFull(r, rest); n != 12*19 {
		t.Fatalf("body has %d bytes, want %d", n, 12*19)
	}
	for i := range 12 {
		rec := rest[19*i:]
		x := math.Float32frombits(binary.LittleEndian.Uint32(rec))
		obj := math.Float32frombits(binary.LittleEndian.Uint32(rec[15:]))
		if x != c.XYZ[3*i] || obj != c.Scalar[i] || rec[12] != c.RGB[3*i] {
			t.Fatalf("record %d: x %v obj %v", i, x, obj)
		}
	}
}

func TestGLB(t *testing.T) {
	t.Parallel()
	s := flatScene(t)
	c, _ := WorldCloud(s, CloudOptions{Scalar: ScalarTime, Frames: []int{1}})
	var buf bytes.Buffer
	if err := EncodeGLB(&buf, c); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	le := binary.LittleEndian
	if string(b[:4]) != "glTF" || le.Uint32(b[4:]) != 2 || int(le.Uint32(b[8:])) != len(b) {
		t.Fatal("bad GLB header")
	}
	jl := int(le.Uint32(b[12:]))
	if string(b[16:20]) != "JSON" || jl%4 != 0 {
		t.Fatal("bad JSON chunk")
	}
	var doc struct {
		Accessors []struct {
			Count    int
			Min, Max []float64
		}
		Meshes []struct {
			Primitives []struct {
				Attributes map[string]int
				Mode       int
			}
		}
		Buffers []struct{ ByteLength int }
	}
	if err := json.Unmarshal(b[20:20+jl], &doc); err != nil {
		t.Fatal(err)
	}
	binHdr := b[20+jl:]
	if string(binHdr[4:8]) != "BIN\x00" || int(le.Uint32(binHdr)) < doc.Buffers[0].ByteLength {
		t.Fatal("bad BIN chunk")
	}
	if doc.Accessors[0].Count != 6 || doc.Meshes[0].Primitives[0].Mode != 0 {
		t.Fatalf("doc %+v", doc)
	}
	if _, ok := doc.Meshes[0].Primitives[0].Attributes["_TIME"]; !ok {
		t.Fatal("no _TIME attribute")
	}
	// Axes flipped: z = 2 becomes −2; x in [1, 3].
	if mn, mx := doc.Accessors[0].Min, doc.Accessors[0].Max; mn[0] != 1 || mx[0] != 3 || mn[2] != -2 || mx[2] != -2 || mn[1] != -1 || mx[1] != 0 {
		t.Fatalf("bounds %v %v", mn, mx)
	}
	bin := binHdr[8:]
	if z := math.Float32frombits(le.Uint32(bin[8:])); z != -2 {
		t.Fatalf("first z %v", z)
	}
}

func TestColoursFromFrames(t *testing.T) {
	t.Parallel()
	s := flatScene(t)
	dir := t.TempDir()
	for i := range 2 {
		img := image.NewRGBA(image.Rect(0, 0, 6, 4))
		for y := range 4 {
			for x := range 6 {
				img.Set(x, y, color.RGBA{uint8(10 * x), uint8(10 * y), uint8(100 * i), 255})
			}
		}
		p := filepath.Join(dir, string(rune('a'+i))+".png")
		f, _ := os.Create(p)
		png.Encode(f, img)
		f.Close()
		s.Frames = append(s.Frames, p)
	}
	c, err := WorldCloud(s, CloudOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Point-map pixel (2, 1) of frame 1 samples video pixel (5, 3).
	k := 3 * (6 + 5)
	if got := c.RGB[k : k+3]; got[0] != 50 || got[1] != 30 || got[2] != 100 {
		t.Fatalf("colour %v", got)
	}
}

func TestTrajectories(t *testing.T) {
	t.Parallel()
	s := flatScene(t)
	var buf bytes.Buffer
	if err := WriteTUM(&buf, s); err != nil {
		t.Fatal(err)
	}
	traj, err := geom.ReadTUM(&buf)
	if err != nil || len(traj) != 2 || traj[1].Time != 0.5 || traj[1].Pose.T.X != 1 {
		t.Fatalf("TUM: %+v %v", traj, err)
	}
	buf.Reset()
	if err := WriteKITTI(&buf, s); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "1 0 0 0 0 1 0 0 0 0 1 0\n1 0 0 1 0 1 0 0 0 0 1 0\n" {
		t.Fatalf("KITTI:\n%s", buf.String())
	}
}
