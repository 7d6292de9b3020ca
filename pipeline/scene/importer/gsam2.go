package importer

import (
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/dsr4d/dsr4d/pipeline/scene"
	"github.com/dsr4d/dsr4d/pipeline/scene/npy"
)

// DefaultAgentClasses are the class names treated as agents (things with a facing
// direction) when the caller gives no list; matching ignores case and a plural "s".
var DefaultAgentClasses = []string{
	"person", "man", "woman", "boy", "girl", "child", "kid", "baby", "people", "player", "rider",
	"dog", "cat", "horse", "cow", "sheep", "bird", "animal", "deer", "elephant", "bear",
	"car", "truck", "bus", "bicycle", "bike", "motorcycle", "vehicle", "boat", "train", "airplane",
}

// IsAgentClass reports whether class is in classes (case-insensitive, trailing "s" ignored).
func IsAgentClass(class string, classes []string) bool {
	c := strings.ToLower(strings.TrimSpace(class))
	for _, a := range classes {
		a = strings.ToLower(a)
		if c == a || c == a+"s" || c == a+"es" {
			return true
		}
	}
	return false
}

// Masks are the objects of a video and their per-frame masks.
type Masks struct {
	ImageSize [2]int // w, h
	N         int
	Objects   []scene.Object
	Masks     map[int][]bool // id → (N,h,w)
	Source    map[string]any
}

type gsamLabel struct {
	InstanceID *int    `json:"instance_id"`
	ClassName  *string `json:"class_name"`
}

type gsamFrame struct {
	MaskName   string               `json:"mask_name"`
	MaskHeight int                  `json:"mask_height"`
	MaskWidth  int                  `json:"mask_width"`
	Labels     map[string]gsamLabel `json:"labels"`
}

// GSAM2 reads a Grounded-SAM-2 tracking output directory: mask_data/ holds one instance-id
// map per frame (16- or 8-bit grayscale PNG, or a uint16/uint8 .npy of shape (h,w); 0 is
// background) and json_data/ one JSON per frame with the same base name whose "labels" give
// each instance's "instance_id" and "class_name". Frames are taken in file-name order.
// Objects whose class is in agentClasses are agents.
func GSAM2(dir string, agentClasses []string) (*Masks, error) {
	maskDir := filepath.Join(dir, "mask_data")
	ents, err := os.ReadDir(maskDir)
	if err != nil {
		return nil, fmt.Errorf("gsam2 %s: %w", dir, err)
	}
	var files []string
	for _, e := range ents {
		switch strings.ToLower(filepath.Ext(e.Name())) {
		case ".png", ".npy":
			files = append(files, e.Name())
		}
	}
	slices.Sort(files)
	if len(files) == 0 {
		return nil, fmt.Errorf("gsam2 %s: mask_data: no .png or .npy instance maps", dir)
	}
	m := &Masks{N: len(files), Masks: map[int][]bool{}, Source: map[string]any{"importer": "gsam2", "path": dir}}
	classes := map[int]string{}
	var ids []int
	var maps [][]uint16
	for i, name := range files {
		path := filepath.Join(maskDir, name)
		inst, w, h, err := readInstanceMap(path, m.ImageSize)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			m.ImageSize = [2]int{w, h}
		} else if m.ImageSize != [2]int{w, h} {
			return nil, fmt.Errorf("%s: size %d×%d, want %d×%d like %s", path, w, h, m.ImageSize[0], m.ImageSize[1], files[0])
		}
		maps = append(maps, inst)
		jpath := filepath.Join(dir, "json_data", strings.TrimSuffix(name, filepath.Ext(name))+".json")
		labels, err := readGSAMJSON(jpath)
		if err != nil {
			return nil, err
		}
		for id, class := range labels {
			if old, ok := classes[id]; ok && old != class {
				return nil, fmt.Errorf("%s: instance %d: class %q, but earlier frames say %q", jpath, id, class, old)
			}
			if _, ok := classes[id]; !ok {
				ids = append(ids, id)
			}
			classes[id] = class
		}
		seen := map[uint16]bool{}
		for _, v := range inst {
			if v != 0 && !seen[v] {
				seen[v] = true
				if _, ok := labels[int(v)]; !ok {
					return nil, fmt.Errorf("%s: instance %d has no entry in %s labels", path, v, filepath.Base(jpath))
				}
			}
		}
	}
	slices.Sort(ids)
	n := m.ImageSize[0] * m.ImageSize[1]
	for _, id := range ids {
		mask := make([]bool, m.N*n)
		for i, inst := range maps {
			for p, v := range inst {
				if int(v) == id {
					mask[i*n+p] = true
				}
			}
		}
		m.Masks[id] = mask
		m.Objects = append(m.Objects, scene.Object{ID: id, Class: classes[id], Agent: IsAgentClass(classes[id], agentClasses)})
	}
	return m, nil
}

