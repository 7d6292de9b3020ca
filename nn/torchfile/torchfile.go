package torchfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"

	"github.com/nlpodyssey/gopickle/pytorch"
	"github.com/nlpodyssey/gopickle/types"

	"github.com/dsr4d/dsr4d/nn/safetensors"
)

// ErrNotStateDict is returned (wrapped) by Open when the pickle holds something else than a
// mapping from names to tensors (a whole pickled module, a list, a training checkpoint
// without a flat state dict).
var ErrNotStateDict = errors.New("not a state dict")

// File is an opened checkpoint: a .pt state dict or a safetensors file.
type File struct {
	path    string
	tensors map[string]*pytorch.Tensor // nil for safetensors
	st      *safetensors.Set
}

// Open reads the checkpoint at path.
func Open(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	head := make([]byte, 8)
	n, _ := io.ReadFull(f, head)
	f.Close()
	head = head[:n]
	if isSafetensors(head) {
		st, err := safetensors.Open(path)
		if err != nil {
			return nil, err
		}
		return &File{path: path, st: st}, nil
	}
	obj, err := pytorch.Load(path)
	if err != nil {
		return nil, fmt.Errorf("%s: not a PyTorch checkpoint: %w", path, err)
	}
	ts, err := stateDict(obj)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &File{path: path, tensors: ts}, nil
}

// isSafetensors recognises the 8-byte little-endian header length followed (in the file) by
// '{': a .pt is a zip ("PK") or a legacy pickle (magic number first).
func isSafetensors(head []byte) bool {
	return len(head) == 8 && !bytes.HasPrefix(head, []byte("PK")) && head[7] == 0 && head[6] == 0
}

func stateDict(obj any) (map[string]*pytorch.Tensor, error) {
	out := map[string]*pytorch.Tensor{}
	add := func(k, v any) error {
		name, ok := k.(string)
		if !ok {
			return fmt.Errorf("%w: key %v (%T) is not a string", ErrNotStateDict, k, k)
		}
		t, ok := v.(*pytorch.Tensor)
		if !ok {
			return fmt.Errorf("%w: %q is a %T, not a tensor", ErrNotStateDict, name, v)
		}
		out[name] = t
		return nil
	}
	switch d := obj.(type) {
	case *types.OrderedDict:
		for e := d.List.Front(); e != nil; e = e.Next() {
			ent := e.Value.(*types.OrderedDictEntry)
			if err := add(ent.Key, ent.Value); err != nil {
				return nil, err
			}
		}
	case *types.Dict:
		for _, e := range *d {
			if err := add(e.Key, e.Value); err != nil {
				return nil, err
			}
		}
	default:
		return nil, fmt.Errorf("%w: the pickle holds a %T", ErrNotStateDict, obj)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no tensors", ErrNotStateDict)
	}
	return out, nil
}

// Close releases the tensors.
func (f *File) Close() error {
	f.tensors = nil
	if f.st != nil {
		return f.st.Close()
	}
	return nil
}

// Path returns the file's path.
func (f *File) Path() string { return f.path }

// Names returns the tensor names, sorted.
func (f *File) Names() []string {
	if f.st != nil {
		return f.st.Names()
	}
	names := make([]string, 0, len(f.tensors))
	for k := range f.tensors {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Shape returns the shape of the named tensor.
func (f *File) Shape(name string) ([]int, error) {
	if f.st != nil {
		info, err := f.st.Info(name)
		if err != nil {
			return nil, err
		}
		return info.Shape, nil
	}
	t, ok := f.tensors[name]
	if !ok {
		return nil, fmt.Errorf("%s: no tensor %q", f.path, name)
	}
	return slices.Clone(t.Size), nil
}

// Info describes the named tensor in safetensors' terms; a .pt tensor's DType is its storage's
// (F16, BF16, F32, F64, I64, I32), so that nn.Load keeps 16-bit Linear weights 16-bit.
func (f *File) Info(name string) (safetensors.Info, error) {
	if f.st != nil {
		return f.st.Info(name)
	}
	t, ok := f.tensors[name]
	if !ok {
		return safetensors.Info{}, fmt.Errorf("%s: no tensor %q", f.path, name)
	}
	dt := "F32"
	switch t.Source.(type) {
	case *pytorch.HalfStorage:
		dt = "F16"
	case *pytorch.BFloat16Storage:
		dt = "BF16"
	case *pytorch.DoubleStorage:
		dt = "F64"
	case *pytorch.LongStorage:
		dt = "I64"
	case *pytorch.IntStorage:
		dt = "I32"
	}
	return safetensors.Info{Name: name, DType: dt, Shape: slices.Clone(t.Size), File: f.path}, nil
}

// Float32 returns the named tensor as float32 in row-major order, checking its shape when
// shape is given (nn.Source).
func (f *File) Float32(name string, shape ...int) ([]float32, error) {
	if f.st != nil {
		return f.st.Float32(name, shape...)
	}
	t, ok := f.tensors[name]
	if !ok {
		return nil, fmt.Errorf("%s: no tensor %q", f.path, name)
	}
	if len(shape) > 0 && !slices.Equal(shape, t.Size) {
		return nil, fmt.Errorf("%s: %q has shape %v, want %v", f.path, name, t.Size, shape)
	}
	src, err := storage(t.Source)
	if err != nil {
		return nil, fmt.Errorf("%s: %q: %w", f.path, name, err)
	}
	n := 1
	for _, s := range t.Size {
		n *= s
	}
	out := make([]float32, n)
	idx := make([]int, len(t.Size))
	for i := range out {
		off := t.StorageOffset
		for d, k := range idx {
			off += k * t.Stride[d]
		}
		if off < 0 || off >= src.n {
			return nil, fmt.Errorf("%s: %q: element %d at storage offset %d outside its storage of %d", f.path, name, i, off, src.n)
		}
		out[i] = src.at(off)
		for d := len(idx) - 1; d >= 0; d-- {
			if idx[d]++; idx[d] < t.Size[d] {
				break
			}
			idx[d] = 0
		}
	}
	return out, nil
}

type flat struct {
	n  int
	at func(int) float32
}

func storage(s pytorch.StorageInterface) (flat, error) {
	switch s := s.(type) {
	case *pytorch.FloatStorage:
		return flat{len(s.Data), func(i int) float32 { return s.Data[i] }}, nil
	case *pytorch.HalfStorage:
		return flat{len(s.Data), func(i int) float32 { return s.Data[i] }}, nil
	case *pytorch.BFloat16Storage:
		return flat{len(s.Data), func(i int) float32 { return s.Data[i] }}, nil
	case *pytorch.DoubleStorage:
		return flat{len(s.Data), func(i int) float32 { return float32(s.Data[i]) }}, nil
	case *pytorch.LongStorage:
		return flat{len(s.Data), func(i int) float32 { return float32(s.Data[i]) }}, nil
	case *pytorch.IntStorage:
		return flat{len(s.Data), func(i int) float32 { return float32(s.Data[i]) }}, nil
	}
	return flat{}, fmt.Errorf("storage type %T not supported", s)
}
