package safetensors_test

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dsr4d/dsr4d/nn/safetensors"
)

func TestRoundTripDTypes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "w.safetensors")
	vals := []float32{0, 1, -2.5, 3.140625, 65504, 1e-7, -0.1}
	require.NoError(t, safetensors.Write(path, []safetensors.Tensor{
		{Name: "a.f32", Shape: []int{7}, Data: vals},
		{Name: "a.bf16", Shape: []int{7, 1}, Data: vals, DType: "BF16"},
		{Name: "b.f16", Shape: []int{1, 7}, Data: vals, DType: "F16"},
	}, map[string]string{"k": "v"}))
	s, err := safetensors.Open(path)
	require.NoError(t, err)
	defer s.Close()
	require.Equal(t, map[string]string{"k": "v"}, s.Metadata)
	require.Equal(t, []string{"a.bf16", "a.f32", "b.f16"}, s.Names())
	got, err := s.Float32("a.f32", 7)
	require.NoError(t, err)
	require.Equal(t, vals, got)
	bf, err := s.Float32("a.bf16")
	require.NoError(t, err)
	f16, err := s.Float32("b.f16")
	require.NoError(t, err)
	for i, v := range vals {
		require.InDelta(t, v, bf[i], math.Abs(float64(v))/128+1e-30, "bf16 %v", v)
		require.InDelta(t, v, f16[i], math.Abs(float64(v))/1024+6e-8, "f16 %v", v)
	}
	// Bits hands out the stored 16-bit patterns unchanged (BF16 is not narrowed to F16, so 1e-30
	// survives), and nil for other dtypes.
	bits, dt, err := s.Bits("a.bf16", 7, 1)
	require.NoError(t, err)
	require.Equal(t, "BF16", dt)
	for i, b := range bits {
		require.Equal(t, bf[i], math.Float32frombits(uint32(b)<<16), "bf16 bits %d", i)
	}
	bits, dt, err = s.Bits("b.f16")
	require.NoError(t, err)
	require.Equal(t, "F16", dt)
	require.Len(t, bits, 7)
	bits, dt, err = s.Bits("a.f32")
	require.NoError(t, err)
	require.Equal(t, "F32", dt)
	require.Nil(t, bits)
	tiny := filepath.Join(dir, "tiny.safetensors")
	require.NoError(t, safetensors.Write(tiny, []safetensors.Tensor{{Name: "w", Shape: []int{2}, Data: []float32{1e-30, -3e38}, DType: "BF16"}}, nil))
	ts, err := safetensors.Open(tiny)
	require.NoError(t, err)
	defer ts.Close()
	bits, _, err = ts.Bits("w")
	require.NoError(t, err)
	require.InEpsilon(t, 1e-30, math.Float32frombits(uint32(bits[0])<<16), 1e-2)
	require.InEpsilon(t, -3e38, math.Float32frombits(uint32(bits[1])<<16), 1e-2)

	p := s.Prefix("a.")
	require.Equal(t, []string{"bf16", "f32"}, p.Names())
	_, err = p.Float32("f32", 7, 1)
	require.ErrorContains(t, err, "a.f32")
	require.ErrorContains(t, err, "shape [7], want [7 1]")
	require.ErrorContains(t, err, path)
	_, err = p.Float32("missing")
	require.True(t, errors.Is(err, safetensors.ErrNotFound))
	require.ErrorContains(t, err, "a.missing")
}

func TestSharded(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, safetensors.Write(filepath.Join(dir, "model-00001-of-00002.safetensors"),
		[]safetensors.Tensor{{Name: "visual.x", Shape: []int{2}, Data: []float32{1, 2}, DType: "BF16"}}, nil))
	require.NoError(t, safetensors.Write(filepath.Join(dir, "model-00002-of-00002.safetensors"),
		[]safetensors.Tensor{{Name: "visual.y", Shape: []int{1}, Data: []float32{3}}, {Name: "lm.z", Shape: []int{1}, Data: []float32{4}}}, nil))
	idx, _ := json.Marshal(map[string]any{"metadata": map[string]any{"total_size": 14}, "weight_map": map[string]string{
		"visual.x": "model-00001-of-00002.safetensors", "visual.y": "model-00002-of-00002.safetensors", "lm.z": "model-00002-of-00002.safetensors"}})
	require.NoError(t, os.WriteFile(filepath.Join(dir, safetensors.IndexName), idx, 0o644))
	for _, src := range []string{dir, filepath.Join(dir, safetensors.IndexName)} {
		s, err := safetensors.Open(src)
		require.NoError(t, err)
		v := s.Prefix("visual.")
		require.Equal(t, []string{"x", "y"}, v.Names())
		y, err := v.Float32("y")
		require.NoError(t, err)
		require.Equal(t, []float32{3}, y)
		info, err := v.Info("x")
		require.NoError(t, err)
		require.Equal(t, "BF16", info.DType)
		require.Contains(t, info.File, "00001")
		require.NoError(t, s.Close())
	}
}

func TestMalformed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, content := range map[string][]byte{
		"short":   {1, 2},
		"toolong": {255, 255, 255, 0, 0, 0, 0, 0, '{', '}'},
		"badjson": append([]byte{2, 0, 0, 0, 0, 0, 0, 0}, "{x"...),
		"range":   append([]byte{60, 0, 0, 0, 0, 0, 0, 0}, `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}    `...),
		"size":    append([]byte{56, 0, 0, 0, 0, 0, 0, 0}, append([]byte(`{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}  `), make([]byte, 8)...)...),
	} {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, content, 0o644))
		_, err := safetensors.Open(p)
		require.Error(t, err, name)
		require.ErrorContains(t, err, p, name)
	}
}

// file builds a safetensors file from a header and data bytes.
func file(header string, data int) []byte {
	for len(header)%8 != 0 {
		header += " "
	}
	b := make([]byte, 8, 8+len(header)+data)
	b[0], b[1] = byte(len(header)), byte(len(header)>>8)
	return append(append(b, header...), make([]byte, data)...)
}

// Issue 12, defect 5: a size that overflows int64 is an error, not a panic, and what the official
// library rejects (overlapping or aliased offsets, gaps, trailing bytes, duplicate keys) is
// rejected with the tensor named.
func TestRejectsWhatTheReferenceRejects(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tc := range []struct {
		name, header string
		data         int
		want         string
	}{
		{"overflow", `{"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,0]}}`, 0, "overflows"},
		{"overflow-dtype", `{"a":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,0]}}`, 0, "overflows"},
		{"overlap", `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, 12, "b: data_offsets [4 12]: it overlaps"},
		{"alias", `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, 8, "overlaps"},
		{"gap", `{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, 8, "a: data_offsets [4 8]: a gap"},
		{"trailing", `{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, 8, "4 trailing bytes"},
		{"duplicate", `{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, 4, `duplicate key "a"`},
		{"array", `[1]`, 0, "not a JSON object"},
	} {
		p := filepath.Join(dir, tc.name)
		require.NoError(t, os.WriteFile(p, file(tc.header, tc.data), 0o644))
		s, err := safetensors.Open(p)
		if err == nil {
			s.Close()
		}
		require.ErrorContains(t, err, tc.want, tc.name)
		require.ErrorContains(t, err, p, tc.name)
	}
	// An empty tensor at the end of the tiling stays valid.
	p := filepath.Join(dir, "empty")
	require.NoError(t, os.WriteFile(p, file(`{"e":{"dtype":"F32","shape":[0],"data_offsets":[8,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, 8), 0o644))
	s, err := safetensors.Open(p)
	require.NoError(t, err)
	s.Close()
}
