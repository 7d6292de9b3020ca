package importer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dsr4d/dsr4d/pipeline/scene/npy"
)

// source is a set of named arrays: an .npz archive or a directory of .npy files.
type source struct {
	path string
	z    *npy.NPZ
	dir  bool
}

func openSource(path string) (*source, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return &source{path: path, dir: true}, nil
	}
	z, err := npy.OpenNPZ(path)
	if err != nil {
		return nil, err
	}
	return &source{path: path, z: z}, nil
}

func (s *source) Close() {
	if s.z != nil {
		s.z.Close()
	}
}

func (s *source) has(name string) bool {
	if s.dir {
		_, err := os.Stat(filepath.Join(s.path, name+".npy"))
		return err == nil
	}
	return s.z.Has(name)
}

func (s *source) keys() []string {
	if !s.dir {
		return s.z.Keys()
	}
	m, _ := filepath.Glob(filepath.Join(s.path, "*.npy"))
	var k []string
	for _, p := range m {
		k = append(k, strings.TrimSuffix(filepath.Base(p), ".npy"))
	}
	slices.Sort(k)
	return k
}

func (s *source) read(name string) (*npy.Array, error) {
	if !s.has(name) {
		return nil, fmt.Errorf("%s: %s: missing, want an array named %q (found %s)", s.path, name, name, strings.Join(s.keys(), ", "))
	}
	if s.dir {
		a, err := npy.ReadFile(filepath.Join(s.path, name+".npy"))
		if err != nil {
			return nil, err
		}
		return a, nil
	}
	a, err := s.z.Read(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.path, err)
	}
	return a, nil
}

// float reads a float array and normalises its shape to want (−1 = any size ≥ 1): a
// leading axis of 1 (a batch) and a trailing axis of 1 are dropped when that makes it fit.
func (s *source) float(name string, want ...int) ([]float32, []int, error) {
	a, err := s.read(name)
	if err != nil {
		return nil, nil, err
	}
	shape := fitShape(a.Shape, want)
	if shape == nil {
		return nil, nil, fmt.Errorf("%s: %s: shape %s, want %s", s.path, name, npy.ShapeString(a.Shape), wantString(want))
	}
	switch a.Dtype() {
	case npy.Float16, npy.Float32, npy.Float64:
	default:
		return nil, nil, fmt.Errorf("%s: %s: dtype %v, want a float type", s.path, name, a.Dtype())
	}
	v, err := a.Float32()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %s: %w", s.path, name, err)
	}
	return v, shape, nil
}

func fitShape(shape, want []int) []int {
	match := func(sh []int) bool {
		if len(sh) != len(want) {
			return false
		}
		for i, w := range want {
			if sh[i] < 1 || (w >= 0 && sh[i] != w) {
				return false
			}
		}
		return true
	}
	cands := [][]int{shape}
	if len(shape) > 0 && shape[0] == 1 {
		cands = append(cands, shape[1:])
	}
	if len(shape) > 0 && shape[len(shape)-1] == 1 {
		cands = append(cands, shape[:len(shape)-1])
		if shape[0] == 1 && len(shape) > 1 {
			cands = append(cands, shape[1:len(shape)-1])
		}
	}
	for _, c := range cands {
		if match(c) {
			return c
		}
	}
	return nil
}

func wantString(want []int) string {
	var b strings.Builder
	names := []string{"N", "H", "W"}
	b.WriteByte('(')
	k := 0
	for i, w := range want {
		if i > 0 {
			b.WriteString(",")
		}
		if w < 0 {
			b.WriteString(names[min(k, 2)])
			k++
		} else {
			fmt.Fprint(&b, w)
		}
	}
	b.WriteByte(')')
	return b.String()
}

var errNotExist = fs.ErrNotExist

func isNotExist(err error) bool { return errors.Is(err, errNotExist) }
