package importer

import (
	"fmt"
	"math"

	"github.com/dsr4d/dsr4d/geom"
	"github.com/dsr4d/dsr4d/pipeline/scene"
	"gonum.org/v1/gonum/spatial/r3"
)

// Logits given to pixels by importers whose source has no confidence.
const (
	ValidLogit   float32 = 10  // sigmoid ≈ 0.99995
	InvalidLogit float32 = -20 // sigmoid ≈ 2e-9
)

// Geometry is the per-frame geometry of a scene, in the layout of geometry.npz.
type Geometry struct {
	N, H, W     int
	LocalPoints []float32 // (N,H,W,3)
	Conf        []float32 // (N,H,W) logits
	Poses       []float32 // (N,4,4) camera-to-world
	Source      map[string]any
}

func checkN(path, name string, got, n int) error {
	if got != n {
		return fmt.Errorf("%s: %s: %d frames, want %d to match the other arrays", path, name, got, n)
	}
	return nil
}

// Pi3 reads π³ outputs from an .npz file or a directory of .npy files (see the package doc).
func Pi3(path string) (*Geometry, error) {
	src, err := openSource(path)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	g := &Geometry{Source: map[string]any{"importer": "pi3", "path": path}}
	var pshape []int
	if src.has("camera_poses") {
		if g.Poses, pshape, err = src.float("camera_poses", -1, 4, 4); err != nil {
			return nil, err
		}
	} else {
		return nil, fmt.Errorf("%s: camera_poses: missing, want (N,4,4) camera-to-world poses", path)
	}
	switch {
	case src.has("local_points"):
		var sh []int
		if g.LocalPoints, sh, err = src.float("local_points", -1, -1, -1, 3); err != nil {
			return nil, err
		}
		g.N, g.H, g.W = sh[0], sh[1], sh[2]
	case src.has("points"):
		var sh []int
		pts, sh, err := src.float("points", -1, -1, -1, 3)
		if err != nil {
			return nil, err
		}
		g.N, g.H, g.W = sh[0], sh[1], sh[2]
		if err := checkN(path, "camera_poses", pshape[0], g.N); err != nil {
			return nil, err
		}
		g.LocalPoints = worldToLocal(pts, g.Poses, g.N)
		g.Source["local_points"] = "from world points and inverse poses"
	default:
		return nil, fmt.Errorf("%s: local_points: missing, want (N,H,W,3) camera-frame points (or world points named points)", path)
	}
	if err := checkN(path, "camera_poses", pshape[0], g.N); err != nil {
		return nil, err
	}
	conf, csh, err := src.float("conf", -1, -1, -1)
	if err != nil {
		return nil, err
	}
	if csh[0] != g.N || csh[1] != g.H || csh[2] != g.W {
		return nil, fmt.Errorf("%s: conf: shape (%d,%d,%d), want (%d,%d,%d) to match local_points", path, csh[0], csh[1], csh[2], g.N, g.H, g.W)
	}
	g.Conf = conf
	return g, nil
}

func worldToLocal(pts, poses []float32, n int) []float32 {
	out := make([]float32, len(pts))
	per := len(pts) / n
	for i := range n {
		inv := poseAt(poses, i).Inverse()
		for k := i * per; k < (i+1)*per; k += 3 {
			p := inv.Apply(r3.Vec{X: float64(pts[k]), Y: float64(pts[k+1]), Z: float64(pts[k+2])})
			out[k], out[k+1], out[k+2] = float32(p.X), float32(p.Y), float32(p.Z)
		}
	}
	return out
}

func poseAt(poses []float32, i int) geom.Rigid {
	var m [16]float64
	for k := range m {
		m[k] = float64(poses[16*i+k])
	}
	g, _ := geom.RigidFromMatrix(m[:])
	return g
}

func intrinsicsAt(path, name string, k []float32, i int) (geom.Intrinsics, error) {
	var m geom.Mat3
	for r := range 3 {
		for c := range 3 {
			m[r][c] = float64(k[9*i+3*r+c])
		}
	}
	in, err := geom.IntrinsicsFromMatrix(m)
	if err != nil {
		return in, fmt.Errorf("%s: %s[%d]: %v", path, name, i, err)
	}
	return in, nil
}

