//go:build unix

package atomicfile

import (
	"os"
	"syscall"
)

const haveFlock = true

// lockFD takes an exclusive flock on f; without wait it fails when another holder has it.
func lockFD(f *os.File, wait bool) error {
	how := syscall.LOCK_EX
	if !wait {
		how |= syscall.LOCK_NB
	}
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if err != syscall.EINTR {
			return err
		}
	}
}

func lockWait(f *os.File) error { return lockFD(f, true) }

func linked(st os.FileInfo) bool {
	s, ok := st.Sys().(*syscall.Stat_t)
	return !ok || s.Nlink > 0
}

// noLocks reports whether err says the file system cannot lock.
func noLocks(err error) bool {
	return err == syscall.ENOLCK || err == syscall.EOPNOTSUPP || err == syscall.ENOTSUP
}
