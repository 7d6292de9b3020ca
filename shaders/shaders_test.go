package shaders

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dsr4d/dsr4d/shaders/internal/srchash"
)

// TestSourcesMatchSPIRV fails when a shader source changed (or appeared) without `make shaders`.
func TestSourcesMatchSPIRV(t *testing.T) {
	var sources []string
	for _, ext := range []string{"*.comp", "*.vert", "*.frag"} {
		m, _ := filepath.Glob(ext)
		sources = append(sources, m...)
	}
	if len(sources) != len(modules) {
		t.Errorf("%d shader sources but %d embedded modules: run 'make shaders'", len(sources), len(modules))
	}
	for _, src := range sources {
		name := strings.TrimSuffix(src, ".comp")
		m, ok := modules[name]
		if !ok {
			t.Errorf("%s is not embedded: run 'make shaders'", src)
			continue
		}
		got, err := srchash.Sum(src)
		if err != nil {
			t.Fatal(err)
		}
		if got != m.SourceSHA256 {
			t.Errorf("%s changed since its SPIR-V was built (sha256 %s, built from %s): run 'make shaders'", src, got[:12], m.SourceSHA256[:12])
		}
	}
}

// TestSPIRVValid runs spirv-val on every embedded module; CI installs spirv-tools, so there it
// must be present.
func TestSPIRVValid(t *testing.T) {
	val, err := exec.LookPath("spirv-val")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("spirv-val not found: install spirv-tools")
		}
		t.Skip("spirv-val not installed")
	}
	for _, name := range Names() {
		m, err := Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), name+".spv")
		if err := os.WriteFile(path, m.SPIRV, 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(val, "--target-env", "vulkan1.1", path).CombinedOutput(); err != nil {
			t.Errorf("%s: spirv-val: %v\n%s", name, err, out)
		}
	}
}

func TestLookup(t *testing.T) {
	m, err := Lookup("matmul")
	if err != nil {
		t.Fatal(err)
	}
	if len(m.SPIRV) == 0 || m.SPIRV[0] != 0x03 || m.SPIRV[3] != 0x07 {
		t.Errorf("matmul SPIR-V does not start with the magic number")
	}
	if m.PushSize != 12 || len(m.Bindings) != 4 || m.Bindings[3].Access != WriteOnly || m.Bindings[0].Access != ReadOnly {
		t.Errorf("matmul reflection = push %d, bindings %v", m.PushSize, m.Bindings)
	}
	if s, ok := m.SpecByName("TILED"); !ok || s.ID != 5 {
		t.Errorf("TILED spec constant = %+v, %v", s, ok)
	}
	if _, err := Lookup("no_such_kernel"); err == nil || !strings.Contains(err.Error(), "no_such_kernel") {
		t.Errorf("Lookup of a missing shader: err = %v", err)
	}
}
