// Command ociimage assembles and unpacks dsr4d's OCI image without a builder or daemon
// (go-containerregistry), for deploy/test-rootfs.sh:
//
//	ociimage build --rootfs DIR --binary FILE --out LAYOUT [--dockerfile F --target cpu] [--ref NAME:TAG] [--tar FILE]
//	ociimage unpack --layout LAYOUT --to DIR --config FILE
//	ociimage set-args BUNDLE ARG...
//
// build makes two layers, DIR (a Debian root set up by runtime.sh) and FILE as
// /usr/local/bin/dsr4d (the Dockerfile's COPY --from=build), and takes the image configuration
// (USER, ENTRYPOINT, CMD, WORKDIR, ENV) from the Dockerfile's target stage, so the image runs
// as the Dockerfile's would. It writes an OCI image layout (and with --tar a tarball that
// `docker load` / `podman load` accept). unpack validates the layout's image (digests, diff
// ids, config), writes its flattened filesystem to DIR and its run configuration as shell
// assignments (user, entrypoint, workdir, path) to FILE. set-args points an OCI runtime bundle
// (`umoci unpack`'s, for runc) at the image's entrypoint with ARGs, without a terminal.
package main

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"github.com/dsr4d/dsr4d/deploy/internal/dockerfile"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

// debianPath is the PATH debian:12-slim's own configuration sets (inherited by the stages).
const debianPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: ociimage build|unpack [flags] (-h for each)")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "build":
		err = build(os.Args[2:])
	case "unpack":
		err = unpack(os.Args[2:])
	case "set-args":
		err = setArgs(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q, want build, unpack or set-args", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ociimage:", err)
		os.Exit(1)
	}
}

func build(args []string) error {
	fs := flag.NewFlagSet("build", flag.ExitOnError)
	rootfs := fs.String("rootfs", "", "root filesystem directory (the base layer)")
	binary := fs.String("binary", "", "the dsr4d binary, installed as /usr/local/bin/dsr4d")
	dfile := fs.String("dockerfile", "Dockerfile", "Dockerfile whose target stage gives the image configuration")
	target := fs.String("target", "cpu", "the Dockerfile stage")
	out := fs.String("out", "", "OCI image layout directory to write (must not exist)")
	ref := fs.String("ref", "dsr4d:cpu-rootfs", "image reference recorded in the layout and the tarball")
	tarOut := fs.String("tar", "", "also write a docker-load tarball here")
	fs.Parse(args)
	if *rootfs == "" || *binary == "" || *out == "" {
		return errors.New("build: --rootfs, --binary and --out are required")
	}
	p, err := dockerfile.Parse(*dfile)
	if err != nil {
		return err
	}
	stage, err := p.Stage(*target)
	if err != nil {
		return fmt.Errorf("%s: %w", *dfile, err)
	}
	dc := dockerfile.ConfigOf(stage)
	env := []string{"PATH=" + debianPath}
	for _, kv := range dc.Env {
		env = append(env, kv[0]+"="+kv[1])
	}
	tmp, err := os.MkdirTemp("", "ociimage-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	base, err := layerFromTar(filepath.Join(tmp, "base.tar"), func(tw *tar.Writer) error { return tarDir(tw, *rootfs) })
	if err != nil {
		return fmt.Errorf("base layer from %s: %w", *rootfs, err)
	}
	bin, err := layerFromTar(filepath.Join(tmp, "bin.tar"), func(tw *tar.Writer) error { return tarBinary(tw, *binary) })
	if err != nil {
		return fmt.Errorf("binary layer from %s: %w", *binary, err)
	}
	st, err := os.Stat(*binary)
	if err != nil {
		return err
	}
	img, err := mutate.ConfigFile(empty.Image, &v1.ConfigFile{
		Created:      v1.Time{Time: st.ModTime().UTC()},
		Architecture: runtime.GOARCH,
		OS:           "linux",
		RootFS:       v1.RootFS{Type: "layers"},
		Config: v1.Config{
			User: dc.User, Entrypoint: dc.Entrypoint, Cmd: dc.Cmd, WorkingDir: dc.WorkingDir, Env: env,
			Labels: map[string]string{"org.opencontainers.image.source": "https://github.com/dsr4d/dsr4d"},
		},
	})
	if err != nil {
		return err
	}
	img = mutate.MediaType(mutate.ConfigMediaType(img, types.OCIConfigJSON), types.OCIManifestSchema1)
	if img, err = mutate.AppendLayers(img, base, bin); err != nil {
		return err
	}
	if _, err := os.Stat(*out); err == nil {
		return fmt.Errorf("%s exists", *out)
	}
	lp, err := layout.Write(*out, empty.Index)
	if err != nil {
		return err
	}
	if err := lp.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": *ref})); err != nil {
		return fmt.Errorf("writing %s: %w", *out, err)
	}
	if *tarOut != "" {
		tag, err := name.NewTag(*ref)
		if err != nil {
			return err
		}
		if err := tarball.WriteToFile(*tarOut, tag, img); err != nil {
			return fmt.Errorf("writing %s: %w", *tarOut, err)
		}
	}
	d, _ := img.Digest()
	fmt.Printf("%s: %s %s (user %s, entrypoint %v)\n", *out, *ref, d, dc.User, dc.Entrypoint)
	return nil
}

