package synth

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/dsr4d/dsr4d/geom"
)

// Shape is the kind of a primitive. Every shape is centrally symmetric about its centre, which
// is therefore its volume centroid.
type Shape int

// Shapes, with the meaning of Prim.Size for each.
const (
	Sphere   Shape = iota // Size.X radius
	Box                   // Size half extents along the local axes
	Cylinder              // Size.X radius, Size.Z half height along local z (capped)
	Capsule               // Size.X radius, Size.Z half height of the straight part along local z
	Disk                  // Size.X radius, in the local z = 0 plane (the ground); no volume

	numShapes = 5
)

var shapeNames = [...]string{"sphere", "box", "cylinder", "capsule", "disk"}

func (s Shape) String() string {
	if s >= 0 && int(s) < len(shapeNames) {
		return shapeNames[s]
	}
	return fmt.Sprintf("Shape(%d)", int(s))
}

// MarshalText writes the shape's name.
func (s Shape) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Prim is one primitive in world coordinates.
type Prim struct {
	Shape  Shape
	Centre r3.Vec
	// R is the local-to-world rotation: its columns are the local x, y, z axes in the world.
	R    geom.Mat3
	Size r3.Vec
	// Label is the id of the tracked object the primitive belongs to, 0 for scenery.
	Label int
}

// Volume is the primitive's volume (0 for a disk).
func (p Prim) Volume() float64 {
	r := p.Size.X
	switch p.Shape {
	case Sphere:
		return 4 * math.Pi * r * r * r / 3
	case Box:
		return 8 * p.Size.X * p.Size.Y * p.Size.Z
	case Cylinder:
		return math.Pi * r * r * 2 * p.Size.Z
	case Capsule:
		return math.Pi*r*r*2*p.Size.Z + 4*math.Pi*r*r*r/3
	}
	return 0
}

// texelsPerPrim is the number of RGBA32F texels one primitive takes in the ray caster's input.
const texelsPerPrim = 4

// pack appends the primitive's 16 floats (see shaders/raycast.comp) to dst.
func (p Prim) pack(dst []float32) []float32 {
	ax, ay, az := p.R.Col(0), p.R.Col(1), p.R.Col(2)
	f := func(x float64) float32 { return float32(x) }
	return append(dst,
		f(p.Centre.X), f(p.Centre.Y), f(p.Centre.Z), float32(p.Shape),
		f(ax.X), f(ax.Y), f(ax.Z), f(p.Size.X),
		f(ay.X), f(ay.Y), f(ay.Z), f(p.Size.Y),
		f(az.X), f(az.Y), f(az.Z), f(p.Size.Z))
}

// UnmarshalText reads a shape's name.
func (s *Shape) UnmarshalText(b []byte) error {
	i, err := lookup("shape", shapeNames[:], string(b))
	*s = Shape(i)
	return err
}

func lookup(what string, names []string, s string) (int, error) {
	for i, n := range names {
		if n == s {
			return i, nil
		}
	}
	return 0, fmt.Errorf("synth: unknown %s %q", what, s)
}
