package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/dsr4d/dsr4d/vk"
	"github.com/dsr4d/dsr4d/vk/vktest"
)

// TestMain lets tests run this binary as dsr4d itself (DSR4D_TEST_AS_MAIN=1): the concurrency
// tests start real processes.
func TestMain(m *testing.M) {
	if os.Getenv("DSR4D_TEST_AS_MAIN") == "1" {
		main()
	}
	os.Exit(m.Run())
}

// runCmd runs one command line and returns its exit code and output.
func runCmd(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

func TestUsage(t *testing.T) {
	code, out, _ := runCmd("help")
	if code != 0 || !strings.Contains(out, "devices") || !strings.Contains(out, "check") {
		t.Errorf("help: code %d, output %q", code, out)
	}
	code, _, errOut := runCmd("no-such-command")
	if code != 2 || !strings.Contains(errOut, `unknown command "no-such-command"`) {
		t.Errorf("unknown command: code %d, stderr %q", code, errOut)
	}
	if code, _, _ := runCmd("check", "-n", "0"); code != 2 {
		t.Errorf("check -n 0: code %d, want 2", code)
	}
	if code, _, _ := runCmd("devices", "-bogus"); code != 2 {
		t.Errorf("devices -bogus: code %d, want 2", code)
	}
}

func TestDevicesJSON(t *testing.T) {
	vktest.Open(t) // fails in CI, skips elsewhere, without a device
	code, out, errOut := runCmd("devices", "-json")
	if code != 0 {
		t.Fatalf("devices -json: code %d, stderr %s", code, errOut)
	}
	var infos []vk.Info
	if err := json.Unmarshal([]byte(out), &infos); err != nil {
		t.Fatalf("devices -json is not JSON: %v\n%s", err, out)
	}
	selected := 0
	for _, d := range infos {
		if d.Selected {
			selected++
		}
		if strings.Contains(d.Name, "llvmpipe") && (d.MaxStorageBufferRange != 134217728 || d.SubgroupSize != 8) {
			t.Errorf("llvmpipe: storage range %d, subgroup %d; want 134217728 and 8", d.MaxStorageBufferRange, d.SubgroupSize)
		}
	}
	if selected != 1 {
		t.Errorf("%d devices marked selected, want 1", selected)
	}
	code, out, _ = runCmd("devices")
	if code != 0 || !strings.Contains(out, "*") || !strings.Contains(out, "subgroup") {
		t.Errorf("devices table: code %d\n%s", code, out)
	}
	t.Setenv("DSR4D_DEVICE", "no-such-device")
	if code, _, errOut := runCmd("devices"); code != 1 || !strings.Contains(errOut, "matches no device") {
		t.Errorf("unknown DSR4D_DEVICE: code %d, stderr %q", code, errOut)
	}
}

func TestCheck(t *testing.T) {
	vktest.Open(t)
	if os.Getenv("CI") != "" {
		t.Setenv("DSR4D_VALIDATE", "1")
	}
	code, out, errOut := runCmd("check", "-n", "96")
	if code != 0 || !strings.Contains(out, "verified") {
		t.Errorf("check: code %d\nstdout %s\nstderr %s", code, out, errOut)
	}
}

// TestDemo runs the main job end to end on a small example and checks that its summary lists
// every output; a second run over the same directory must succeed (it replaces its outputs).
func TestDemo(t *testing.T) {
	vktest.Open(t)
	dir := t.TempDir()
	for run := range 2 {
		code, out, errOut := runCmd("demo", "--out", dir, "--frames", "12")
		if code != 0 {
			t.Fatalf("run %d: demo: code %d\n%s\n%s", run, code, out, errOut)
		}
		for _, want := range []string{"scene/geometry.npz", "qa/bench.parquet", "qa/audit.md", "eval/oracle/report.md", "view/question0.png", "Vulkan device:"} {
			if !strings.Contains(out, want) {
				t.Errorf("run %d: the summary does not list %s:\n%s", run, want, out)
			}
		}
	}
	if code, _, _ := runCmd("demo", "--frames", "2"); code != 2 {
		t.Errorf("demo --frames 2: code %d, want 2", code)
	}
}

func TestQAAllScenesFailed(t *testing.T) {
	dir := t.TempDir()
	bad := dir + "/bad"
	if err := os.MkdirAll(bad, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad+"/scene.json", []byte(`{"format":"dsr4d-scene/1"`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCmd("qa", "--scene", bad, "--out", dir+"/qa", "--device", "cpu")
	if code != 1 || !strings.Contains(errOut, "all 1 scene(s) failed") {
		t.Errorf("qa on a broken scene only: code %d, stderr %q; want 1 and the reason", code, errOut)
	}
}

// A bare dsr4d prints its usage to stderr (exit 2); --log-level sets the level of the logs, which
// go to the injected stderr.
func TestBareUsageAndLogLevel(t *testing.T) {
	code, out, errOut := runCmd()
	if code != 2 || out != "" || !strings.Contains(errOut, "Commands:") {
		t.Errorf("bare dsr4d: exit %d, stdout %q", code, out)
	}
	if code, _, errOut := runCmd("--log-level", "loud", "devices"); code != 2 || !strings.Contains(errOut, `--log-level "loud"`) {
		t.Errorf("bad level: exit %d: %s", code, errOut)
	}
	dir := t.TempDir()
	code, _, errOut = runCmd("--log-level=warn", "synth", "--device", "cpu", "--out", dir+"/s", "--frames", "4", "--size", "96x54", "--points-size", "48x27")
	if code != 0 || strings.Contains(errOut, "level=INFO") {
		t.Errorf("--log-level=warn: exit %d: %s", code, errOut)
	}
	code, _, errOut = runCmd("synth", "--device", "cpu", "--out", dir+"/t", "--frames", "4", "--size", "96x54", "--points-size", "48x27")
	if code != 0 || !strings.Contains(errOut, "level=INFO msg=synth") || !strings.Contains(errOut, "elapsed=") {
		t.Errorf("default level: exit %d: %s", code, errOut)
	}
}

// needTool returns the path of a command the test runs (make deps installs it): the test skips
// without it, but fails under CI, where a skip would hide that the test never ran.
func needTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI without %s: run make deps", name)
		}
		t.Skipf("%s not installed", name)
	}
	return path
}

// needStrace is needTool("strace") that can also trace here (a container may forbid ptrace:
// then the fault-injection tests skip, saying why).
func needStrace(t *testing.T) string {
	t.Helper()
	strace := needTool(t, "strace")
	if err := exec.Command(strace, "-f", "-o", "/dev/null", "true").Run(); err != nil {
		t.Skipf("strace cannot trace here: %v", err)
	}
	return strace
}
