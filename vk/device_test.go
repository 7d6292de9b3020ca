package vk_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/dsr4d/dsr4d/shaders"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsr4d/dsr4d/vk"
	"github.com/dsr4d/dsr4d/vk/vktest"
)

func TestInfo(t *testing.T) {
	d := vktest.Open(t)
	info := d.Info()
	assert.True(t, info.Selected)
	assert.NotEmpty(t, info.Name)
	assert.NotZero(t, info.SubgroupSize)
	assert.NotZero(t, info.MaxSharedMemory)
	assert.GreaterOrEqual(t, info.MaxPushConstantsSize, uint32(128))
	assert.NotZero(t, info.MaxStorageBufferRange)
	assert.NotEmpty(t, info.Heaps)
	assert.NotEmpty(t, info.MemoryTypes)
	if info.IsCPU() { // lavapipe, as CI runs it
		assert.Equal(t, uint32(8), info.SubgroupSize)
		assert.Equal(t, uint32(134217728), info.MaxStorageBufferRange)
	}
}

func TestDevicesAndSelection(t *testing.T) {
	vktest.Open(t) // fails in CI, skips elsewhere, when there is no device
	infos, err := vk.Devices(vk.Options{})
	require.NoError(t, err)
	selected := 0
	for _, info := range infos {
		if info.Selected {
			selected++
		}
	}
	assert.Equal(t, 1, selected, "exactly one device is marked")

	last := len(infos) - 1
	d, err := vk.Open(vk.Options{Device: fmt.Sprint(last), CacheDir: "off"})
	require.NoError(t, err)
	assert.Equal(t, infos[last].Name, d.Info().Name, "selection by index")
	require.NoError(t, d.Close())

	t.Setenv("DSR4D_DEVICE", infos[0].Name[:3])
	d, err = vk.Open(vk.Options{CacheDir: "off"})
	require.NoError(t, err)
	assert.Equal(t, infos[0].Name, d.Info().Name, "selection by name substring from DSR4D_DEVICE")
	require.NoError(t, d.Close())

	_, err = vk.Open(vk.Options{Device: "99"})
	assert.ErrorIs(t, err, vk.ErrNoDevice)
}

func TestTransfers(t *testing.T) {
	d := vktest.Open(t)
	for _, kind := range []vk.MemoryKind{vk.DeviceLocal, vk.HostVisible, vk.Readback} {
		buf, err := d.NewBuffer(kind, 1024)
		require.NoError(t, err)
		u := []uint32{1, 2, 3, 0xffffffff}
		require.NoError(t, vk.Upload(buf.View(16, 16), u))
		gotU := make([]uint32, 4)
		require.NoError(t, vk.Download(buf.View(16, 16), gotU))
		assert.Equal(t, u, gotU, kind.String())

		by := []byte("dsr4d bytes")
		require.NoError(t, vk.Upload(buf.View(100, 50), by))
		gotB := make([]byte, len(by))
		require.NoError(t, vk.Download(buf.View(100, 50), gotB))
		assert.Equal(t, by, gotB)

		assert.ErrorContains(t, vk.Upload(buf.View(1016, 16), u), "outside a 1024-byte buffer")
		assert.ErrorContains(t, vk.Download(buf.View(0, 8), gotU), "16 bytes from a 8-byte range")
		buf.Release()
		buf.Release() // twice is harmless
		assert.ErrorIs(t, vk.Upload(buf, u), vk.ErrClosed)
	}
}

func TestSubAllocation(t *testing.T) {
	d := vktest.Open(t)
	var bufs []*vk.Buffer
	for i := range 100 {
		b, err := d.NewBuffer(vk.DeviceLocal, int64(1+i*37))
		require.NoError(t, err)
		bufs = append(bufs, b)
	}
	assert.Equal(t, 1, d.Live()["memory"], "100 small buffers share one block")
	// Every buffer holds its own data: no overlap.
	for i, b := range bufs {
		data := make([]byte, b.Size())
		for j := range data {
			data[j] = byte(i)
		}
		require.NoError(t, vk.Upload(b, data))
	}
	for i, b := range bufs {
		got := make([]byte, b.Size())
		require.NoError(t, vk.Download(b, got))
		for _, x := range got {
			require.Equal(t, byte(i), x, "buffer %d was overwritten", i)
		}
	}
	big, err := d.NewBuffer(vk.DeviceLocal, 65<<20)
	require.NoError(t, err)
	assert.Equal(t, 2, d.Live()["memory"], "a buffer over the block size gets its own block")
	big.Release()
	assert.Equal(t, 1, d.Live()["memory"], "an empty extra block is freed")
	for _, b := range bufs {
		b.Release()
	}
	assert.Equal(t, 0, d.Live()["suballocation"])
}

