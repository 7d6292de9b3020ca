package npy

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/dsr4d/dsr4d/internal/atomicfile"
)

// maxDeflateRatio bounds the claimed uncompressed size of a deflated member by its
// compressed size (deflate cannot expand more than about 1032:1), so a forged size cannot
// force a huge allocation.
const maxDeflateRatio = 1100

// NPZ reads arrays from a .npz archive (a zip of .npy members).
type NPZ struct {
	size    int64 // archive size in bytes
	zr      *zip.Reader
	f       *os.File
	members map[string]*zip.File // by array name (member name without ".npy")
	keys    []string             // sorted names (built from the archive's order, never from map order)
}

// OpenNPZ opens a .npz file. Close it when done.
func OpenNPZ(path string) (*NPZ, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	z, err := NewNPZ(f, st.Size())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	z.f = f
	return z, nil
}

// NewNPZ reads the directory of a .npz archive of the given size from r.
func NewNPZ(r io.ReaderAt, size int64) (*NPZ, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, formatErr("not a zip archive (%v)", err)
	}
	z := &NPZ{size: size, zr: zr, members: map[string]*zip.File{}}
	for _, f := range zr.File {
		name := strings.TrimSuffix(f.Name, ".npy")
		if _, dup := z.members[name]; dup {
			return nil, formatErr("duplicate member %q", f.Name)
		}
		z.members[name] = f
		z.keys = append(z.keys, name)
	}
	slices.Sort(z.keys)
	return z, nil
}

// Close closes the underlying file (if OpenNPZ opened it).
func (z *NPZ) Close() error {
	if z.f == nil {
		return nil
	}
	err := z.f.Close()
	z.f = nil
	return err
}

// Keys returns the array names in the archive, sorted.
func (z *NPZ) Keys() []string { return slices.Clone(z.keys) }

// Has reports whether the archive holds the named array.
func (z *NPZ) Has(name string) bool { _, ok := z.members[name]; return ok }

// ErrNoMember is wrapped by the error for a missing array.
var ErrNoMember = errors.New("no such array")

func (z *NPZ) member(name string) (*zip.File, error) {
	f, ok := z.members[name]
	if !ok {
		return nil, fmt.Errorf("%s: %w (archive holds %s)", name, ErrNoMember, strings.Join(z.Keys(), ", "))
	}
	if f.Method != zip.Store && f.Method != zip.Deflate {
		return nil, fmt.Errorf("%s: %w: compression method %d, want stored (0) or deflated (8)", name, ErrFormat, f.Method)
	}
	return f, nil
}

