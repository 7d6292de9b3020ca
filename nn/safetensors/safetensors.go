package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/dsr4d/dsr4d/internal/float16"
)

// ErrNotFound is wrapped by errors about a tensor the checkpoint does not hold.
var ErrNotFound = errors.New("tensor not found")

// IndexName is the index file of a sharded checkpoint.
const IndexName = "model.safetensors.index.json"

// maxHeader bounds the JSON header (the format's own limit is 100 MB).
const maxHeader = 100 << 20

// Info describes one stored tensor.
type Info struct {
	Name  string // full name, prefix included
	DType string // F32, F16, BF16, ...
	Shape []int
	File  string // the file holding it
}

type entry struct {
	info Info
	f    *file
	data []byte
}

type file struct {
	path  string
	bytes []byte
	unmap func() error
}

// Set is an opened checkpoint: one file or the shards of an index.
type Set struct {
	files    []*file
	entries  map[string]*entry
	prefix   string
	source   string            // what Open was given, for errors
	Metadata map[string]string // __metadata__ of the first file
}

type headerEntry struct {
	DType   string  `json:"dtype"`
	Shape   []int   `json:"shape"`
	Offsets []int64 `json:"data_offsets"`
}

// Open opens a .safetensors file, an index JSON, or a directory with model.safetensors.index.json
// or exactly one .safetensors file.
func Open(path string) (*Set, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	s := &Set{entries: map[string]*entry{}, source: path}
	var shards []string
	switch {
	case st.IsDir():
		if _, err := os.Stat(filepath.Join(path, IndexName)); err == nil {
			shards, err = readIndex(filepath.Join(path, IndexName))
			if err != nil {
				return nil, err
			}
			break
		}
		m, _ := filepath.Glob(filepath.Join(path, "*.safetensors"))
		if len(m) != 1 {
			return nil, fmt.Errorf("safetensors: %s: want %s or one .safetensors file, found %d .safetensors files", path, IndexName, len(m))
		}
		shards = m
	case strings.HasSuffix(path, ".json"):
		if shards, err = readIndex(path); err != nil {
			return nil, err
		}
	default:
		shards = []string{path}
	}
	for _, p := range shards {
		if err := s.add(p); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// readIndex returns the shard paths of an index, in order of first appearance.
func readIndex(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	var idx struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, fmt.Errorf("safetensors: %s: %w", path, err)
	}
	if len(idx.WeightMap) == 0 {
		return nil, fmt.Errorf("safetensors: %s: empty weight_map", path)
	}
	seen := map[string]bool{}
	var out []string
	for _, f := range idx.WeightMap {
		if strings.Contains(f, "/") || strings.Contains(f, `\`) {
			return nil, fmt.Errorf("safetensors: %s: shard name %q is not a plain file name", path, f)
		}
		if !seen[f] {
			seen[f] = true
			out = append(out, filepath.Join(filepath.Dir(path), f))
		}
	}
	sort.Strings(out)
	return out, nil
}

func (s *Set) add(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	var lenb [8]byte
	if _, err := io.ReadFull(f, lenb[:]); err != nil {
		return fmt.Errorf("safetensors: %s: header length: %w", path, err)
	}
	n := binary.LittleEndian.Uint64(lenb[:])
	if n > maxHeader || int64(n) > st.Size()-8 {
		return fmt.Errorf("safetensors: %s: header length %d does not fit the %d-byte file", path, n, st.Size())
	}
	hb := make([]byte, n)
	if _, err := io.ReadFull(f, hb); err != nil {
		return fmt.Errorf("safetensors: %s: header: %w", path, err)
	}
	raw, err := parseHeader(hb)
	if err != nil {
		return fmt.Errorf("safetensors: %s: header: %w", path, err)
	}
	mem, unmap, err := mapFile(f, st.Size())
	if err != nil {
		return fmt.Errorf("safetensors: %s: mmap: %w", path, err)
	}
	fl := &file{path: path, bytes: mem, unmap: unmap}
	s.files = append(s.files, fl)
	data := mem[8+n:]
	type span struct {
		name       string
		start, end int64
	}
	var spans []span
	for name, msg := range raw {
		if name == "__metadata__" {
			if s.Metadata == nil {
				if err := json.Unmarshal(msg, &s.Metadata); err != nil {
					return fmt.Errorf("safetensors: %s: __metadata__: %w", path, err)
				}
			}
			continue
		}
		var h headerEntry
		if err := json.Unmarshal(msg, &h); err != nil {
			return fmt.Errorf("safetensors: %s: %s: %w", path, name, err)
		}
		size, ok := dtypeSize[h.DType]
		if !ok {
			size = 0 // unknown dtypes are listed but cannot be read
		}
		elems := int64(1)
		for _, d := range h.Shape {
			if d < 0 {
				return fmt.Errorf("safetensors: %s: %s: negative dimension in %v", path, name, h.Shape)
			}
			if d != 0 && elems > math.MaxInt64/int64(d) {
				return fmt.Errorf("safetensors: %s: %s: shape %v overflows", path, name, h.Shape)
			}
			elems *= int64(d)
		}
		if size > 0 && elems > math.MaxInt64/size {
			return fmt.Errorf("safetensors: %s: %s: %s %v overflows", path, name, h.DType, h.Shape)
		}
		if len(h.Offsets) != 2 || h.Offsets[0] < 0 || h.Offsets[1] < h.Offsets[0] || h.Offsets[1] > int64(len(data)) {
			return fmt.Errorf("safetensors: %s: %s: data_offsets %v outside the %d data bytes", path, name, h.Offsets, len(data))
		}
		if size > 0 && h.Offsets[1]-h.Offsets[0] != elems*size {
			return fmt.Errorf("safetensors: %s: %s: %d bytes for %s %v, want %d", path, name, h.Offsets[1]-h.Offsets[0], h.DType, h.Shape, elems*size)
		}
		spans = append(spans, span{name, h.Offsets[0], h.Offsets[1]})
		if old, dup := s.entries[name]; dup {
			return fmt.Errorf("safetensors: %s: %s is also in %s", path, name, old.info.File)
		}
		s.entries[name] = &entry{info: Info{Name: name, DType: h.DType, Shape: h.Shape, File: path}, f: fl, data: data[h.Offsets[0]:h.Offsets[1]]}
	}
	// As the official library: the tensors tile the data exactly, no overlap, gap or trailing byte.
	sort.Slice(spans, func(i, j int) bool {
		if spans[i].start != spans[j].start {
			return spans[i].start < spans[j].start
		}
		return spans[i].end < spans[j].end
	})
	at := int64(0)
	for _, sp := range spans {
		if sp.start != at {
			what := "a gap before it"
			if sp.start < at {
				what = "it overlaps another tensor"
			}
			return fmt.Errorf("safetensors: %s: %s: data_offsets [%d %d]: %s (the previous tensor ends at %d)", path, sp.name, sp.start, sp.end, what, at)
		}
		at = sp.end
	}
	if at != int64(len(data)) {
		return fmt.Errorf("safetensors: %s: %d trailing bytes after the last tensor", path, int64(len(data))-at)
	}
	return nil
}

// parseHeader reads the header's top-level object, refusing duplicate keys.
func parseHeader(hb []byte) (map[string]json.RawMessage, error) {
	d := json.NewDecoder(bytes.NewReader(hb))
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("not a JSON object")
	}
	raw := map[string]json.RawMessage{}
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return nil, err
		}
		k, _ := t.(string)
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			return nil, err
		}
		if _, dup := raw[k]; dup {
			return nil, fmt.Errorf("duplicate key %q", k)
		}
		raw[k] = v
	}
	if _, err := d.Token(); err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, fmt.Errorf("data after the JSON object")
	}
	return raw, nil
}

var dtypeSize = map[string]int64{"F32": 4, "F16": 2, "BF16": 2, "F64": 8, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1}

// Close unmaps the files. Slices returned by Float32 stay valid (they are copies).
func (s *Set) Close() error {
	var first error
	for _, f := range s.files {
		if f.unmap != nil {
			if err := f.unmap(); err != nil && first == nil {
				first = err
			}
			f.unmap = nil
		}
	}
	return first
}

// Prefix returns a view of the tensors whose names start with p, named without it. It shares the
// files with s (closing either closes both).
func (s *Set) Prefix(p string) *Set {
	v := *s
	v.prefix = s.prefix + p
	return &v
}

// Names lists the tensors of the view, without its prefix, sorted.
func (s *Set) Names() []string {
	var out []string
	for name := range s.entries {
		if rest, ok := strings.CutPrefix(name, s.prefix); ok {
			out = append(out, rest)
		}
	}
	sort.Strings(out)
	return out
}

// Info describes tensor name (without the view's prefix).
func (s *Set) Info(name string) (Info, error) {
	e, err := s.entry(name)
	if err != nil {
		return Info{}, err
	}
	return e.info, nil
}

func (s *Set) entry(name string) (*entry, error) {
	e, ok := s.entries[s.prefix+name]
	if !ok {
		return nil, fmt.Errorf("safetensors: %s: %w in %s", s.prefix+name, ErrNotFound, s.source)
	}
	return e, nil
}

// shaped returns the entry of name, checking its shape against shape when given.
func (s *Set) shaped(name string, shape []int) (*entry, error) {
	e, err := s.entry(name)
	if err != nil {
		return nil, err
	}
	if shape != nil && !slices.Equal(shape, e.info.Shape) {
		return nil, fmt.Errorf("safetensors: %s in %s: shape %v, want %v", e.info.Name, e.info.File, e.info.Shape, shape)
	}
	return e, nil
}

// Bits returns a 16-bit tensor's stored bits unchanged (dtype "F16" or "BF16"), so that 16-bit
// weights load without a float32 copy and without loss; for other dtypes bits is nil and dtype
// says what is stored. If shape is given, the stored shape must equal it.
func (s *Set) Bits(name string, shape ...int) (bits []uint16, dtype string, err error) {
	e, err := s.shaped(name, shape)
	if err != nil {
		return nil, "", err
	}
	switch e.info.DType {
	case "F16", "BF16":
		b := e.data
		bits = make([]uint16, len(b)/2)
		for i := range bits {
			bits[i] = binary.LittleEndian.Uint16(b[2*i:])
		}
		dropPages(b)
	}
	return bits, e.info.DType, nil
}

// Float32 returns tensor name converted to float32. If shape is given, the stored shape must equal
// it.
func (s *Set) Float32(name string, shape ...int) ([]float32, error) {
	e, err := s.shaped(name, shape)
	if err != nil {
		return nil, err
	}
	b := e.data
	defer dropPages(b)
	switch e.info.DType {
	case "F32":
		out := make([]float32, len(b)/4)
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
		return out, nil
	case "BF16":
		out := make([]float32, len(b)/2)
		for i := range out {
			out[i] = float16.BF16ToFloat32(binary.LittleEndian.Uint16(b[2*i:]))
		}
		return out, nil
	case "F16":
		out := make([]float32, len(b)/2)
		for i := range out {
			out[i] = float16.ToFloat32(binary.LittleEndian.Uint16(b[2*i:]))
		}
		return out, nil
	}
	return nil, fmt.Errorf("safetensors: %s in %s: dtype %s, want F32, F16 or BF16", e.info.Name, e.info.File, e.info.DType)
}
