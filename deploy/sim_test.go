package deploy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestIndexedJobSimulation runs the cpu overlay's Indexed Job as local processes: the rendered
// Job's own args (its /data volume mapped to a temporary directory), JOB_COMPLETION_INDEX=i and
// its JOB_COMPLETIONS env, at most `parallelism` at a time. One shard's process is SIGKILLed
// mid-way (after its first scene result, before it finishes) and started again, as
// backoffLimitPerIndex would; then the merge Job's args run. Every output file must equal a
// single-process run's byte for byte.
func TestIndexedJobSimulation(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs dsr4d")
	}
	bin := dsr4dBinary(t)
	tmp := t.TempDir()
	data := filepath.Join(tmp, "data")
	scenes := filepath.Join(data, "scenes")
	// Small scenes keep it quick; 24 of them fill most of 16 shards, several with 2 or more.
	run(t, bin, nil, "synth", "--device", "cpu", "--count", "24", "--frames", "8", "--size", "96x64", "--points-size", "48x32", "--out", scenes)
	var list bytes.Buffer
	ents, err := os.ReadDir(scenes)
	if err != nil || len(ents) != 24 {
		t.Fatalf("synth wrote %d scenes (%v), want 24", len(ents), err)
	}
	for _, e := range ents {
		fmt.Fprintf(&list, "scenes/%s\n", e.Name())
	}
	if err := os.WriteFile(filepath.Join(data, "scenes.txt"), list.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	r := render(t, "k8s/overlays/cpu")
	qa, merge := r.jobs["dsr4d-qa"], r.jobs["dsr4d-qa-merge"]
	n, par := int(*qa.Spec.Completions), int(*qa.Spec.Parallelism)
	onData := func(args []string) []string {
		out := make([]string, len(args))
		for i, a := range args {
			if rest, ok := strings.CutPrefix(a, "/data/"); ok {
				a = filepath.Join(data, rest)
			}
			out[i] = a
		}
		return out
	}
	c := qa.Spec.Template.Spec.Containers[0]
	args := onData(c.Args)
	out := flag(args, "--out")
	shardEnv := func(i int) []string {
		env := []string{"JOB_COMPLETION_INDEX=" + strconv.Itoa(i)}
		for _, e := range c.Env {
			env = append(env, e.Name+"="+e.Value)
		}
		return env
	}
	if flag(args, "--shard") != "auto" || len(shardEnv(0)) != 2 {
		t.Fatalf("qa job args %v env %v: want --shard auto and JOB_COMPLETIONS", c.Args, c.Env)
	}

	// The victim: the first shard still running once its first scene result is written.
	victim, partial := -1, 0
	next := 0
	for ; next < n && victim < 0; next++ {
		before := countResults(t, out)
		cmd := start(t, bin, shardEnv(next), args...)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		var exited error
		caught := false
	poll:
		for {
			select {
			case exited = <-done:
				break poll
			case <-time.After(5 * time.Millisecond):
				if k := countResults(t, out); k > before {
					if err := cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
						t.Fatal(err)
					}
					exited = <-done
					var ee *exec.ExitError
					if errors.As(exited, &ee) && ee.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL {
						caught, partial = true, k-before
					}
					break poll
				}
			}
		}
		if caught {
			victim = next
			t.Logf("shard %d of %d killed with SIGKILL after %d scene result(s)", next, n, partial)
		} else if exited != nil {
			t.Fatalf("shard %d: %v", next, exited)
		}
	}
	if victim < 0 {
		t.Fatalf("no shard of %d was still running after its first result: none was killed mid-way", n)
	}

	// The restarted victim and the shards not run yet, parallelism at a time.
	rest := []int{victim}
	for i := next; i < n; i++ {
		rest = append(rest, i)
	}
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for _, i := range rest {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			cmd := exec.Command(bin, args...)
			cmd.Env = append(os.Environ(), shardEnv(i)...)
			if b, err := cmd.CombinedOutput(); err != nil {
				errs[i] = fmt.Errorf("shard %d: %v\n%s", i, err, b)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	// With no Vulkan driver: the gpu overlay's merge pod holds no GPU.
	run(t, bin, []string{"VK_DRIVER_FILES=" + filepath.Join(tmp, "no-driver.json"), "VK_ICD_FILENAMES=" + filepath.Join(tmp, "no-driver.json")}, onData(merge.Spec.Template.Spec.Containers[0].Args)...)

	// The same corpus in one process: the Job's args with another --out and no sharding.
	ref := filepath.Join(tmp, "ref")
	single := onData(c.Args)
	single[indexOf(single, "--out")+1] = ref
	single[indexOf(single, "--shard")+1] = "0/1"
	run(t, bin, nil, single...)

	got, want := tree(t, out), tree(t, ref)
	if len(want) < 7 {
		t.Fatalf("single-process run wrote only %v", keys(want))
	}
	for name, w := range want {
		if g, ok := got[name]; !ok {
			t.Errorf("%s: missing from the sharded run", name)
		} else if !bytes.Equal(g, w) {
			t.Errorf("%s: differs from the single-process run (%d vs %d bytes)", name, len(g), len(w))
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s: left by the sharded run, not in the single-process run", name)
		}
	}
}

// dsr4dBinary builds dsr4d from the repository (or takes $DSR4D_BIN).
func dsr4dBinary(t *testing.T) string {
	t.Helper()
	if b := os.Getenv("DSR4D_BIN"); b != "" {
		return b
	}
	bin := filepath.Join(t.TempDir(), "dsr4d")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/dsr4d")
	cmd.Dir = ".."
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/dsr4d: %v\n%s", err, b)
	}
	return bin
}

func start(t *testing.T, bin string, env []string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

func run(t *testing.T, bin string, env []string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("dsr4d %s: %v\n%s", strings.Join(args, " "), err, b)
	}
}

// countResults counts the per-scene results in OUT/scenes.
func countResults(t *testing.T, out string) int {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(out, "scenes", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	return len(m)
}

// tree reads every file under dir by relative path.
func tree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func indexOf(args []string, s string) int {
	for i, a := range args {
		if a == s {
			return i
		}
	}
	panic(s + " not in args")
}
