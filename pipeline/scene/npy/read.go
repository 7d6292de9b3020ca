package npy

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
)

// Read reads one .npy array from r and stops after its data, so several arrays written one
// after another can be read in turn. When r's remaining length is unknown the data is
// buffered in steps as it arrives (so a lying header cannot force a huge allocation) and
// copied once into the array; [ReadFile] and [NPZ.Read] know the size and read straight into
// the array's memory.
func Read(r io.Reader) (*Array, error) {
	return decode(r, -1)
}

// ReadBytes reads a .npy array held in b, which must end where the array data ends.
func ReadBytes(b []byte) (*Array, error) {
	return decode(bytes.NewReader(b), int64(len(b)))
}

// ReadFile reads a .npy file. Errors name the path.
func ReadFile(path string) (*Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	a, err := decode(bufio.NewReaderSize(f, 1<<16), st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// ReadHeaderFile reads only the header of a .npy file.
func ReadHeaderFile(path string) (*Header, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h, err := ReadHeader(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return h, nil
}

// countingReader counts bytes read, to know how much of a sized input the header used.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// decode reads a header and its data from r. size is the total length of the input
// including the header, or -1 when unknown. The data must fill the rest of the input
// exactly when the size is known.
func decode(r io.Reader, size int64) (*Array, error) {
	cr := &countingReader{r: r}
	h, err := ReadHeader(cr)
	if err != nil {
		return nil, err
	}
	need := h.DataSize()
	if size >= 0 {
		have := size - cr.n
		if have < need {
			return nil, formatErr("truncated data: %v %s needs %d bytes, input has %d", h.Dtype, ShapeString(h.Shape), need, have)
		}
		if have > need {
			return nil, formatErr("%d trailing bytes after the %v %s data", have-need, h.Dtype, ShapeString(h.Shape))
		}
	}
	return readData(cr, h, size >= 0)
}

// readData reads h's data from r into a new array. With sized set the caller has checked
// that r holds exactly the data; otherwise the data is read in growing steps.
func readData(r io.Reader, h *Header, sized bool) (*Array, error) {
	need := h.DataSize()
	var data any
	if sized {
		data = makeSlice(h.Dtype, h.Len())
		if _, err := io.ReadFull(r, bytesOf(data)); err != nil {
			return nil, formatErr("truncated data: %v %s needs %d bytes (%v)", h.Dtype, ShapeString(h.Shape), need, err)
		}
	} else {
		buf, err := readUpTo(r, need)
		if err != nil {
			return nil, err
		}
		if int64(len(buf)) < need {
			return nil, formatErr("truncated data: %v %s needs %d bytes, got %d", h.Dtype, ShapeString(h.Shape), need, len(buf))
		}
		data = makeSlice(h.Dtype, h.Len())
		copy(bytesOf(data), buf)
	}
	b := bytesOf(data)
	if h.Dtype.Size() > 1 && h.BigEndian == nativeLittle {
		swapBytes(b, h.Dtype.Size())
	}
	if h.Dtype == Bool {
		for i, v := range b {
			if v > 1 {
				return nil, formatErr("bool array holds byte %d at element %d, want 0 or 1", v, i)
			}
		}
	}
	return &Array{Shape: h.Shape, Fortran: h.Fortran && len(h.Shape) > 1, Data: data}, nil
}

// readUpTo reads up to n bytes, growing its buffer in steps so that the allocation never
// exceeds twice what the input actually held.
func readUpTo(r io.Reader, n int64) ([]byte, error) {
	const step = 1 << 20
	var buf []byte
	for int64(len(buf)) < n {
		k := min(n-int64(len(buf)), int64(max(len(buf), step)))
		start := len(buf)
		buf = append(buf, make([]byte, k)...)
		m, err := io.ReadFull(r, buf[start:])
		buf = buf[:start+m]
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
	return buf, nil
}