// maxMaskSide bounds an instance map's side before the first map fixes the size.
const maxMaskSide = 16384

// readInstanceMap reads one instance-id map; a PNG's header is checked against want (the first
// map's size; zero for the first) before it is decoded.
func readInstanceMap(path string, want [2]int) ([]uint16, int, int, error) {
	if strings.EqualFold(filepath.Ext(path), ".npy") {
		a, err := npy.ReadFile(path)
		if err != nil {
			return nil, 0, 0, err
		}
		if len(a.Shape) != 2 {
			return nil, 0, 0, fmt.Errorf("%s: shape %s, want (h, w)", path, npy.ShapeString(a.Shape))
		}
		var out []uint16
		switch a.Dtype() {
		case npy.Uint16:
			out, _ = npy.Values[uint16](a)
		case npy.Uint8:
			u, _ := npy.Values[uint8](a)
			out = make([]uint16, len(u))
			for i, v := range u {
				out[i] = uint16(v)
			}
		case npy.Int32, npy.Int64:
			f, _ := a.Float64()
			out = make([]uint16, len(f))
			for i, v := range f {
				if v < 0 || v > 65535 {
					return nil, 0, 0, fmt.Errorf("%s: instance id %v at element %d, want 0..65535", path, v, i)
				}
				out[i] = uint16(v)
			}
		default:
			return nil, 0, 0, fmt.Errorf("%s: dtype %v, want uint16 instance ids", path, a.Dtype())
		}
		return out, a.Shape[1], a.Shape[0], nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, 0, err
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("%s: %w", path, err)
	}
	if want != [2]int{} && [2]int{cfg.Width, cfg.Height} != want {
		return nil, 0, 0, fmt.Errorf("%s: size %d×%d, want %d×%d like the first map", path, cfg.Width, cfg.Height, want[0], want[1])
	}
	if cfg.Width > maxMaskSide || cfg.Height > maxMaskSide {
		return nil, 0, 0, fmt.Errorf("%s: size %d×%d, want each side ≤ %d", path, cfg.Width, cfg.Height, maxMaskSide)
	}
	if _, err := f.Seek(0, 0); err != nil {
		return nil, 0, 0, err
	}
	img, err := png.Decode(f)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("%s: %w", path, err)
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	out := make([]uint16, w*h)
	switch g := img.(type) {
	case *image.Gray16:
		for y := range h {
			for x := range w {
				out[y*w+x] = g.Gray16At(b.Min.X+x, b.Min.Y+y).Y
			}
		}
	case *image.Gray:
		for y := range h {
			for x := range w {
				out[y*w+x] = uint16(g.GrayAt(b.Min.X+x, b.Min.Y+y).Y)
			}
		}
	default:
		return nil, 0, 0, fmt.Errorf("%s: %T image, want a 16-bit (or 8-bit) grayscale instance-id map", path, img)
	}
	return out, w, h, nil
}

func readGSAMJSON(path string) (map[int]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var fr gsamFrame
	if err := json.Unmarshal(b, &fr); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	out := map[int]string{}
	for key, l := range fr.Labels {
		if l.ClassName == nil || *l.ClassName == "" {
			return nil, fmt.Errorf("%s: labels[%q]: missing field \"class_name\"", path, key)
		}
		id, err := strconv.Atoi(key)
		if l.InstanceID != nil {
			id, err = *l.InstanceID, nil
		}
		if err != nil || id <= 0 || id > 65535 {
			return nil, fmt.Errorf("%s: labels[%q]: want a positive instance_id", path, key)
		}
		out[id] = strings.TrimSpace(*l.ClassName)
	}
	return out, nil
}
