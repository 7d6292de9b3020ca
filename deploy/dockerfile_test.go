package deploy

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/dsr4d/dsr4d/deploy/internal/dockerfile"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// parseDockerfile parses deploy/Dockerfile with BuildKit's own parser, failing on any parser
// warning or BuildKit lint rule (the checks `docker build --check` applies at parse time).
func parseDockerfile(t *testing.T) []instructions.Stage {
	t.Helper()
	p, err := dockerfile.Parse("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range p.Findings {
		t.Errorf("Dockerfile: %s", f)
	}
	if len(p.MetaArgs) != 0 {
		t.Errorf("Dockerfile: %d ARGs before the first FROM: base images must be literal, pinned names", len(p.MetaArgs))
	}
	return p.Stages
}

func TestDockerfileStages(t *testing.T) {
	stages := parseDockerfile(t)
	var names []string
	for _, s := range stages {
		names = append(names, s.Name)
	}
	// cpu last: a plain `docker build` makes the image that runs anywhere.
	if want := []string{"build", "gpu", "cpu"}; !slices.Equal(names, want) {
		t.Fatalf("stages %v, want %v", names, want)
	}
	goVersion := rootGoVersion(t)
	for _, s := range stages {
		switch s.Name {
		case "build":
			m := regexp.MustCompile(`^golang:(\d+\.\d+\.\d+)-bookworm$`).FindStringSubmatch(s.BaseName)
			if m == nil {
				t.Errorf("build stage FROM %s, want golang:X.Y.Z-bookworm (Debian 12, pinned)", s.BaseName)
			} else if versionLess(m[1], goVersion) {
				t.Errorf("build stage Go %s is older than go.mod's go %s", m[1], goVersion)
			}
		default:
			if !regexp.MustCompile(`^debian:12\.\d+-slim(@sha256:[0-9a-f]{64})?$`).MatchString(s.BaseName) {
				t.Errorf("stage %s FROM %s, want debian:12.N-slim (pinned point release)", s.Name, s.BaseName)
			}
		}
	}
}

func TestDockerfileCommands(t *testing.T) {
	stages := parseDockerfile(t)
	ignored := dockerignore(t)
	for _, s := range stages {
		var copiedBinary, ranRuntime, built bool
		for _, c := range s.Commands {
			switch c := c.(type) {
			case *instructions.AddCommand:
				t.Errorf("stage %s: ADD %v: use COPY (ADD fetches URLs and unpacks archives implicitly)", s.Name, c.SourcePaths)
			case *instructions.CopyCommand:
				if c.From == "build" && slices.Equal(c.SourcePaths, []string{"/out/dsr4d"}) && c.DestPath == "/usr/local/bin/dsr4d" {
					copiedBinary = true
				}
				if c.From == "" {
					for _, src := range c.SourcePaths {
						checkContextPath(t, s.Name, src, ignored)
					}
				}
			case *instructions.RunCommand:
				line := strings.Join(c.CmdLine, " ")
				if strings.Contains(line, "apt-get install") {
					for _, want := range []string{"apt-get update", "--no-install-recommends", "-y", "rm -rf /var/lib/apt/lists/*"} {
						if !strings.Contains(line, want) {
							t.Errorf("stage %s: RUN %q lacks %q", s.Name, line, want)
						}
					}
				}
				for _, bad := range []string{"curl ", "wget ", "| sh", "|sh"} {
					if strings.Contains(line, bad) {
						t.Errorf("stage %s: RUN %q downloads or pipes a script (%q)", s.Name, line, bad)
					}
				}
				if line == "/usr/local/lib/dsr4d/runtime.sh "+s.Name {
					ranRuntime = true
				}
				if strings.Contains(line, "CGO_ENABLED=1 go build") && strings.Contains(line, "-o /out/dsr4d ./cmd/dsr4d") {
					built = true
				}
			case *instructions.EntrypointCommand:
				if c.PrependShell {
					t.Errorf("stage %s: ENTRYPOINT in shell form: signals would go to sh, not dsr4d", s.Name)
				}
			}
		}
		if s.Name == "build" {
			if !built {
				t.Errorf("build stage never runs CGO_ENABLED=1 go build -o /out/dsr4d ./cmd/dsr4d")
			}
			continue
		}
		cfg := dockerfile.ConfigOf(&s)
		env := map[string]string{}
		for _, kv := range cfg.Env {
			env[kv[0]] = kv[1]
		}
		if !ranRuntime {
			t.Errorf("stage %s does not RUN /usr/local/lib/dsr4d/runtime.sh %s", s.Name, s.Name)
		}
		if !copiedBinary {
			t.Errorf("stage %s does not COPY --from=build /out/dsr4d /usr/local/bin/dsr4d", s.Name)
		}
		if !slices.Equal(cfg.Entrypoint, []string{"/usr/local/bin/dsr4d"}) {
			t.Errorf("stage %s: ENTRYPOINT %q, want [\"/usr/local/bin/dsr4d\"]", s.Name, cfg.Entrypoint)
		}
		if cfg.WorkingDir != "/data" {
			t.Errorf("stage %s: WORKDIR %q, want /data (the volume the manifests mount)", s.Name, cfg.WorkingDir)
		}
		// Numeric and not root, so runAsNonRoot can verify it; it must be the last USER too.
		uid, _, _ := strings.Cut(cfg.User, ":")
		if n, err := strconv.Atoi(uid); err != nil || n == 0 {
			t.Errorf("stage %s: USER %q, want a numeric non-root uid", s.Name, cfg.User)
		} else if n != 10001 {
			t.Errorf("stage %s: USER %q, but runtime.sh creates uid 10001 and the manifests run as it", s.Name, cfg.User)
		}
		caps := strings.Split(env["NVIDIA_DRIVER_CAPABILITIES"], ",")
		switch s.Name {
		case "gpu":
			// Vulkan's ICD is a graphics capability: without it the toolkit mounts CUDA only.
			for _, want := range []string{"compute", "utility", "graphics"} {
				if !slices.Contains(caps, want) {
					t.Errorf("gpu stage: NVIDIA_DRIVER_CAPABILITIES %q lacks %s", env["NVIDIA_DRIVER_CAPABILITIES"], want)
				}
			}
			if _, ok := env["NVIDIA_VISIBLE_DEVICES"]; ok {
				t.Errorf("gpu stage sets NVIDIA_VISIBLE_DEVICES: the device plugin or --gpus chooses the GPUs")
			}
		case "cpu":
			if len(env) != 0 {
				t.Errorf("cpu stage sets %v; it needs no environment", env)
			}
		}
	}
}

