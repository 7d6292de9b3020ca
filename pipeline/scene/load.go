package scene

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/dsr4d/dsr4d/pipeline/scene/npy"
)

// maxJSON bounds the size of scene.json, orient.json and gt.json.
const maxJSON = 64 << 20

// Load reads and validates the scene in dir. Every error is one line starting with
// "scene DIR: FILE: " and naming the array or field and what was expected.
func Load(dir string) (*Scene, error) {
	s, err := load(dir)
	if err != nil {
		return nil, fmt.Errorf("scene %s: %w", dir, err)
	}
	return s, nil
}

func load(dir string) (*Scene, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("%w", unwrapPath(err))
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("not a directory, want a %s scene directory", Format)
	}
	b, err := readLimited(filepath.Join(dir, MetaFile))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", MetaFile, err)
	}
	meta, err := ParseMeta(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", MetaFile, err)
	}
	s := &Scene{Meta: meta, Masks: map[int][]bool{}, Orient: map[int][]Orientation{}}
	if err := s.loadGeometry(filepath.Join(dir, GeometryFile)); err != nil {
		return nil, fmt.Errorf("%s: %w", GeometryFile, err)
	}
	if err := s.loadMasks(filepath.Join(dir, MasksFile)); err != nil {
		return nil, fmt.Errorf("%s: %w", MasksFile, err)
	}
	if b, err := readLimited(filepath.Join(dir, OrientFile)); err == nil {
		if s.Orient, err = ParseOrient(b); err != nil {
			return nil, fmt.Errorf("%s: %w", OrientFile, err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", OrientFile, err)
	}
	if b, err := readLimited(filepath.Join(dir, GTFile)); err == nil {
		s.GT = json.RawMessage(b)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", GTFile, err)
	}
	if s.Frames, err = listFrames(filepath.Join(dir, FramesDir)); err != nil {
		return nil, fmt.Errorf("%s: %w", FramesDir, err)
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// unwrapPath drops the path from an *fs.PathError (the caller names the file).
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, fs.ErrNotExist) {
			return fmt.Errorf("missing (%w)", fs.ErrNotExist)
		}
		return pe.Err
	}
	return err
}

// readLimited reads a regular file of at most maxJSON bytes (a device or a FIFO is refused
// before anything is read).
func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, unwrapPath(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file (%v)", st.Mode().Type())
	}
	b, err := io.ReadAll(io.LimitReader(f, maxJSON+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxJSON {
		return nil, fmt.Errorf("over %d bytes", maxJSON)
	}
	return b, nil
}

// jsonErr rewrites encoding/json errors to name the field and say what was expected.
func jsonErr(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("invalid JSON at byte %d: %v", se.Offset, se)
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "top level"
		}
		return fmt.Errorf("%s: JSON %s, want %v", field, te.Value, te.Type)
	case errors.Is(err, errEOF):
		return fmt.Errorf("empty or truncated JSON")
	}
	if s := err.Error(); strings.HasPrefix(s, "json: unknown field ") {
		return fmt.Errorf("unknown field %s", strings.TrimPrefix(s, "json: unknown field "))
	}
	return err
}

var errEOF = errors.New("unexpected end of JSON input")

