package vk_test

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsr4d/dsr4d/shaders"
	"github.com/dsr4d/dsr4d/vk"
	"github.com/dsr4d/dsr4d/vk/vktest"
)

func TestFillAndCopy(t *testing.T) {
	d := vktest.Open(t)
	const n = 1000
	a, err := d.NewBuffer(vk.DeviceLocal, 4*n)
	require.NoError(t, err)
	defer a.Release()
	b, err := d.NewBuffer(vk.DeviceLocal, 4*n+256)
	require.NoError(t, err)
	defer b.Release()
	fill, err := d.KernelOf(shaders.Fill(shaders.FillSpec{LocalSizeX: 64}))
	require.NoError(t, err)
	cp, err := d.KernelOf(shaders.Copy(shaders.CopySpec{LocalSizeX: 64}))
	require.NoError(t, err)

	r, err := d.NewRecorder()
	require.NoError(t, err)
	defer r.Release()
	groups := [3]int{(n + 63) / 64, 1, 1}
	r.Dispatch(fill, groups, []uint32{n, vk.F32(2.5)}, a)
	dst := b.View(256, 4*n)
	r.Dispatch(cp, groups, []uint32{n}, a, dst) // reads what fill wrote: one barrier
	require.NoError(t, r.Submit())
	assert.Equal(t, 1, r.Stats().Barriers-1, "one hazard barrier plus the host-read barrier")

	got := make([]float32, n)
	require.NoError(t, vk.Download(dst, got))
	for i, v := range got {
		if v != 2.5 {
			t.Fatalf("got[%d] = %v, want 2.5", i, v)
		}
	}
}

func TestDispatchErrors(t *testing.T) {
	d := vktest.Open(t)
	buf, err := d.NewBuffer(vk.DeviceLocal, 64)
	require.NoError(t, err)
	defer buf.Release()
	fill, err := d.KernelOf(shaders.Fill(shaders.FillSpec{}))
	require.NoError(t, err)

	r, err := d.NewRecorder()
	require.NoError(t, err)
	defer r.Release()
	r.Dispatch(fill, [3]int{1, 1, 1}, []uint32{1}, buf) // fill takes 8 bytes of push constants
	r.Dispatch(fill, [3]int{1, 1, 1}, []uint32{1, 2}, buf)
	err = r.Submit()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "4 bytes of push constants, kernel declares 8")
	assert.Equal(t, 0, r.Stats().Dispatches, "the first error sticks")

	r.Dispatch(fill, [3]int{1, 1, 1}, []uint32{1, 2}, buf, buf)
	assert.ErrorContains(t, r.Submit(), "2 buffers, kernel has 1 bindings")

	r.Dispatch(fill, [3]int{1, 1, 1}, []uint32{1, 2}, buf.View(4, 32))
	assert.ErrorContains(t, r.Submit(), "minStorageBufferOffsetAlignment")

	_, err = d.NewBuffer(vk.DeviceLocal, 0)
	assert.Error(t, err)
	_, err = d.NewBuffer(vk.DeviceLocal, 1<<50)
	assert.True(t, errors.Is(err, vk.ErrOutOfDeviceMemory), "huge buffer: %v", err)
	assert.Equal(t, 1, strings.Count(err.Error(), "vk: "), "one prefix per layer: %v", err)
}

func TestUnknownDevice(t *testing.T) {
	_, err := vk.Open(vk.Options{Device: "no-such-gpu-xyz"})
	if err == nil {
		t.Fatal("Open with an unknown device succeeded")
	}
	if !errors.Is(err, vk.ErrNoDevice) || !strings.Contains(err.Error(), "devices:") {
		t.Errorf("err = %v, want ErrNoDevice listing the devices", err)
	}
}

// TestTypedKernels checks that the same specialisation shares one pipeline, that a zero field
// takes the GLSL default, and that concurrent requests for kernels (some the same) all succeed
// with one pipeline per variant.
func TestTypedKernels(t *testing.T) {
	d := vktest.Open(t)
	typed, err := d.KernelOf(shaders.Fill(shaders.FillSpec{LocalSizeX: 32}))
	require.NoError(t, err)
	explicit, err := d.KernelOf(shaders.Fill(shaders.FillSpec{LocalSizeX: 32, PER: 1}))
	require.NoError(t, err)
	assert.Same(t, typed, explicit)
	assert.Equal(t, uint32(1), typed.Value("PER"), "a zero field takes the GLSL default")

	got := make([]*vk.Kernel, 16)
	var wg sync.WaitGroup
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, err := d.KernelOf(shaders.Copy(shaders.CopySpec{LocalSizeX: uint32(8 << (i % 4))}))
			assert.NoError(t, err)
			got[i] = k
		}()
	}
	wg.Wait()
	for i := range got {
		assert.Same(t, got[i%4], got[i], "one pipeline per variant")
	}
	assert.Equal(t, 4+1, d.Live()["pipeline"])
}

// TestCompileOutsideDeviceLock holds two pipeline builds at their start and checks that,
// meanwhile, both have begun (they build concurrently) and the device still allocates, records
// and submits with a kernel it already has.
func TestCompileOutsideDeviceLock(t *testing.T) {
	d := vktest.Open(t)
	cp, err := d.KernelOf(shaders.Copy(shaders.CopySpec{LocalSizeX: 64}))
	require.NoError(t, err)
	started, release := make(chan string, 2), make(chan struct{})
	vk.SetBuildHook(func(name string) { started <- name; <-release })
	defer vk.SetBuildHook(nil)
	var wg sync.WaitGroup
	for _, tm := range []uint32{2, 3} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := d.KernelOf(shaders.Matmul(shaders.MatmulSpec{LocalSizeX: 16, TM: tm, TN: 2}))
			assert.NoError(t, err)
		}()
	}
	<-started
	<-started // both builds are in progress at once
	buf, err := d.NewBuffer(vk.DeviceLocal, 1024)
	require.NoError(t, err)
	defer buf.Release()
	r, err := d.NewRecorder()
	require.NoError(t, err)
	defer r.Release()
	r.Dispatch(cp, [3]int{1, 1, 1}, []uint32{128}, buf.View(0, 512), buf.View(512, 512))
	require.NoError(t, r.Submit(), "the device works while pipelines build")
	close(release)
	wg.Wait()
}