// unproject fills g.LocalPoints and g.Conf from depths and per-frame intrinsics. conf, when
// not nil, gives each valid pixel's logit.
func (g *Geometry) unproject(path, kname string, depth, ks []float32, conf func(k int) float32) error {
	n := g.H * g.W
	g.LocalPoints = make([]float32, 3*n*g.N)
	g.Conf = make([]float32, n*g.N)
	for i := range g.N {
		k, err := intrinsicsAt(path, kname, ks, i)
		if err != nil {
			return err
		}
		d := geom.DepthMap{Pix: depth[n*i : n*(i+1)], W: g.W, H: g.H}
		geom.UnprojectDepth(d, k, g.LocalPoints[3*n*i:3*n*(i+1)])
		for p := range n {
			z := d.Pix[p]
			switch {
			case !(z > 0) || math.IsInf(float64(z), 0):
				g.Conf[n*i+p] = InvalidLogit
			case conf != nil:
				g.Conf[n*i+p] = conf(n*i + p)
			default:
				g.Conf[n*i+p] = ValidLogit
			}
		}
	}
	return nil
}

// Depth reads a π³ condition.npz-style file: depths (N,H,W), intrinsics (N,3,3) and poses
// (N,4,4) camera-to-world; it unprojects the depths into local points.
func Depth(path string) (*Geometry, error) {
	src, err := openSource(path)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	g := &Geometry{Source: map[string]any{"importer": "depth", "path": path}}
	depth, dsh, err := src.float("depths", -1, -1, -1)
	if err != nil {
		return nil, err
	}
	g.N, g.H, g.W = dsh[0], dsh[1], dsh[2]
	ks, ksh, err := src.float("intrinsics", -1, 3, 3)
	if err != nil {
		return nil, err
	}
	if err := checkN(path, "intrinsics", ksh[0], g.N); err != nil {
		return nil, err
	}
	var psh []int
	if g.Poses, psh, err = src.float("poses", -1, 4, 4); err != nil {
		return nil, err
	}
	if err := checkN(path, "poses", psh[0], g.N); err != nil {
		return nil, err
	}
	if err := g.unproject(path, "intrinsics", depth, ks, nil); err != nil {
		return nil, err
	}
	return g, nil
}

// VGGT reads VGGT predictions: extrinsic (N,3,4) world-to-camera, intrinsic (N,3,3), depth
// (N,H,W[,1]) and optionally depth_conf (N,H,W). Poses are inverted to camera-to-world.
// Pixels whose depth_conf is below confMin are marked invalid.
func VGGT(path string, confMin float64) (*Geometry, error) {
	src, err := openSource(path)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	g := &Geometry{Source: map[string]any{"importer": "vggt", "path": path, "conf_min": confMin}}
	depth, dsh, err := src.float("depth", -1, -1, -1)
	if err != nil {
		return nil, err
	}
	g.N, g.H, g.W = dsh[0], dsh[1], dsh[2]
	ext, esh, err := src.float("extrinsic", -1, 3, 4)
	if err != nil {
		return nil, err
	}
	if err := checkN(path, "extrinsic", esh[0], g.N); err != nil {
		return nil, err
	}
	ks, ksh, err := src.float("intrinsic", -1, 3, 3)
	if err != nil {
		return nil, err
	}
	if err := checkN(path, "intrinsic", ksh[0], g.N); err != nil {
		return nil, err
	}
	g.Poses = make([]float32, 16*g.N)
	for i := range g.N {
		var m [12]float64
		for k := range m {
			m[k] = float64(ext[12*i+k])
		}
		if err := geom.CheckPose(m[:], 1e-3); err != nil {
			return nil, fmt.Errorf("%s: extrinsic[%d]: %v; want a world-to-camera [R|t]", path, i, err)
		}
		w2c, _ := geom.RigidFromMatrix(m[:])
		c2w := w2c.Inverse().Matrix()
		for k, v := range c2w {
			g.Poses[16*i+k] = float32(v)
		}
	}
	var conf func(int) float32
	if src.has("depth_conf") {
		c, csh, err := src.float("depth_conf", -1, -1, -1)
		if err != nil {
			return nil, err
		}
		if csh[0] != g.N || csh[1] != g.H || csh[2] != g.W {
			return nil, fmt.Errorf("%s: depth_conf: shape (%d,%d,%d), want (%d,%d,%d) to match depth", path, csh[0], csh[1], csh[2], g.N, g.H, g.W)
		}
		conf = func(k int) float32 {
			v := float64(c[k])
			if v < confMin || !(v > 1) {
				return InvalidLogit
			}
			return float32(max(math.Log(v-1), float64(InvalidLogit))) // inverse of 1 + exp(x)
		}
	}
	if err := g.unproject(path, "intrinsic", depth, ks, conf); err != nil {
		return nil, err
	}
	return g, nil
}

var _ = scene.Format
