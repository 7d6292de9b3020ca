package torchfile_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dsr4d/dsr4d/nn/safetensors"
	"github.com/dsr4d/dsr4d/nn/torchfile"
)

func TestStateDict(t *testing.T) {
	f, err := torchfile.Open(filepath.Join("testdata", "mixed.pt"))
	require.NoError(t, err)
	defer f.Close()
	require.Equal(t, []string{"bf16", "count", "double", "half", "offset", "plain", "transposed"}, f.Names())
	get := func(name string, shape ...int) []float32 {
		v, err := f.Float32(name, shape...)
		require.NoError(t, err, name)
		return v
	}
	require.Equal(t, []float32{0, 0.125, 0.25, 0.375, 0.5, 0.625}, get("plain", 2, 3))
	// base = arange(24).reshape(4, 6): its transpose (strides 1, 6) and base[1:3, 2:5] (offset 8).
	tr := get("transposed", 6, 4)
	require.Equal(t, []float32{0, 6, 12, 18, 1, 7, 13, 19}, tr[:8])
	require.Equal(t, []float32{8, 9, 10, 14, 15, 16}, get("offset", 2, 3))
	require.Equal(t, []float32{0.5, -2.25, 65504}, get("half"))
	bf := get("bf16")
	require.InEpsilon(t, 1e-30, bf[0], 1e-2) // bfloat16's range, beyond binary16's
	require.InEpsilon(t, 3e38, bf[1], 1e-2)
	require.Equal(t, float32(-7.5), bf[2])
	require.Equal(t, []float32{float32(1.0 / 3)}, get("double", 1, 1))
	require.Equal(t, []float32{1234}, get("count"))
	sh, err := f.Shape("offset")
	require.NoError(t, err)
	require.Equal(t, []int{2, 3}, sh)

	for name, dt := range map[string]string{"plain": "F32", "half": "F16", "bf16": "BF16", "double": "F64", "count": "I64"} {
		info, err := f.Info(name)
		require.NoError(t, err)
		require.Equal(t, dt, info.DType, name)
	}
	_, err = f.Float32("plain", 3, 2)
	require.ErrorContains(t, err, `"plain" has shape [2 3], want [3 2]`)
	_, err = f.Float32("missing")
	require.ErrorContains(t, err, `mixed.pt: no tensor "missing"`)
}

func TestNotStateDict(t *testing.T) {
	for _, name := range []string{"nested.pt", "list.pt"} {
		_, err := torchfile.Open(filepath.Join("testdata", name))
		require.ErrorIs(t, err, torchfile.ErrNotStateDict, name)
		require.ErrorContains(t, err, name)
	}
	p := filepath.Join(t.TempDir(), "junk.pt")
	require.NoError(t, os.WriteFile(p, []byte("PK\x03\x04 this is not a zip"), 0o644))
	_, err := torchfile.Open(p)
	require.ErrorContains(t, err, "junk.pt: not a PyTorch checkpoint")
}

// The same tensors as safetensors are served through the same File.
func TestSafetensors(t *testing.T) {
	p := filepath.Join(t.TempDir(), "w.safetensors")
	require.NoError(t, safetensors.Write(p, []safetensors.Tensor{{Name: "a.weight", Shape: []int{2, 2}, Data: []float32{1, 2, 3, 4}}}, nil))
	f, err := torchfile.Open(p)
	require.NoError(t, err)
	defer f.Close()
	require.Equal(t, []string{"a.weight"}, f.Names())
	v, err := f.Float32("a.weight", 2, 2)
	require.NoError(t, err)
	require.Equal(t, []float32{1, 2, 3, 4}, v)
}
