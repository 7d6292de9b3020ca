package fuse

import (
	"encoding/binary"
	"fmt"
	"math"
	"unsafe"

	"github.com/dsr4d/dsr4d/pipeline/scene"
	"github.com/dsr4d/dsr4d/shaders"
	"github.com/dsr4d/dsr4d/vk"
)

// wg is the workgroup width of both kernels.
const wg = 64

// chunkBytes bounds the masked point buffer of one chunk of frames (a binding stays well under
// lavapipe's 128 MiB storage range).
const chunkBytes = 64 << 20

// Vulkan computes Centres with the fuse_valid and fuse_centres kernels. It is safe for
// concurrent use (each call records and submits on its own Recorder); the Device stays the
// caller's.
type Vulkan struct {
	d              *vk.Device
	valid, centres *vk.Kernel
	// Exact float32 constants of the validity rule (see fuse_valid.comp).
	confMin float32
	midM    uint32
	midE    int32
	tieUp   uint32
}

// NewVulkan builds the kernels on d.
func NewVulkan(d *vk.Device) (*Vulkan, error) {
	v := &Vulkan{d: d}
	var err error
	if v.valid, err = d.KernelOf(shaders.FuseValid(shaders.FuseValidSpec{LocalSizeX: wg})); err != nil {
		return nil, fmt.Errorf("fuse: %w", err)
	}
	if v.centres, err = d.KernelOf(shaders.FuseCentres(shaders.FuseCentresSpec{LocalSizeX: wg})); err != nil {
		return nil, fmt.Errorf("fuse: %w", err)
	}
	v.confMin = ConfMin()
	v.midM, v.midE, v.tieUp = edgeMid(scene.EdgeRTol)
	return v, nil
}

// Release is a no-op kept for symmetry: kernels belong to the Device.
func (v *Vulkan) Release() {}

func sigmoid32(x float32) float32 { return float32(1 / (1 + math.Exp(-float64(x)))) }

// ConfMin is the smallest float32 logit whose float32 sigmoid exceeds scene.ConfThreshold: a
// logit is valid iff conf ≥ ConfMin, exactly as scene.ValidMask decides.
func ConfMin() float32 {
	// Search the ordered negative floats between −3 and −1.5 (sigmoid is monotone).
	lo, hi := float32(-3), float32(-1.5) // sigmoid(lo) < 0.1 < sigmoid(hi)
	for {
		mid := float32((float64(lo) + float64(hi)) / 2)
		if mid == lo || mid == hi {
			break
		}
		if sigmoid32(mid) > scene.ConfThreshold {
			hi = mid
		} else {
			lo = mid
		}
	}
	for math.Nextafter32(lo, hi) != hi { // bisection on values may leave a gap of ulps
		n := math.Nextafter32(lo, hi)
		if sigmoid32(n) > scene.ConfThreshold {
			hi = n
		} else {
			lo = n
		}
	}
	return hi
}

// edgeMid returns the midpoint between c and the next float32 as m·2^e, and whether a value
// exactly there rounds up (round half to even).
func edgeMid(c float32) (m uint32, e int32, tieUp uint32) {
	b := math.Float32bits(c)
	mc := b&0x7FFFFF | 0x800000
	ec := int32(b>>23&0xFF) - 150
	if (mc+1)%2 == 0 {
		tieUp = 1
	}
	return 2*mc + 1, ec - 1, tieUp
}

// packMasks writes object ids' masks for frames [f0, f1) bit-packed by row: for each object,
// frame and row, words uint32 with bit b of word j the pixel 32j+b. Eight mask bytes (Go
// bools are 0 or 1) become one byte of bits with a multiply.
func packMasks(s *scene.Scene, f0, f1, words int) []uint32 {
	w, h := s.ImageSize[0], s.ImageSize[1]
	out := make([]uint32, len(s.Objects)*(f1-f0)*h*words)
	k := 0
	for _, o := range s.Objects {
		for i := f0; i < f1; i++ {
			m := s.Mask(o.ID, i)
			if len(m) == 0 {
				k += h * words
				continue
			}
			b := unsafe.Slice((*byte)(unsafe.Pointer(&m[0])), len(m))
			for y := range h {
				row := b[y*w : (y+1)*w]
				x := 0
				for ; x+8 <= w; x += 8 {
					v := binary.LittleEndian.Uint64(row[x:])
					if v != 0 {
						out[k+x>>5] |= uint32((v*0x0102040810204080)>>56) << (x & 31)
					}
				}
				for ; x < w; x++ {
					if row[x] != 0 {
						out[k+x>>5] |= 1 << (x & 31)
					}
				}
				k += words
			}
		}
	}
	return out
}

func grid(n int) [3]int {
	g := (n + wg - 1) / wg
	gx := min(g, 65535)
	return [3]int{gx, (g + gx - 1) / gx, 1}
}

// Valid computes scene frame validity on the device (for tests and the viewer): per frame,
// per point-map pixel.
func (v *Vulkan) Valid(s *scene.Scene) ([][]bool, error) {
	out := make([][]bool, s.N)
	err := v.run(s, func(f0, f1 int, pv []float32, _ []float32) {
		hw := s.H * s.W
		for i := f0; i < f1; i++ {
			out[i] = make([]bool, hw)
			for p := range hw {
				out[i][p] = pv[4*((i-f0)*hw+p)+3] != 0
			}
		}
	}, true)
	return out, err
}