// layerFromTar writes a tar with fill to path and makes an OCI layer of it (gzip, fast level:
// the layer is compressed once for its digest and once to write it).
func layerFromTar(path string, fill func(*tar.Writer) error) (v1.Layer, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	tw := tar.NewWriter(f)
	err = fill(tw)
	if cerr := tw.Close(); err == nil {
		err = cerr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	return tarball.LayerFromFile(path, tarball.WithCompressionLevel(gzip.BestSpeed), tarball.WithMediaType(types.OCILayer))
}

// tarDir writes root's tree with owners, modes and hard links; the contents of proc, sys and
// dev are left out (a runtime mounts them).
func tarDir(tw *tar.Writer, root string) error {
	links := map[[2]uint64]string{}
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil || rel == "." {
			return err
		}
		rel = filepath.ToSlash(rel)
		if dir, _, nested := strings.Cut(rel, "/"); nested && (dir == "proc" || dir == "sys" || dir == "dev") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		mode := info.Mode()
		if mode&(fs.ModeDevice|fs.ModeCharDevice|fs.ModeNamedPipe|fs.ModeSocket) != 0 {
			return nil
		}
		target := ""
		if mode&fs.ModeSymlink != 0 {
			if target, err = os.Readlink(path); err != nil {
				return err
			}
		}
		hdr, err := tar.FileInfoHeader(info, target)
		if err != nil {
			return err
		}
		hdr.Name, hdr.Uname, hdr.Gname = rel, "", ""
		if d.IsDir() {
			hdr.Name += "/"
		}
		st, ok := info.Sys().(*syscall.Stat_t)
		if ok {
			hdr.Uid, hdr.Gid = int(st.Uid), int(st.Gid)
			if mode.IsRegular() && st.Nlink > 1 {
				key := [2]uint64{uint64(st.Dev), st.Ino}
				if first, seen := links[key]; seen {
					hdr.Typeflag, hdr.Linkname, hdr.Size = tar.TypeLink, first, 0
				} else {
					links[key] = rel
				}
			}
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if hdr.Typeflag == tar.TypeReg {
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			_, err = io.Copy(tw, f)
			f.Close()
			return err
		}
		return nil
	})
}

// tarBinary writes the binary as root-owned /usr/local/bin/dsr4d, mode 755.
func tarBinary(tw *tar.Writer, binary string) error {
	f, err := os.Open(binary)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	for _, d := range []string{"usr/", "usr/local/", "usr/local/bin/"} {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d, Mode: 0o755, ModTime: st.ModTime()}); err != nil {
			return err
		}
	}
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "usr/local/bin/dsr4d", Mode: 0o755, Size: st.Size(), ModTime: st.ModTime()}); err != nil {
		return err
	}
	_, err = io.Copy(tw, f)
	return err
}