// ParseMeta parses scene.json: every field except source must be present, unknown fields
// are refused. It checks only the JSON; [Scene.Validate] checks the values.
func ParseMeta(b []byte) (Meta, error) {
	var m Meta
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		if err.Error() == errEOF.Error() {
			return m, jsonErr(errEOF)
		}
		return m, jsonErr(err)
	}
	if raw == nil {
		return m, fmt.Errorf("null, want a JSON object")
	}
	for _, k := range []string{"format", "video_id", "fps", "timestamps", "image_size", "objects"} {
		if _, ok := raw[k]; !ok {
			return m, fmt.Errorf("missing field %q", k)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return m, jsonErr(err)
	}
	if err := checkArrayLen(raw["image_size"], 2); err != nil {
		return m, fmt.Errorf("image_size: %w", err)
	}
	var objs []map[string]json.RawMessage
	if err := json.Unmarshal(raw["objects"], &objs); err == nil {
		for k, o := range objs {
			for _, f := range []string{"id", "class", "agent"} {
				if _, ok := o[f]; !ok {
					return m, fmt.Errorf("objects[%d]: missing field %q", k, f)
				}
			}
		}
	}
	if m.Objects == nil {
		m.Objects = []Object{}
	}
	if m.Source != nil {
		var c bytes.Buffer
		if err := json.Compact(&c, m.Source); err == nil {
			m.Source = c.Bytes()
		}
		if string(m.Source) == "null" {
			m.Source = nil
		}
	}
	return m, nil
}

// checkArrayLen reports whether raw is a JSON array of n elements (encoding/json silently
// drops extra elements and zero-fills missing ones for Go arrays).
func checkArrayLen(raw json.RawMessage, n int) error {
	var a []json.RawMessage
	if err := json.Unmarshal(raw, &a); err != nil {
		return fmt.Errorf("want a JSON array of %d numbers", n)
	}
	if len(a) != n {
		return fmt.Errorf("%d values, want %d ([w,h])", len(a), n)
	}
	return nil
}

// ParseOrient parses orient.json: an object from object id (a decimal string) to a list of
// estimates. Every estimate needs all five fields. The lists are sorted by frame.
func ParseOrient(b []byte) (map[int][]Orientation, error) {
	if t := bytes.TrimSpace(b); len(t) == 0 || t[0] != '{' {
		return nil, fmt.Errorf("want a JSON object {\"<id>\": [...]}, got %.20q (no orientations: leave the file out)", t)
	}
	var raw map[string][]map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, jsonErr(err)
	}
	out := make(map[int][]Orientation, len(raw))
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		id, err := strconv.Atoi(k)
		if err != nil || strconv.Itoa(id) != k {
			return nil, fmt.Errorf("key %q: want an object id such as \"1\"", k)
		}
		list := make([]Orientation, len(raw[k]))
		for i, e := range raw[k] {
			for _, f := range []string{"frame", "azimuth", "polar", "rotation", "confidence"} {
				if _, ok := e[f]; !ok {
					return nil, fmt.Errorf("%q[%d]: missing field %q", k, i, f)
				}
			}
			if len(e) != 5 {
				for f := range e {
					switch f {
					case "frame", "azimuth", "polar", "rotation", "confidence":
					default:
						return nil, fmt.Errorf("%q[%d]: unknown field %q", k, i, f)
					}
				}
			}
			enc, _ := json.Marshal(e)
			if err := json.Unmarshal(enc, &list[i]); err != nil {
				return nil, fmt.Errorf("%q[%d]: %w", k, i, jsonErr(err))
			}
		}
		slices.SortStableFunc(list, func(a, b Orientation) int { return a.Frame - b.Frame })
		out[id] = list
	}
	return out, nil
}

func isFloat(d npy.Dtype) bool { return d == npy.Float16 || d == npy.Float32 || d == npy.Float64 }

// readFloat reads a float array whose shape want accepts, after checking the header.
func readFloat(z *npy.NPZ, name string, check func(shape []int) error) ([]float32, []int, error) {
	h, err := z.Header(name)
	if err != nil {
		return nil, nil, err
	}
	if !isFloat(h.Dtype) {
		return nil, nil, fmt.Errorf("%s: dtype %v, want float32", name, h.Dtype)
	}
	if err := check(h.Shape); err != nil {
		return nil, nil, fmt.Errorf("%s: shape %s, want %w", name, npy.ShapeString(h.Shape), err)
	}
	a, err := z.Read(name)
	if err != nil {
		return nil, nil, err
	}
	v, err := a.Float32()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	return v, a.Shape, nil
}

