package vk_test

import (
	"fmt"

	"github.com/dsr4d/dsr4d/shaders"
	"github.com/dsr4d/dsr4d/vk"
)

// Open a device, fill a buffer with a typed kernel, double it with a copy and a scale in one
// batch (the Recorder puts the barriers in), and read the result back.
func Example() {
	d, err := vk.Open(vk.Options{CacheDir: "off"})
	if err != nil {
		fmt.Println(err) // vk: no Vulkan device: … (and what to install)
		return
	}
	defer d.Close()

	const n = 8
	buf, err := d.NewBuffer(vk.DeviceLocal, 2*4*n)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer buf.Release()
	a, b := buf.View(0, 4*n), buf.View(4*n, 4*n)

	// A misspelt constant (FillSpec{LocalSize: 64}) would not compile; PER takes its default.
	fill, err := d.KernelOf(shaders.Fill(shaders.FillSpec{LocalSizeX: 64}))
	if err != nil {
		fmt.Println(err)
		return
	}
	scale, err := d.KernelOf(shaders.Elementwise(shaders.ElementwiseSpec{LocalSizeX: 64, OP: shaders.ElementwiseScale}))
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := d.NewRecorder()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Release()
	r.Dispatch(fill, [3]int{1, 1, 1}, []uint32{n, vk.F32(1.5)}, a)
	r.Copy(b, a)
	r.Dispatch(scale, [3]int{1, 1, 1}, []uint32{n, 1, 0, vk.F32(2)}, vk.Texels(b, vk.R32F), vk.Texels(b, vk.R32F), a)
	if err := r.Submit(); err != nil {
		fmt.Println(err)
		return
	}
	out := make([]float32, n)
	if err := vk.Download(a, out); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out, r.Stats().Dispatches, "dispatches")
	// Output: [3 3 3 3 3 3 3 3] 2 dispatches
}