func unpack(args []string) error {
	fs := flag.NewFlagSet("unpack", flag.ExitOnError)
	dir := fs.String("layout", "", "OCI image layout directory (its first image)")
	to := fs.String("to", "", "directory to write the flattened filesystem to (must not exist)")
	cfgOut := fs.String("config", "", "file to write the run configuration to, as shell assignments")
	fs.Parse(args)
	if *dir == "" || *to == "" || *cfgOut == "" {
		return errors.New("unpack: --layout, --to and --config are required")
	}
	ii, err := layout.ImageIndexFromPath(*dir)
	if err != nil {
		return err
	}
	im, err := ii.IndexManifest()
	if err != nil {
		return err
	}
	if len(im.Manifests) != 1 {
		return fmt.Errorf("%s: %d images, want 1", *dir, len(im.Manifests))
	}
	img, err := ii.Image(im.Manifests[0].Digest)
	if err != nil {
		return err
	}
	if err := validate.Image(img); err != nil {
		return fmt.Errorf("%s: invalid image: %w", *dir, err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return err
	}
	if len(cf.Config.Entrypoint) != 1 {
		return fmt.Errorf("%s: entrypoint %v, want one executable", *dir, cf.Config.Entrypoint)
	}
	path := debianPath
	for _, e := range cf.Config.Env {
		if v, ok := strings.CutPrefix(e, "PATH="); ok {
			path = v
		}
	}
	if err := os.Mkdir(*to, 0o755); err != nil {
		return err
	}
	rc := mutate.Extract(img)
	defer rc.Close()
	if err := untar(rc, *to); err != nil {
		return fmt.Errorf("unpacking into %s: %w", *to, err)
	}
	q := func(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
	env := fmt.Sprintf("user=%s\nentrypoint=%s\nworkdir=%s\npath=%s\n", q(cf.Config.User), q(cf.Config.Entrypoint[0]), q(cf.Config.WorkingDir), q(path))
	return os.WriteFile(*cfgOut, []byte(env), 0o644)
}

// untar writes a flattened image filesystem under dir, keeping owners and modes; entries that
// would leave dir are errors.
func untar(r io.Reader, dir string) error {
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		name := filepath.Clean(hdr.Name)
		if !filepath.IsLocal(name) {
			return fmt.Errorf("entry %q leaves the root", hdr.Name)
		}
		dst := filepath.Join(dir, name)
		// mutate.Extract gives the top layer's entries first, so a parent may come later.
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		mode := fs.FileMode(hdr.Mode).Perm() | fs.FileMode(hdr.Mode)&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky)
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(dst, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			f, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
			if err != nil {
				return err
			}
			_, err = io.Copy(f, tr)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
		case tar.TypeSymlink:
			if err := os.Symlink(hdr.Linkname, dst); err != nil {
				return err
			}
			if err := os.Lchown(dst, hdr.Uid, hdr.Gid); err != nil {
				return err
			}
			continue
		case tar.TypeLink:
			old := filepath.Clean(hdr.Linkname)
			if !filepath.IsLocal(old) {
				return fmt.Errorf("hard link %q to %q leaves the root", hdr.Name, hdr.Linkname)
			}
			if err := os.Link(filepath.Join(dir, old), dst); err != nil {
				return err
			}
			continue
		default:
			return fmt.Errorf("entry %q: unsupported type %q", hdr.Name, hdr.Typeflag)
		}
		if err := os.Lchown(dst, hdr.Uid, hdr.Gid); err != nil {
			return err
		}
		// chmod after chown: chown clears setuid bits.
		if err := os.Chmod(dst, mode); err != nil {
			return err
		}
	}
}

// setArgs rewrites BUNDLE/config.json's process: args = its first arg (the entrypoint) + args,
// no terminal. Other fields pass through untouched.
func setArgs(args []string) error {
	if len(args) < 1 {
		return errors.New("set-args: want BUNDLE [ARG...]")
	}
	path := filepath.Join(args[0], "config.json")
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var spec map[string]json.RawMessage
	if err := json.Unmarshal(b, &spec); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	var proc map[string]json.RawMessage
	if err := json.Unmarshal(spec["process"], &proc); err != nil {
		return fmt.Errorf("%s: process: %w", path, err)
	}
	var old []string
	if err := json.Unmarshal(proc["args"], &old); err != nil || len(old) == 0 {
		return fmt.Errorf("%s: process.args %s: want the entrypoint first", path, proc["args"])
	}
	proc["args"], _ = json.Marshal(append(old[:1:1], args[1:]...))
	proc["terminal"] = json.RawMessage("false")
	if spec["process"], err = json.Marshal(proc); err != nil {
		return err
	}
	if b, err = json.MarshalIndent(spec, "", "\t"); err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
