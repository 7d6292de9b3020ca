package synth

import (
	"fmt"
	"math"

	"github.com/dsr4d/dsr4d/shaders"
	"github.com/dsr4d/dsr4d/vk"
)

// GPU casts rays with shaders/raycast.comp on a Vulkan device. It owns a Recorder; Release
// frees it (the Device stays the caller's).
type GPU struct {
	d    *vk.Device
	k    *vk.Kernel
	rec  *vk.Recorder
	wg   [2]int
	info vk.Info
}

// maxBatchBytes bounds the output of one submission (several jobs share it).
const maxBatchBytes = 64 << 20

// NewGPU builds the ray-casting kernel on d.
// On CPU devices (lavapipe) it uses 16×4 workgroups without bounding-sphere culling: a
// branch there costs every lane whether taken or not, so the test only adds work (measured by
// BenchmarkRender32); on GPUs, 16×8 workgroups with culling.
func NewGPU(d *vk.Device) (*GPU, error) {
	if d.Info().IsCPU() {
		return newGPU(d, [2]int{16, 4}, false)
	}
	return newGPU(d, [2]int{16, 8}, true)
}

func newGPU(d *vk.Device, wg [2]int, cull bool) (*GPU, error) {
	k, err := d.KernelOf(shaders.Raycast(shaders.RaycastSpec{LocalSizeX: uint32(wg[0]), LocalSizeY: uint32(wg[1]), Cull: cull}))
	if err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	rec, err := d.NewRecorder()
	if err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	return &GPU{d: d, k: k, rec: rec, wg: wg, info: d.Info()}, nil
}

// Name returns "vulkan: <device name>".
func (g *GPU) Name() string { return "vulkan: " + g.info.Name }

// Release frees the GPU's Recorder.
func (g *GPU) Release() {
	if g.rec != nil {
		g.rec.Release()
		g.rec = nil
	}
}

// Cast casts every job, batching as many as fit in one submission.
func (g *GPU) Cast(jobs []Job) ([]Hits, error) {
	out := make([]Hits, 0, len(jobs))
	for start := 0; start < len(jobs); {
		end, bytes := start, int64(0)
		for end < len(jobs) {
			b := g.outBytes(jobs[end].View)
			if end > start && bytes+b > maxBatchBytes {
				break
			}
			bytes += b
			end++
		}
		hits, err := g.cast(jobs[start:end], bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, hits...)
		start = end
	}
	return out, nil
}

func (g *GPU) outBytes(v View) int64 {
	a := int64(max(g.info.MinStorageBufferOffsetAlignment, 16))
	b := int64(8 * v.W * v.H)
	return (b + a - 1) / a * a
}

func (g *GPU) cast(jobs []Job, outSize int64) ([]Hits, error) {
	var texels []float32
	bases := make([]int, len(jobs))
	counts := make([][numShapes]uint32, len(jobs))
	perms := make([][]int32, len(jobs)) // sorted position → index in the job's Prims
	for i, j := range jobs {
		if j.View.W <= 0 || j.View.H <= 0 {
			return nil, fmt.Errorf("synth: view %d×%d", j.View.W, j.View.H)
		}
		if len(j.Prims) >= 1<<16-1 {
			return nil, fmt.Errorf("synth: %d primitives in one view, at most %d", len(j.Prims), 1<<16-2)
		}
		bases[i] = len(texels) / 4
		for sh := range Shape(numShapes) {
			for k, p := range j.Prims {
				if p.Shape == sh {
					texels = p.pack(texels)
					perms[i] = append(perms[i], int32(k))
					counts[i][sh]++
				}
			}
		}
	}
	if len(texels) == 0 {
		texels = make([]float32, 4) // a texel view may not be empty
	}
	if n := len(texels) / 4; n > int(g.info.MaxTexelBufferElements) {
		return nil, fmt.Errorf("synth: %d primitive texels exceed the device's %d", n, g.info.MaxTexelBufferElements)
	}
	in, err := g.d.NewBuffer(vk.HostVisible, int64(4*len(texels)))
	if err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	defer in.Release()
	if err := vk.Upload(in, texels); err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	res, err := g.d.NewBuffer(vk.Readback, outSize)
	if err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	defer res.Release()
	prims := vk.Texels(in, vk.RGBA32F)
	offs := make([]int64, len(jobs))
	off := int64(0)
	for i, j := range jobs {
		v := j.View
		offs[i] = off
		view := res.View(off, int64(8*v.W*v.H))
		off += g.outBytes(v)
		r, k := v.Pose.R, v.K
		f := func(x float64) uint32 { return math.Float32bits(float32(x)) }
		push := []uint32{
			f(r[0][0]), f(r[0][1]), f(r[0][2]), f(k.Fx),
			f(r[1][0]), f(r[1][1]), f(r[1][2]), f(k.Fy),
			f(r[2][0]), f(r[2][1]), f(r[2][2]), f(k.Cx),
			f(v.Pose.T.X), f(v.Pose.T.Y), f(v.Pose.T.Z), f(k.Cy),
			uint32(v.W), uint32(v.H), uint32(bases[i]), 0,
		}
		push = append(push, counts[i][:]...)
		groups := [3]int{(v.W + g.wg[0] - 1) / g.wg[0], (v.H + g.wg[1] - 1) / g.wg[1], 1}
		g.rec.Dispatch(g.k, groups, push, prims, view)
	}
	if err := g.rec.Submit(); err != nil {
		return nil, fmt.Errorf("synth: raycast: %w", err)
	}
	out := make([]Hits, len(jobs))
	for i, j := range jobs {
		v := j.View
		raw := make([]uint32, 2*v.W*v.H)
		if err := vk.Download(res.View(offs[i], int64(4*len(raw))), raw); err != nil {
			return nil, fmt.Errorf("synth: %w", err)
		}
		h := newHits(v.W, v.H)
		for p := range v.W * v.H {
			h.Depth[p] = math.Float32frombits(raw[2*p])
			w := raw[2*p+1]
			if k := int32(w&0xffff) - 1; k >= 0 {
				h.Prim[p] = perms[i][k]
			} else {
				h.Prim[p] = -1
			}
			h.Shade[p] = float32(w>>16) / 65535
		}
		out[i] = h
	}
	return out, nil
}