// TestRuntimeScript checks the scripts parse (and pass shellcheck where it is installed) and that
// runtime.sh installs what each variant needs.
func TestRuntimeScript(t *testing.T) {
	for _, script := range []string{"runtime.sh", "image.sh", "test-rootfs.sh"} {
		if out, err := exec.Command("sh", "-n", script).CombinedOutput(); err != nil {
			t.Errorf("sh -n %s: %v\n%s", script, err, out)
		}
		if _, err := exec.LookPath("shellcheck"); err == nil {
			if out, err := exec.Command("shellcheck", script).CombinedOutput(); err != nil {
				t.Errorf("shellcheck %s: %v\n%s", script, err, out)
			}
		}
	}
	b, err := os.ReadFile("runtime.sh")
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	for _, want := range []string{"cpu) pkgs=\"$pkgs mesa-vulkan-drivers\"", "libvulkan1", "libvulkan.so", "--uid 10001"} {
		if !strings.Contains(src, want) {
			t.Errorf("runtime.sh lacks %q", want)
		}
	}
	if st, err := os.Stat("runtime.sh"); err != nil || st.Mode()&0o111 == 0 {
		t.Errorf("runtime.sh is not executable (the Dockerfile runs it directly)")
	}
}

// rootGoVersion is the go directive of dsr4d's go.mod.
func rootGoVersion(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+(\.\d+)?)$`).FindSubmatch(b)
	if m == nil {
		t.Fatal("../go.mod: no go directive")
	}
	return string(m[1])
}

// versionLess compares dotted decimal versions.
func versionLess(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := range max(len(as), len(bs)) {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			return x < y
		}
	}
	return false
}

// dockerignore reads Dockerfile.dockerignore's patterns.
func dockerignore(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("Dockerfile.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var pats []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			pats = append(pats, l)
		}
	}
	return pats
}

// checkContextPath fails when a COPY source is missing from the repository or excluded from
// the build context (the build would then fail only on a machine with a builder).
func checkContextPath(t *testing.T, stage, src string, ignored []string) {
	t.Helper()
	if src == "." {
		return
	}
	if _, err := os.Stat(filepath.Join("..", src)); err != nil {
		t.Errorf("stage %s: COPY %s: not in the repository: %v", stage, src, err)
	}
	for _, p := range ignored {
		if ok, _ := filepath.Match(strings.TrimPrefix(p, "**/"), src); ok || strings.HasPrefix(src, p+"/") {
			t.Errorf("stage %s: COPY %s is excluded by Dockerfile.dockerignore pattern %q", stage, src, p)
		}
	}
}
