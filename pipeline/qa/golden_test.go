package qa

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/dsr4d/dsr4d/geom"
	"github.com/dsr4d/dsr4d/pipeline/scene"
)

// golden is testdata/golden.json, made by testdata/gen_golden.py from the reference functions.
type golden struct {
	Dist []struct {
		In     []float64 `json:"in"`
		Output *string   `json:"output"`
		Error  string    `json:"error"`
	} `json:"dist"`
	Dir []struct {
		In     [][3]float64 `json:"in"`
		Output *string      `json:"output"`
		Error  string       `json:"error"`
	} `json:"dir"`
	SpdComp []struct {
		A, B   []float64
		Output *string `json:"output"`
		Error  string  `json:"error"`
	} `json:"spd_comp"`
	Mutual []struct {
		P      [][3]float64 `json:"p"`
		M1, M2 [4][4]float64
		Output [][3]float64 `json:"output"`
	} `json:"mutual"`
	Self  []struct{ P, Output [][3]float64 } `json:"self"`
	Agent []struct {
		P                        [][3]float64
		Azimuth, Polar, Rotation float64
		Trans                    [3]float64
		Output                   [][3]float64
	} `json:"agent"`
	AgentInv []struct {
		P                        [][3]float64
		Azimuth, Polar, Rotation float64
		Trans                    [3]float64
		Output                   [][3]float64
	} `json:"agent_inv"`
	DepthEdge []struct {
		H, W int
		Z    [][]float64
		Edge [][]bool
	} `json:"depth_edge"`
}

func loadGolden(t *testing.T) *golden {
	t.Helper()
	b, err := os.ReadFile("testdata/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	return &g
}

func vecs(a [][3]float64) []r3.Vec {
	v := make([]r3.Vec, len(a))
	for i, x := range a {
		v[i] = r3.Vec{X: x[0], Y: x[1], Z: x[2]}
	}
	return v
}

func checkText(t *testing.T, what string, i int, got string, err error, want *string, wantErr string) {
	t.Helper()
	switch {
	case wantErr != "":
		if err == nil {
			t.Errorf("%s %d: got %q, want the reference's RuntimeWarning (%s)", what, i, got, wantErr)
		}
	case err != nil:
		t.Errorf("%s %d: %v, want %q", what, i, err, *want)
	case got != *want:
		t.Errorf("%s %d:\n got %q\nwant %q", what, i, got, *want)
	}
}

func TestGoldenDescribe(t *testing.T) {
	t.Parallel()
	g := loadGolden(t)
	for i, c := range g.Dist {
		got, err := DescribeDistRuns(c.In)
		checkText(t, "describe_dist_runs", i, got, err, c.Output, c.Error)
	}
	for i, c := range g.Dir {
		got, err := DescribeDir(vecs(c.In))
		checkText(t, "describe_dir", i, got, err, c.Output, c.Error)
	}
	for i, c := range g.SpdComp {
		got, err := DescribeSpdComp(c.A, c.B)
		checkText(t, "describe_spd_comp", i, got, err, c.Output, c.Error)
	}
	t.Logf("conformance: %d describe_dist_runs, %d describe_dir, %d describe_spd_comp cases", len(g.Dist), len(g.Dir), len(g.SpdComp))
}

func nearVec(a, b r3.Vec) bool {
	d := r3.Norm(r3.Sub(a, b))
	return d <= 1e-12*(1+r3.Norm(b))
}

func rigid4(m [4][4]float64) geom.Rigid {
	var f []float64
	for _, r := range m {
		f = append(f, r[:]...)
	}
	g, err := geom.RigidFromMatrix(f)
	if err != nil {
		panic(err)
	}
	return g
}

func TestGoldenTransforms(t *testing.T) {
	t.Parallel()
	g := loadGolden(t)
	for i, c := range g.Mutual {
		rel := rigid4(c.M1).RelativeTo(rigid4(c.M2))
		for j, p := range vecs(c.P) {
			if got, want := rel.Apply(p), vecs(c.Output)[j]; !nearVec(got, want) {
				t.Errorf("camera_mutual_coordinate_transform %d/%d: got %v, want %v", i, j, got, want)
			}
		}
	}
	for i, c := range g.Self {
		for j, p := range vecs(c.P) {
			if got, want := geom.CameraViewer(p), vecs(c.Output)[j]; got != want {
				t.Errorf("camera_self_coord_trans %d/%d: got %v, want %v", i, j, got, want)
			}
		}
	}
	for i, c := range g.Agent {
		a := geom.NewAgentFrame(c.Azimuth, c.Polar, c.Rotation, r3.Vec{X: c.Trans[0], Y: c.Trans[1], Z: c.Trans[2]})
		for j, p := range vecs(c.P) {
			if got, want := a.ToAgent(p), vecs(c.Output)[j]; !nearVec(got, want) {
				t.Errorf("camera_agent_coord_trans %d/%d: got %v, want %v", i, j, got, want)
			}
		}
	}
	for i, c := range g.AgentInv {
		a := geom.NewAgentFrame(c.Azimuth, c.Polar, c.Rotation, r3.Vec{X: c.Trans[0], Y: c.Trans[1], Z: c.Trans[2]})
		for j, p := range vecs(c.P) {
			if got, want := a.FromAgent(p), vecs(c.Output)[j]; !nearVec(got, want) {
				t.Errorf("agent_camera_coord_trans %d/%d: got %v, want %v", i, j, got, want)
			}
		}
	}
}

// TestGoldenDepthEdge checks scene.ValidMask (the CPU reference that package fuse's kernel
// matches) against π³'s depth_edge run on the same float32 depths, with every conf valid.
func TestGoldenDepthEdge(t *testing.T) {
	t.Parallel()
	g := loadGolden(t)
	for i, c := range g.DepthEdge {
		s := scene.New("edge", 1, c.H, c.W, c.W, c.H)
		for y := range c.H {
			for x := range c.W {
				k := y*c.W + x
				s.LocalPoints[3*k+2] = float32(c.Z[y][x])
				s.Conf[k] = 10
			}
		}
		valid := s.ValidMask(0, nil)
		for y := range c.H {
			for x := range c.W {
				if valid[y*c.W+x] == c.Edge[y][x] {
					t.Errorf("depth_edge %d (%dx%d) at (%d,%d): valid %v, reference edge %v", i, c.H, c.W, y, x, valid[y*c.W+x], c.Edge[y][x])
				}
			}
		}
	}
	_ = math.Inf
}
