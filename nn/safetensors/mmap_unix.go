//go:build unix

package safetensors

import (
	"os"
	"syscall"
	"unsafe"
)

func mapFile(f *os.File, size int64) ([]byte, func() error, error) {
	if size == 0 {
		return nil, func() error { return nil }, nil
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, err
	}
	return b, func() error { return syscall.Munmap(b) }, nil
}

// dropPages tells the kernel the mapped pages under b will not be read again soon: a model's
// weights are read once while loading, and without this every page read stays in the process's
// resident set beside the loaded copy (a 15 GB checkpoint counted twice). The mapping is
// read-only and file-backed, so a later read just faults the page in again.
func dropPages(b []byte) {
	page := os.Getpagesize()
	if len(b) < page {
		return
	}
	start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	lo := (start + uintptr(page) - 1) &^ uintptr(page-1) // whole pages inside b only
	hi := (start + uintptr(len(b))) &^ uintptr(page-1)
	if hi <= lo {
		return
	}
	_ = syscall.Madvise(b[lo-start:hi-start], syscall.MADV_DONTNEED)
}