// Header reads only the header of the named array.
func (z *NPZ) Header(name string) (*Header, error) {
	f, err := z.member(name)
	if err != nil {
		return nil, err
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %v", name, ErrFormat, err)
	}
	defer rc.Close()
	h, err := ReadHeader(rc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return h, nil
}

// Read reads the named array (the member "name.npy"). Errors start with the name.
func (z *NPZ) Read(name string) (*Array, error) {
	f, err := z.member(name)
	if err != nil {
		return nil, err
	}
	if f.CompressedSize64 > uint64(z.size) {
		return nil, fmt.Errorf("%s: %w: compressed size %d exceeds the archive's %d bytes", name, ErrFormat, f.CompressedSize64, z.size)
	}
	a, err := readMember(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return a, nil
}

func readMember(f *zip.File) (*Array, error) {
	usize := f.UncompressedSize64
	if f.Method == zip.Store && usize != f.CompressedSize64 {
		return nil, formatErr("stored member sizes differ (%d compressed, %d uncompressed)", f.CompressedSize64, usize)
	}
	if f.Method == zip.Deflate && usize/maxDeflateRatio > f.CompressedSize64+1 {
		return nil, formatErr("claimed uncompressed size %d is impossible for %d compressed bytes", usize, f.CompressedSize64)
	}
	if usize > 1<<62 {
		return nil, formatErr("member size %d is too large", usize)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, formatErr("cannot open member: %v", err)
	}
	defer rc.Close()
	cr := &countingReader{r: rc}
	h, err := ReadHeader(cr)
	if err != nil {
		return nil, err
	}
	need := h.DataSize()
	have := int64(usize) - cr.n
	if have < need {
		return nil, formatErr("truncated data: %v %s needs %d bytes, member has %d", h.Dtype, ShapeString(h.Shape), need, have)
	}
	if have > need {
		return nil, formatErr("%d trailing bytes after the %v %s data", have-need, h.Dtype, ShapeString(h.Shape))
	}
	a, err := readData(cr, h, true)
	if err != nil {
		return nil, err
	}
	// Reading to the end makes archive/zip verify the CRC-32 and the size.
	var one [1]byte
	if n, err := io.ReadFull(cr, one[:]); n != 0 || !errors.Is(err, io.EOF) {
		if err == nil || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, formatErr("member has data beyond its declared size")
		}
		return nil, formatErr("member is corrupt (%v)", err)
	}
	return a, nil
}

// NPZWriter writes a .npz archive.
type NPZWriter struct {
	// Compress selects deflated members (numpy.savez_compressed); otherwise members are
	// stored (numpy.savez). It may be changed between calls to Write.
	Compress bool

	zw    *zip.Writer
	f     *atomicfile.File // when created by CreateNPZ
	names map[string]bool
	err   error
}

// NewNPZWriter returns a writer of a .npz archive to w. Close finishes the archive but
// does not close w.
func NewNPZWriter(w io.Writer) *NPZWriter {
	return &NPZWriter{zw: zip.NewWriter(w), names: map[string]bool{}}
}

// CreateNPZ starts a .npz archive at path. It writes to a temporary file in the same
// directory and renames it to path only when Close succeeds; Abort (or a failed Close)
// removes it, leaving path untouched.
func CreateNPZ(path string) (*NPZWriter, error) {
	f, err := atomicfile.Create(path)
	if err != nil {
		return nil, err
	}
	w := NewNPZWriter(f)
	w.f = f
	return w, nil
}

// Write adds a as the member "name.npy".
func (w *NPZWriter) Write(name string, a *Array) error {
	if w.err != nil {
		return w.err
	}
	if name == "" || w.names[name] {
		return fmt.Errorf("npz: array name %q is empty or already written", name)
	}
	if err := a.check(); err != nil {
		return fmt.Errorf("npz: %s: %w", name, err)
	}
	method := zip.Store
	if w.Compress {
		method = zip.Deflate
	}
	fw, err := w.zw.CreateHeader(&zip.FileHeader{Name: name + ".npy", Method: method})
	if err != nil {
		w.err = err
		return err
	}
	if err := Write(fw, a); err != nil {
		w.err = fmt.Errorf("npz: %s: %w", name, err)
		return w.err
	}
	w.names[name] = true
	return nil
}

// Close finishes the archive; for CreateNPZ it also syncs and renames the file into place.
func (w *NPZWriter) Close() error {
	if w.zw == nil {
		return w.err
	}
	err := w.err
	if err == nil {
		err = w.zw.Close()
	}
	w.zw = nil
	if w.f == nil {
		return err
	}
	if err != nil {
		w.f.Abort()
		return fmt.Errorf("%s: %w", w.f.Path(), err)
	}
	return w.f.Commit()
}

// Abort abandons an archive started by CreateNPZ and removes its temporary file. It is a
// no-op after Close.
func (w *NPZWriter) Abort() {
	if w.zw == nil {
		return
	}
	w.zw = nil
	if w.f != nil {
		w.f.Abort()
	}
}

// WriteNPZ writes the named arrays to path (stored, or deflated when compress is set), in
// sorted name order so that the same arrays give the same bytes.
func WriteNPZ(path string, arrays map[string]*Array, compress bool) error {
	w, err := CreateNPZ(path)
	if err != nil {
		return err
	}
	w.Compress = compress
	names := make([]string, 0, len(arrays))
	for k := range arrays {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		if err := w.Write(k, arrays[k]); err != nil {
			w.Abort()
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	return w.Close()
}
