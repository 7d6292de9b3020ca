package npy

import (
	"io"

	"github.com/dsr4d/dsr4d/internal/atomicfile"
)

// Write writes a as a .npy file (format 1.0, or 2.0 for headers over 64 KiB) to w, little
// endian, keeping its C or Fortran order.
func Write(w io.Writer, a *Array) error {
	if err := a.check(); err != nil {
		return err
	}
	if _, err := w.Write(headerBytes(a.Dtype(), a.Shape, a.Fortran && len(a.Shape) > 1)); err != nil {
		return err
	}
	b := bytesOf(a.Data)
	size := a.Dtype().Size()
	if nativeLittle || size == 1 {
		_, err := w.Write(b)
		return err
	}
	// Big-endian host: swap a chunk at a time.
	chunk := make([]byte, 0, 1<<16)
	for len(b) > 0 {
		n := min(len(b), cap(chunk)/size*size)
		chunk = append(chunk[:0], b[:n]...)
		swapBytes(chunk, size)
		if _, err := w.Write(chunk); err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

// WriteFile writes a to path atomically (package atomicfile): a failure never leaves a
// partial file.
func WriteFile(path string, a *Array) error {
	return atomicfile.WriteFunc(path, func(w io.Writer) error { return Write(w, a) })
}
