package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBuildUnpack round-trips a small root (file, executable, symlink, hard link, nested
// directories, a proc entry that must be left out) and a binary through an OCI layout.
func TestBuildUnpack(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("unpack restores root ownership: needs root")
	}
	tmp := t.TempDir()
	root := filepath.Join(tmp, "root")
	write := func(rel, s string, mode os.FileMode) {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), mode); err != nil {
			t.Fatal(err)
		}
	}
	write("etc/os-release", "ID=debian\n", 0o644)
	write("usr/bin/tool", "#!/bin/sh\n", 0o755)
	write("proc/self", "not copied", 0o644)
	if err := os.Symlink("usr/bin", filepath.Join(root, "bin")); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(filepath.Join(root, "usr/bin/tool"), filepath.Join(root, "usr/bin/tool2")); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(tmp, "dsr4d")
	if err := os.WriteFile(bin, []byte("binary"), 0o700); err != nil {
		t.Fatal(err)
	}
	oci, un, cfg := filepath.Join(tmp, "oci"), filepath.Join(tmp, "un"), filepath.Join(tmp, "config.env")
	if err := build([]string{"--rootfs", root, "--binary", bin, "--dockerfile", "../Dockerfile", "--target", "cpu", "--out", oci}); err != nil {
		t.Fatal(err)
	}
	if err := unpack([]string{"--layout", oci, "--to", un, "--config", cfg}); err != nil {
		t.Fatal(err)
	}
	for rel, want := range map[string]string{"etc/os-release": "ID=debian\n", "usr/bin/tool2": "#!/bin/sh\n", "bin/tool": "#!/bin/sh\n", "usr/local/bin/dsr4d": "binary"} {
		if b, err := os.ReadFile(filepath.Join(un, rel)); err != nil || string(b) != want {
			t.Errorf("%s: %q, %v; want %q", rel, b, err, want)
		}
	}
	if st, err := os.Stat(filepath.Join(un, "usr/local/bin/dsr4d")); err != nil || st.Mode().Perm() != 0o755 {
		t.Errorf("dsr4d mode %v (%v), want 0755", st.Mode(), err)
	}
	if l, err := os.Readlink(filepath.Join(un, "bin")); err != nil || l != "usr/bin" {
		t.Errorf("bin -> %q (%v), want usr/bin", l, err)
	}
	a, _ := os.Stat(filepath.Join(un, "usr/bin/tool"))
	b, _ := os.Stat(filepath.Join(un, "usr/bin/tool2"))
	if !os.SameFile(a, b) {
		t.Errorf("tool and tool2 are no longer one file")
	}
	if _, err := os.Stat(filepath.Join(un, "proc/self")); !os.IsNotExist(err) {
		t.Errorf("proc contents were packed: %v", err)
	}
	env, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"user='10001:10001'", "entrypoint='/usr/local/bin/dsr4d'", "workdir='/data'"} {
		if !strings.Contains(string(env), want) {
			t.Errorf("config.env lacks %s:\n%s", want, env)
		}
	}
	// The image must refuse to unpack over an existing directory.
	if err := unpack([]string{"--layout", oci, "--to", un, "--config", cfg}); err == nil {
		t.Errorf("unpack over an existing directory succeeded")
	}
}
