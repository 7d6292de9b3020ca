package vk_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsr4d/dsr4d/vk"
	"github.com/dsr4d/dsr4d/vk/vktest"
)

// TestStagingRing moves 40 MiB (three ring slots, the last partial) into the middle of a
// device-local buffer and back through the staging ring, and checks that a second transfer makes
// no Vulkan objects.
func TestStagingRing(t *testing.T) {
	d := vktest.Open(t)
	const n = 10<<20 + 12345 // float32s
	buf, err := d.NewBuffer(vk.DeviceLocal, 4*n+4096)
	require.NoError(t, err)
	defer buf.Release()
	dst := buf.View(4096, 4*n)
	rng := rand.New(rand.NewPCG(1, 2))
	in := make([]float32, n)
	for i := range in {
		in[i] = rng.Float32()
	}
	require.NoError(t, vk.UploadStaged(dst, in))
	out := make([]float32, n)
	require.NoError(t, vk.DownloadStaged(dst, out))
	live := d.Live()
	for i := range in {
		if in[i] != out[i] {
			t.Fatalf("out[%d] = %v, want %v", i, out[i], in[i])
		}
	}
	in[7] = 42
	require.NoError(t, vk.UploadStaged(dst, in[:8]))
	require.NoError(t, vk.DownloadStaged(dst, out[:8]))
	assert.Equal(t, float32(42), out[7])
	assert.Equal(t, live, d.Live(), "a transfer makes no Vulkan objects once the ring exists")
}

// BenchmarkUpload measures uploads to device-local memory through the staging ring against the
// path it replaced (a new staging buffer and Recorder per call), in the same run.
func BenchmarkUpload(b *testing.B) {
	d := vktest.Open(b)
	for _, mib := range []int{1, 64} {
		n := mib << 20
		data := make([]byte, n)
		dst, err := d.NewBuffer(vk.DeviceLocal, int64(n))
		require.NoError(b, err)
		b.Run(fmt.Sprintf("ring/%dMiB", mib), func(b *testing.B) {
			b.SetBytes(int64(n))
			for b.Loop() {
				if err := vk.UploadStaged(dst, data); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("per-call/%dMiB", mib), func(b *testing.B) {
			b.SetBytes(int64(n))
			for b.Loop() {
				if err := uploadPerCall(d, dst, data); err != nil {
					b.Fatal(err)
				}
			}
		})
		dst.Release()
	}
}

// uploadPerCall is the upload path before the staging ring, kept as the benchmark's baseline.
func uploadPerCall(d *vk.Device, dst *vk.Buffer, data []byte) error {
	stage, err := d.NewBuffer(vk.HostVisible, int64(len(data)))
	if err != nil {
		return err
	}
	defer stage.Release()
	if err := vk.Upload(stage, data); err != nil {
		return err
	}
	r, err := d.NewRecorder()
	if err != nil {
		return err
	}
	defer r.Release()
	r.Copy(dst.View(0, int64(len(data))), stage)
	return r.Submit()
}
