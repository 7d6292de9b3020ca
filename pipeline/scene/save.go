package scene

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/dsr4d/dsr4d/pipeline/scene/npy"
)

// Save validates s and writes it to dir as dsr4d-scene/1. geometry.npz members are stored
// (float point maps barely compress and load faster stored), masks.npz members deflated.
// The files are first written to a temporary directory beside dir; only when all of them
// are complete do they replace dir's scene files (or become dir, when it does not exist).
// Scene files in dir that s does not have (orient.json, gt.json, frames/) are removed, so
// that Load(dir) gives back s. On failure dir is left as it was.
func Save(dir string, s *Scene) error {
	if err := s.Validate(); err != nil {
		return fmt.Errorf("scene %s: %w", dir, err)
	}
	if err := save(dir, s); err != nil {
		return fmt.Errorf("scene %s: %w", dir, err)
	}
	return nil
}

func save(dir string, s *Scene) (err error) {
	dir = filepath.Clean(dir)
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".tmp*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	if err := writeFiles(tmp, s); err != nil {
		return err
	}
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return os.Rename(tmp, dir)
	}
	// dir exists: move each file over its old version.
	for _, name := range []string{MetaFile, GeometryFile, MasksFile, OrientFile, GTFile, FramesDir} {
		src, dst := filepath.Join(tmp, name), filepath.Join(dir, name)
		_, serr := os.Stat(src)
		switch {
		case serr == nil && name == FramesDir:
			old := dst + ".old"
			os.RemoveAll(old)
			if err := os.Rename(dst, old); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			if err := os.Rename(src, dst); err != nil {
				return err
			}
			os.RemoveAll(old)
		case serr == nil:
			if err := os.Rename(src, dst); err != nil {
				return err
			}
		case errors.Is(serr, fs.ErrNotExist):
			if err := os.RemoveAll(dst); err != nil {
				return err
			}
		default:
			return serr
		}
	}
	return nil
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
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
		if err := os.WriteFile(filepath.Join(dir, GTFile), s.GT, 0o644); err != nil {
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
