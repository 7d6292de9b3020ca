package scene

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/dsr4d/dsr4d/internal/atomicfile"
	"github.com/dsr4d/dsr4d/pipeline/scene/npy"
)

// Save validates s and writes it to dir as dsr4d-scene/1. geometry.npz members are stored
// (float point maps barely compress and load faster stored), masks.npz members deflated.
// The scene is built whole in a temporary directory beside dir, which then takes dir's place in
// one step (renameat2 RENAME_EXCHANGE on Linux; elsewhere, and on file systems without it, two
// renames with a moment where dir is absent). So dir holds the old scene or the new one, never a
// mix, whatever fails and whatever other Saves run at the same time; on failure dir is left as it
// was. Files of the old scene that s lacks (orient.json, gt.json, frames/) go with it, so that
// Load(dir) gives back s. dir must hold nothing but scene files: Save refuses to replace other
// files. Temporaries of a killed Save are removed by the next Save beside it.
func Save(dir string, s *Scene) error {
	if err := s.Validate(); err != nil {
		return fmt.Errorf("scene %s: %w", dir, err)
	}
	if err := save(dir, s); err != nil {
		return fmt.Errorf("scene %s: %w", dir, err)
	}
	return nil
}

// sceneFiles are the entries a scene directory may hold.
var sceneFiles = map[string]bool{MetaFile: true, GeometryFile: true, MasksFile: true, OrientFile: true, GTFile: true, FramesDir: true}

// checkReplaceable refuses to replace a directory holding files that are not the scene's.
func checkReplaceable(dir string) error {
	es, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range es {
		if !sceneFiles[e.Name()] && !atomicfile.IsTemp(e.Name()) {
			return fmt.Errorf("%s is not a scene file: refusing to replace the directory (use another directory or remove it)", e.Name())
		}
	}
	return nil
}

// swap puts directory tmp at dir; tmp then names the old scene (or nothing).
var swap = func(tmp, dir string) error {
	err := os.Rename(tmp, dir) // dir absent (or, on some systems, an empty directory)
	if err == nil {
		return nil
	}
	if _, serr := os.Stat(dir); serr != nil {
		return err
	}
	if err := checkReplaceable(dir); err != nil {
		return err
	}
	return exchange(tmp, dir)
}

func save(dir string, s *Scene) (err error) {
	dir = filepath.Clean(dir)
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	if _, err := os.Stat(dir); err == nil {
		if err := checkReplaceable(dir); err != nil {
			return err
		}
	}
	atomicfile.CleanStale(parent) // what killed Saves left; never a live writer's
	tmp, release, err := atomicfile.TempDir(dir)
	if err != nil {
		return err
	}
	defer func() {
		os.RemoveAll(tmp) // the new scene on failure, the old one after the swap
		release()
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	if err := writeFiles(tmp, s); err != nil {
		return pathErr{strings.ReplaceAll(err.Error(), tmp, dir), err} // name dir, not the temporary
	}
	return swap(tmp, dir)
}

// pathErr is an error with its message rewritten; errors.Is still sees the cause.
type pathErr struct {
	msg string
	err error
}

func (e pathErr) Error() string { return e.msg }
func (e pathErr) Unwrap() error { return e.err }

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(path, append(b, '\n'))
}

func writeFiles(dir string, s *Scene) error {
	meta := s.Meta
	if meta.Objects == nil {
		meta.Objects = []Object{}
	}
	if err := writeJSON(filepath.Join(dir, MetaFile), meta); err != nil {
		return fmt.Errorf("%s: %w", MetaFile, err)
	}
	geo := map[string]*npy.Array{
		"local_points": npy.Of(s.LocalPoints, s.N, s.H, s.W, 3),
		"conf":         npy.Of(s.Conf, s.N, s.H, s.W),
		"camera_poses": npy.Of(s.Poses, s.N, 4, 4),
	}
	if err := npy.WriteNPZ(filepath.Join(dir, GeometryFile), geo, false); err != nil {
		return fmt.Errorf("%s: %w", GeometryFile, err)
	}
	masks := map[string]*npy.Array{}
	w, h := s.ImageSize[0], s.ImageSize[1]
	for id, m := range s.Masks {
		masks["obj_"+strconv.Itoa(id)] = npy.Of(m, s.N, h, w)
	}
	if err := npy.WriteNPZ(filepath.Join(dir, MasksFile), masks, true); err != nil {
		return fmt.Errorf("%s: %w", MasksFile, err)
	}
	if len(s.Orient) > 0 {
		o := make(map[string][]Orientation, len(s.Orient))
		for id, l := range s.Orient {
			o[strconv.Itoa(id)] = l
		}
		if err := writeJSON(filepath.Join(dir, OrientFile), o); err != nil {
			return fmt.Errorf("%s: %w", OrientFile, err)
		}
	}
	if s.GT != nil {
		if err := atomicfile.Write(filepath.Join(dir, GTFile), s.GT); err != nil {
			return fmt.Errorf("%s: %w", GTFile, err)
		}
	}
	if len(s.Frames) > 0 {
		fd := filepath.Join(dir, FramesDir)
		if err := os.Mkdir(fd, 0o755); err != nil {
			return err
		}
		for i, src := range s.Frames {
			dst := filepath.Join(fd, fmt.Sprintf("%03d%s", i, filepath.Ext(src)))
			if err := copyFile(dst, src); err != nil {
				return fmt.Errorf("%s: %w", FramesDir, err)
			}
		}
	}
	return nil
}

func copyFile(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// exchangeRenames swaps directories a and b with three renames (b is briefly absent); on failure
// b is put back.
func exchangeRenames(a, b string) error {
	old := a + ".old"
	if err := os.Rename(b, old); err != nil {
		return err
	}
	if err := os.Rename(a, b); err != nil {
		os.Rename(old, b)
		return err
	}
	return os.Rename(old, a)
}