func TestRecorderBarriers(t *testing.T) {
	d := vktest.Open(t)
	fill, err := d.KernelOf(shaders.Fill(shaders.FillSpec{LocalSizeX: 64}))
	require.NoError(t, err)
	cp, err := d.KernelOf(shaders.Copy(shaders.CopySpec{LocalSizeX: 64}))
	require.NoError(t, err)
	again, err := d.KernelOf(shaders.Copy(shaders.CopySpec{LocalSizeX: 64}))
	require.NoError(t, err)
	assert.Same(t, cp, again, "kernels are cached by name and spec")

	buf, err := d.NewBuffer(vk.DeviceLocal, 4096)
	require.NoError(t, err)
	defer buf.Release()
	x, y, z := buf.View(0, 1024), buf.View(1024, 1024), buf.View(2048, 1024)
	r, err := d.NewRecorder()
	require.NoError(t, err)
	defer r.Release()
	one := [3]int{4, 1, 1}

	r.Dispatch(fill, one, []uint32{256, vk.F32(1)}, x)
	r.Dispatch(fill, one, []uint32{256, vk.F32(2)}, y) // disjoint: no barrier
	assert.Equal(t, 0, r.Stats().Barriers)
	r.Dispatch(cp, one, []uint32{256}, x, z) // reads x (written): barrier
	assert.Equal(t, 1, r.Stats().Barriers)
	r.Dispatch(fill, one, []uint32{256, vk.F32(3)}, x) // writes x, which the copy reads: barrier
	assert.Equal(t, 2, r.Stats().Barriers)
	r.Dispatch(cp, one, []uint32{256}, y, buf.View(3072, 1024)) // y was synchronised by the last barrier
	assert.Equal(t, 2, r.Stats().Barriers)
	require.NoError(t, r.Submit())
	assert.Equal(t, 3, r.Stats().Barriers, "plus the host-read barrier")

	got := make([]float32, 1024)
	require.NoError(t, vk.Download(buf, got))
	for i, want := range []float32{3, 2, 1, 2} {
		assert.Equal(t, want, got[i*256], "quarter %d", i)
		assert.Equal(t, want, got[i*256+255], "quarter %d", i)
	}
}

func TestConcurrentRecorders(t *testing.T) {
	d := vktest.Open(t)
	fill, err := d.KernelOf(shaders.Fill(shaders.FillSpec{LocalSizeX: 64}))
	require.NoError(t, err)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for g := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf, err := d.NewBuffer(vk.DeviceLocal, 4096)
			if err != nil {
				errs[g] = err
				return
			}
			defer buf.Release()
			r, err := d.NewRecorder()
			if err != nil {
				errs[g] = err
				return
			}
			defer r.Release()
			for i := range 20 {
				r.Dispatch(fill, [3]int{16, 1, 1}, []uint32{1024, vk.F32(float32(g*100 + i))}, buf)
				if err := r.Submit(); err != nil {
					errs[g] = err
					return
				}
				got := make([]float32, 1)
				if err := vk.Download(buf.View(4092, 4), got); err != nil || got[0] != float32(g*100+i) {
					errs[g] = fmt.Errorf("goroutine %d step %d: got %v, %v", g, i, got, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		assert.NoError(t, err)
	}
}

func TestPipelineCacheOnDisk(t *testing.T) {
	vktest.Open(t)
	dir := t.TempDir()
	d, err := vk.Open(vk.Options{CacheDir: dir})
	require.NoError(t, err)
	_, err = d.KernelOf(shaders.Matmul(shaders.MatmulSpec{}))
	require.NoError(t, err)
	info := d.Info()
	require.NoError(t, d.Close())
	path := filepath.Join(dir, fmt.Sprintf("pipelines-%04x-%04x.bin", info.VendorID, info.DeviceID))
	data, err := os.ReadFile(path)
	require.NoError(t, err, "Close saves the pipeline cache")
	require.GreaterOrEqual(t, len(data), 32, "at least the header")

	// A cache from another device (a header that does not match) is ignored, not fed to the driver.
	data[16] ^= 0xff
	require.NoError(t, os.WriteFile(path, data, 0o644))
	d, err = vk.Open(vk.Options{CacheDir: dir, Validate: true})
	require.NoError(t, err)
	_, err = d.KernelOf(shaders.Matmul(shaders.MatmulSpec{}))
	require.NoError(t, err)
	assert.Zero(t, d.Messages().Total())
	require.NoError(t, d.Close())
}

func TestClosedDevice(t *testing.T) {
	vktest.Open(t)
	d, err := vk.Open(vk.Options{CacheDir: "off"})
	require.NoError(t, err)
	buf, err := d.NewBuffer(vk.DeviceLocal, 64)
	require.NoError(t, err)
	r, err := d.NewRecorder()
	require.NoError(t, err)
	_, err = d.KernelOf(shaders.Fill(shaders.FillSpec{}))
	require.NoError(t, err)
	require.NoError(t, d.Close()) // releases the buffer, recorder and kernel still held
	for kind, n := range d.Live() {
		assert.Zero(t, n, kind)
	}
	require.NoError(t, d.Close(), "Close is idempotent")
	_, err = d.NewBuffer(vk.DeviceLocal, 64)
	assert.ErrorIs(t, err, vk.ErrClosed)
	r.Fill(buf, 0)
	assert.ErrorIs(t, r.Submit(), vk.ErrClosed)
	buf.Release()
	r.Release()
}