// Centres computes every object's pixel count and point sum per frame on the device.
func (v *Vulkan) Centres(s *scene.Scene) (*Centres, error) {
	c := newCentres(s)
	h := s.ImageSize[1]
	err := v.run(s, func(f0, f1 int, _ []float32, part []float32) {
		n := f1 - f0
		for k := range c.IDs {
			for i := f0; i < f1; i++ {
				var sum [4]float64
				base := ((k*n + (i - f0)) * h) * 4
				for y := range h {
					for j := range 4 {
						sum[j] += float64(part[base+4*y+j])
					}
				}
				c.Count[k][i] = int(sum[3])
				c.Sum[k][i] = [3]float64{sum[0], sum[1], sum[2]}
			}
		}
	}, false)
	return c, err
}

// run processes s in chunks of frames, handing each chunk's results to use: the masked
// points (only when wantPV) and the per-row partial sums.
func (v *Vulkan) run(s *scene.Scene, use func(f0, f1 int, pv, part []float32), wantPV bool) error {
	if s.N == 0 {
		return nil
	}
	hw := s.H * s.W
	w, h := s.ImageSize[0], s.ImageSize[1]
	words := (w + 31) / 32
	chunk := max(1, min(s.N, chunkBytes/(16*hw)))
	nObj := len(s.Objects)
	rec, err := v.d.NewRecorder()
	if err != nil {
		return fmt.Errorf("fuse: %w", err)
	}
	defer rec.Release()
	var bufs []*vk.Buffer
	defer func() {
		for _, b := range bufs {
			b.Release()
		}
	}()
	buf := func(kind vk.MemoryKind, size int) (*vk.Buffer, error) {
		b, err := v.d.NewBuffer(kind, int64(max(size, 16)))
		if err == nil {
			bufs = append(bufs, b)
		}
		return b, err
	}
	pts, err1 := buf(vk.HostVisible, 4*3*chunk*hw)
	conf, err2 := buf(vk.HostVisible, 4*chunk*hw)
	pvKind := vk.DeviceLocal
	if wantPV {
		pvKind = vk.Readback
	}
	pv, err3 := buf(pvKind, 16*chunk*hw)
	masks, err4 := buf(vk.HostVisible, 4*max(nObj, 1)*chunk*h*words)
	part, err5 := buf(vk.Readback, 16*max(nObj, 1)*chunk*h)
	for _, e := range []error{err1, err2, err3, err4, err5} {
		if e != nil {
			return fmt.Errorf("fuse: %w", e)
		}
	}
	for f0 := 0; f0 < s.N; f0 += chunk {
		f1 := min(s.N, f0+chunk)
		n := f1 - f0
		if err := vk.Upload(pts.View(0, int64(4*3*n*hw)), s.LocalPoints[3*f0*hw:3*f1*hw]); err != nil {
			return fmt.Errorf("fuse: %w", err)
		}
		if err := vk.Upload(conf.View(0, int64(4*n*hw)), s.Conf[f0*hw:f1*hw]); err != nil {
			return fmt.Errorf("fuse: %w", err)
		}
		pvView := pv.View(0, int64(16*n*hw))
		rec.Dispatch(v.valid, grid(n*hw), []uint32{uint32(s.H), uint32(s.W), uint32(n * hw), math.Float32bits(v.confMin), v.midM, uint32(v.midE), v.tieUp},
			vk.Texels(pts.View(0, int64(4*3*n*hw)), vk.R32F), vk.Texels(conf.View(0, int64(4*n*hw)), vk.R32F), pvView)
		total := nObj * n * h
		partView := part.View(0, int64(16*max(total, 1)))
		if total > 0 {
			packed := packMasks(s, f0, f1, words)
			mv := masks.View(0, int64(4*len(packed)))
			if err := vk.Upload(mv, packed); err != nil {
				return fmt.Errorf("fuse: %w", err)
			}
			sx := float32(s.W) / float32(w)
			sy := float32(s.H) / float32(h)
			rec.Dispatch(v.centres, grid(total), []uint32{uint32(n), uint32(s.H), uint32(s.W), uint32(h), uint32(w), uint32(words), uint32(total),
				math.Float32bits(sx), math.Float32bits(sy)}, vk.Texels(pvView, vk.RGBA32F), mv, partView)
		}
		if err := rec.Submit(); err != nil {
			return fmt.Errorf("fuse: %w", err)
		}
		var pvHost, partHost []float32
		if wantPV {
			pvHost = make([]float32, 4*n*hw)
			if err := vk.Download(pvView, pvHost); err != nil {
				return fmt.Errorf("fuse: %w", err)
			}
		}
		partHost = make([]float32, 4*total)
		if total > 0 {
			if err := vk.Download(partView, partHost); err != nil {
				return fmt.Errorf("fuse: %w", err)
			}
		}
		use(f0, f1, pvHost, partHost)
	}
	return nil
}
