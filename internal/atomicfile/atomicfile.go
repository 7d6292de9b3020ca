package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// tempMark separates a temporary's target name from its random suffix.
const tempMark = ".tmp-"

// Mode is the permission of every file written here (before the umask).
const Mode = 0o644

// File is a file being written; Commit puts it in place, Abort discards it.
type File struct {
	f    *os.File
	w    *bufio.Writer
	path string
	done bool
}

// Create starts writing path: a locked temporary file in path's directory.
func Create(path string) (*File, error) {
	for {
		f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+tempMark+"*")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, unwrap(err))
		}
		if err := lockFD(f, true); err != nil && !noLocks(err) {
			f.Close()
			os.Remove(f.Name())
			return nil, fmt.Errorf("%s: lock: %w", path, unwrap(err))
		}
		// CleanStale of another process may have taken the lock between create and flock and
		// removed the file: start again rather than write to an unlinked file.
		if st, err := f.Stat(); err == nil && linked(st) {
			return &File{f: f, w: bufio.NewWriterSize(f, 1<<20), path: path}, nil
		}
		f.Close()
	}
}

// Path returns the path the file is committed to.
func (f *File) Path() string { return f.path }

// Write implements io.Writer.
func (f *File) Write(p []byte) (int, error) { return f.w.Write(p) }

// Commit flushes, syncs and renames the file into place. After an error the temporary file is
// gone and path is untouched.
func (f *File) Commit() error {
	if f.done {
		return fmt.Errorf("%s: already committed or aborted", f.path)
	}
	f.done = true
	err := f.w.Flush()
	if err == nil {
		err = f.f.Sync()
	}
	if err == nil {
		err = f.f.Chmod(Mode)
	}
	tmp := f.f.Name()
	if err == nil {
		err = os.Rename(tmp, f.path)
	}
	f.f.Close() // releases the lock only now: the temporary was never unlocked under its name
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("%s: %w", f.path, unwrap(err))
	}
	syncDir(filepath.Dir(f.path))
	return nil
}

// Abort discards the file; it does nothing after Commit.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.f.Close()
	os.Remove(f.f.Name())
}

// WriteFunc creates path with the bytes write produces.
func WriteFunc(path string, write func(w io.Writer) error) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Abort()
		var pe *fs.PathError
		if errors.As(err, &pe) && IsTemp(pe.Path) {
			err = pe.Err
		}
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Commit()
}

// Write creates path with data.
func Write(path string, data []byte) error {
	return WriteFunc(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// TempDir creates a locked temporary directory beside path (for a directory built and then
// renamed into place); release unlocks it (after the rename or removal).
func TempDir(path string) (dir string, release func(), err error) {
	for {
		dir, err = os.MkdirTemp(filepath.Dir(path), "."+filepath.Base(path)+tempMark+"*")
		if err != nil {
			return "", nil, fmt.Errorf("%s: %w", path, unwrap(err))
		}
		d, err := os.Open(dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed by another process's CleanStale before we locked it
		}
		if err == nil {
			if err = lockFD(d, true); noLocks(err) {
				err = nil // no locks here: CleanStale cannot take it either, so it stays
			}
		}
		if err != nil {
			if d != nil {
				d.Close()
			}
			os.RemoveAll(dir)
			return "", nil, fmt.Errorf("%s: lock: %w", path, unwrap(err))
		}
		if st, err := d.Stat(); err == nil && linked(st) {
			return dir, func() { d.Close() }, nil
		}
		d.Close()
	}
}

// IsTemp reports whether path names a temporary of this package, or one that dsr4d's earlier
// writers left (".<name>.tmp<digits>", os.CreateTemp's suffix).
func IsTemp(path string) bool {
	b := filepath.Base(path)
	return strings.HasPrefix(b, ".") && (strings.Contains(b, tempMark) || legacyTemp.MatchString(b))
}

var legacyTemp = regexp.MustCompile(`^\..+\.tmp[0-9]+$`)

// CleanStale removes the temporaries in dir (files and directories) left by writers that died:
// those whose lock is free. It returns their paths.
func CleanStale(dir string) ([]string, error) {
	es, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, e := range es {
		p := filepath.Join(dir, e.Name())
		if !IsTemp(p) {
			continue
		}
		// Removed while its lock is held: a writer that opened it meanwhile waits for the lock
		// and then sees it unlinked (Create and TempDir start again).
		unlock, ok := stale(p)
		if !ok {
			continue
		}
		err := os.RemoveAll(p)
		unlock()
		if err != nil {
			return removed, err
		}
		removed = append(removed, p)
	}
	return removed, nil
}

// stale locks temporary p if nobody holds its lock (without flock: if older than an hour).
func stale(p string) (unlock func(), ok bool) {
	if !haveFlock {
		st, err := os.Lstat(p)
		return func() {}, err == nil && time.Since(st.ModTime()) > time.Hour
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, false
	}
	if lockFD(f, false) != nil {
		f.Close()
		return nil, false
	}
	return func() { f.Close() }, true
}

// Lock takes an exclusive advisory lock on path (created if needed), waiting for other holders;
// unlock releases it.
func Lock(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, Mode)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, unwrap(err))
	}
	if err := lockWait(f); err != nil {
		f.Close()
		if noLocks(err) {
			err = ErrNoLocks
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() { f.Close() }, nil
}

// ErrNoLocks is wrapped by Lock's error where the file system has no locks (an NFS mount
// without a lock manager).
var ErrNoLocks = errors.New("the file system does not support locks")

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync() // best effort: some file systems refuse to sync a directory
		d.Close()
	}
}

// unwrap drops an error's *PathError or *LinkError wrapper (which names the temporary file).
func unwrap(err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &le):
		return le.Err
	case errors.As(err, &pe):
		return pe.Err
	}
	return err
}
