package npy

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestNumpyReadsOurFiles writes every dtype in C and Fortran order, as .npy and in stored
// and deflated .npz, and has numpy check them. It skips when python3 with numpy is absent.
func TestNumpyReadsOurFiles(t *testing.T) {
	t.Parallel()
	py, err := exec.LookPath("python3")
	if err == nil {
		err = exec.Command(py, "-c", "import numpy").Run()
	}
	if err != nil {
		if _, e := os.Stat("/usr/bin/python3"); e == nil && exec.Command("/usr/bin/python3", "-c", "import numpy").Run() == nil {
			py, err = "/usr/bin/python3", nil
		}
	}
	if err != nil {
		t.Skip("python3 with numpy not available")
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(3, 4))
	arrays := map[string]*Array{}
	for d := Bool; d <= Float64; d++ {
		a := randArray(rng, d, []int{2, 3, 5})
		arrays[d.String()+"_c"] = a
		arrays[d.String()+"_f"] = a.ToFortran()
		// The C-order raw bytes numpy must reproduce with tobytes().
		if err := os.WriteFile(filepath.Join(dir, d.String()+".raw"), bytesOf(a.Data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, a := range arrays {
		if err := WriteFile(filepath.Join(dir, name+".npy"), a); err != nil {
			t.Fatal(err)
		}
	}
	if err := WriteNPZ(filepath.Join(dir, "stored.npz"), arrays, false); err != nil {
		t.Fatal(err)
	}
	if err := WriteNPZ(filepath.Join(dir, "deflated.npz"), arrays, true); err != nil {
		t.Fatal(err)
	}
	script := `
import sys, numpy as np
d = sys.argv[1]
names = ["bool", "uint8", "uint16", "int32", "int64", "float16", "float32", "float64"]
zs = [np.load(d + "/stored.npz"), np.load(d + "/deflated.npz")]
for n in names:
    raw = open(d + "/" + n + ".raw", "rb").read()
    for o in "cf":
        for a in [np.load(d + "/" + n + "_" + o + ".npy")] + [z[n + "_" + o] for z in zs]:
            assert a.dtype == np.dtype(n), (n, a.dtype)
            assert a.shape == (2, 3, 5), (n, a.shape)
            assert a.flags.f_contiguous == (o == "f"), (n, o)
            assert np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<")).tobytes() == raw, (n, o)
print("ok")
`
	out, err := exec.Command(py, "-c", script, dir).CombinedOutput()
	if err != nil || string(out) != "ok\n" {
		t.Fatalf("numpy check failed: %v\n%s", err, out)
	}
}
