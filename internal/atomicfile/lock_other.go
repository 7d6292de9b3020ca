//go:build !unix

package atomicfile

import "os"

const haveFlock = false

func lockFD(f *os.File, wait bool) error { return nil }

func lockWait(f *os.File) error { return nil }

func linked(st os.FileInfo) bool { return true }

func noLocks(err error) bool { return false }
