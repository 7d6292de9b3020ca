package vk_test

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dsr4d/dsr4d/shaders"
	"github.com/dsr4d/dsr4d/vk"
	"github.com/dsr4d/dsr4d/vk/vktest"
)

// TestOwnershipUnderGCStress proves that every Vulkan call owns the C memory it passes for the
// whole call: it creates pipelines, records dispatches, copies and fills, and submits in a loop
// with GOGC=1, a small memory limit and a goroutine collecting continuously, and checks every
// result. vulkan-go's generated helpers free the C copies of slices from finalizers; before vk
// built those structures itself, this test crashed (SIGSEGV in vkCreateComputePipelines or
// vkQueueSubmit) or read back wrong values within a few hundred calls.
func TestOwnershipUnderGCStress(t *testing.T) {
	d := vktest.Open(t)
	calls := 2000
	if testing.Short() {
		calls = 400
	}
	if s := os.Getenv("DSR4D_STRESS_CALLS"); s != "" {
		fmt.Sscan(s, &calls)
	}
	defer debug.SetGCPercent(debug.SetGCPercent(1))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(16 << 20))
	var stop atomic.Bool
	var bg sync.WaitGroup
	bg.Add(2)
	go func() { // a collector that never rests
		defer bg.Done()
		for !stop.Load() {
			runtime.GC()
		}
	}()
	go func() { // garbage, so that the pacer starts cycles of its own too
		defer bg.Done()
		var sink [][]byte
		for !stop.Load() {
			sink = append(sink, make([]byte, 32<<10))
			if len(sink) > 32 {
				sink = sink[:0]
			}
			runtime.Gosched()
		}
	}()
	defer func() { stop.Store(true); bg.Wait() }()

	const n = 256
	src, err := d.NewBuffer(vk.DeviceLocal, 4*n)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Release()
	dst, err := d.NewBuffer(vk.DeviceLocal, 4*n)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Release()
	r, err := d.NewRecorder()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	cp, err := d.KernelOf(shaders.Copy(shaders.CopySpec{LocalSizeX: 64}))
	if err != nil {
		t.Fatal(err)
	}
	got := make([]float32, n)
	start := time.Now()
	made, done := 0, 0
	for i := 0; done < calls; i++ {
		// A fresh specialisation every 4th round: a new vkCreateComputePipelines.
		wg := uint32(1 + i/4%128)
		fill, err := d.KernelOf(shaders.Fill(shaders.FillSpec{LocalSizeX: wg}))
		if err != nil {
			t.Fatal(err)
		}
		if i%4 == 0 {
			made++
			done++
		}
		val := float32(i)
		r.Dispatch(fill, [3]int{(n + int(wg) - 1) / int(wg), 1, 1}, []uint32{n, vk.F32(val)}, src)
		r.Dispatch(cp, [3]int{n / 64, 1, 1}, []uint32{n / 2}, src.View(0, 2*n), dst.View(0, 2*n))
		r.Copy(dst.View(2*n, 2*n), src.View(2*n, 2*n))
		if err := r.Submit(); err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		if err := vk.Download(dst, got); err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		for j, v := range got {
			if v != val {
				t.Fatalf("round %d: got[%d] = %v, want %v", i, j, v, val)
			}
		}
		done += 5 // 2 dispatches (descriptor writes), 1 copy, 1 submit, 1 download
	}
	t.Logf("%d calls (%d kernel lookups, %d pipeline builds) in %v", done, made, min(made, 128), time.Since(start))
}
