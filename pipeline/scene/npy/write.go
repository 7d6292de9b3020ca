package npy

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
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

// WriteFile writes a to path through a temporary file in the same directory that is renamed
// into place only when everything was written, so a failure never leaves a partial file.
func WriteFile(path string, a *Array) error {
	return AtomicWrite(path, func(w io.Writer) error { return Write(w, a) })
}

// AtomicWrite creates path by calling write on a buffered temporary file in the same
// directory, syncing it and renaming it over path. On any error the temporary file is
// removed and path is untouched.
func AtomicWrite(path string, write func(w io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	if err = write(bw); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err = bw.Flush(); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
