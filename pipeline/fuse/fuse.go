package fuse

import (
	"github.com/dsr4d/dsr4d/internal/par"
	"github.com/dsr4d/dsr4d/pipeline/scene"
	"gonum.org/v1/gonum/spatial/r3"
)

// Centres are per-object, per-frame pixel counts and point sums over mask ∧ valid.
type Centres struct {
	N     int
	IDs   []int          // object ids in scene order
	Count [][]int        // [object][frame]
	Sum   [][][3]float64 // [object][frame], local (camera-frame) coordinates
	index map[int]int    // object id → row
}

// Centre returns object id's centre at frame i in the frame's camera coordinates (scene.Mean),
// false when it is not visible there. It is package qa's Centres.
func (c *Centres) Centre(id, i int) (r3.Vec, bool) {
	k, ok := c.index[id]
	if !ok {
		return r3.Vec{}, false
	}
	return scene.Mean(c.Count[k][i], c.Sum[k][i])
}

func newCentres(s *scene.Scene) *Centres {
	c := &Centres{N: s.N, Count: make([][]int, len(s.Objects)), Sum: make([][][3]float64, len(s.Objects)), index: map[int]int{}}
	for k, o := range s.Objects {
		c.IDs = append(c.IDs, o.ID)
		c.index[o.ID] = k
		c.Count[k] = make([]int, s.N)
		c.Sum[k] = make([][3]float64, s.N)
	}
	return c
}

// CPU computes the centres of every object at every frame with the CPU reference
// (scene.ValidMask, scene.VisiblePixels), frames spread over workers goroutines
// (GOMAXPROCS when ≤ 0).
func CPU(s *scene.Scene, workers int) *Centres {
	c := newCentres(s)
	par.For(s.N, workers, func(i int) {
		valid := s.ValidMask(i, nil)
		for k, id := range c.IDs {
			c.Count[k][i], c.Sum[k][i] = s.VisiblePixels(id, i, valid)
		}
	})
	return c
}

// WorldCloud returns frame i's valid points in world coordinates (x, y, z per point, float32),
// with valid from scene.ValidMask (computed when nil): what export and the viewer draw.
func WorldCloud(s *scene.Scene, i int, valid []bool) []float32 {
	if valid == nil {
		valid = s.ValidMask(i, nil)
	}
	pose := s.Pose(i)
	pix := s.PointMap(i).Pix
	var out []float32
	for k, ok := range valid {
		if !ok {
			continue
		}
		p := pose.Apply(r3.Vec{X: float64(pix[3*k]), Y: float64(pix[3*k+1]), Z: float64(pix[3*k+2])})
		out = append(out, float32(p.X), float32(p.Y), float32(p.Z))
	}
	return out
}