func (s *Scene) loadGeometry(path string) error {
	z, err := npy.OpenNPZ(path)
	if err != nil {
		return unwrapNPZ(err, path)
	}
	defer z.Close()
	var shape []int
	// Checked from the header against scene.json (one frame per timestamp) before any data is read.
	s.LocalPoints, shape, err = readFloat(z, "local_points", func(sh []int) error {
		if len(sh) != 4 || sh[3] != 3 || sh[0] < 1 || sh[1] < 1 || sh[2] < 1 || sh[1] > MaxSide || sh[2] > MaxSide {
			return fmt.Errorf("(N,H,W,3) with N ≥ 1, H, W in 1..%d", MaxSide)
		}
		if sh[0] != len(s.Timestamps) {
			return fmt.Errorf("N = %d, the number of timestamps in %s", len(s.Timestamps), MetaFile)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.N, s.H, s.W = shape[0], shape[1], shape[2]
	want := func(d ...int) func([]int) error {
		return func(sh []int) error {
			if !slices.Equal(sh, d) {
				return errors.New(shapeStr(d...) + " to match local_points " + shapeStr(s.N, s.H, s.W, 3))
			}
			return nil
		}
	}
	if s.Conf, _, err = readFloat(z, "conf", want(s.N, s.H, s.W)); err != nil {
		return err
	}
	if s.Poses, _, err = readFloat(z, "camera_poses", want(s.N, 4, 4)); err != nil {
		return err
	}
	return nil
}

// unwrapNPZ turns an OpenNPZ error into one without the path (the caller names the file).
func unwrapNPZ(err error, path string) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("missing (%w)", fs.ErrNotExist)
	}
	return errors.New(strings.TrimPrefix(err.Error(), path+": "))
}

func (s *Scene) loadMasks(path string) error {
	z, err := npy.OpenNPZ(path)
	if errors.Is(err, fs.ErrNotExist) && len(s.Objects) == 0 {
		return nil
	}
	if err != nil {
		return unwrapNPZ(err, path)
	}
	defer z.Close()
	w, h := s.ImageSize[0], s.ImageSize[1]
	if w < 1 || h < 1 || w > MaxSide || h > MaxSide {
		return fmt.Errorf("%s image_size [%d,%d], want sides in 1..%d", MetaFile, w, h, MaxSide)
	}
	for _, name := range z.Keys() {
		idStr, ok := strings.CutPrefix(name, "obj_")
		id, err := strconv.Atoi(idStr)
		if !ok || err != nil || strconv.Itoa(id) != idStr {
			return fmt.Errorf("%s: unexpected member, want obj_<id> such as obj_1", name)
		}
		if _, ok := s.Object(id); !ok {
			return fmt.Errorf("%s: no object with id %d in %s", name, id, MetaFile)
		}
		hd, err := z.Header(name)
		if err != nil {
			return err
		}
		if hd.Dtype != npy.Bool && hd.Dtype != npy.Uint8 {
			return fmt.Errorf("%s: dtype %v, want bool (or uint8)", name, hd.Dtype)
		}
		if !slices.Equal(hd.Shape, []int{s.N, h, w}) {
			return fmt.Errorf("%s: shape %s, want %s (N frames, image_size [w,h] = [%d,%d])", name, npy.ShapeString(hd.Shape), shapeStr(s.N, h, w), w, h)
		}
		a, err := z.Read(name)
		if err != nil {
			return err
		}
		if s.Masks[id], err = a.Bool(); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

var frameExts = []string{".png", ".jpg", ".jpeg"}

func listFrames(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, unwrapPath(err)
	}
	var out []string
	for _, e := range ents {
		if e.IsDir() || !slices.Contains(frameExts, strings.ToLower(filepath.Ext(e.Name()))) {
			continue
		}
		out = append(out, filepath.Join(dir, e.Name()))
	}
	slices.Sort(out)
	return out, nil
}
