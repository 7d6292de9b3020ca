package vk_test

import (
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/dsr4d/dsr4d/vk"
	"github.com/dsr4d/dsr4d/vk/vktest"
)

// TestKernelsUnderGCPressure builds pipelines and records dispatches while another goroutine
// keeps the garbage collector busy: vulkan-go's finalizers would free the C copies of the create
// infos mid-call without internal/cgokeep (seen as SIGSEGV in vkCreateComputePipelines).
func TestKernelsUnderGCPressure(t *testing.T) {
	d := vktest.Open(t)
	defer debug.SetGCPercent(debug.SetGCPercent(5))
	var stop atomic.Bool
	var churn sync.WaitGroup
	churn.Add(1)
	go func() {
		defer churn.Done()
		var sink [][]byte
		for !stop.Load() {
			sink = append(sink, make([]byte, 64<<10))
			if len(sink) > 64 {
				sink = sink[:0]
			}
			runtime.Gosched()
		}
	}()
	defer func() { stop.Store(true); churn.Wait() }()

	buf, err := d.NewBuffer(vk.DeviceLocal, 4096)
	if err != nil {
		t.Fatal(err)
	}
	defer buf.Release()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := d.NewRecorder()
			if err != nil {
				errs <- err
				return
			}
			defer r.Release()
			for i := range 6 {
				// Distinct specialisations: each is a fresh pipeline compile.
				k, err := d.Kernel("matmul", vk.Spec{"TM": uint32(1 + g), "TN": uint32(1 + i)})
				if err != nil {
					errs <- err
					return
				}
				_ = k
				fill, err := d.Kernel("fill", vk.Spec{"local_size_x": uint32(8 * (1 + i))})
				if err != nil {
					errs <- err
					return
				}
				r.Dispatch(fill, [3]int{1, 1, 1}, []uint32{16, vk.F32(1)}, buf.View(int64(g)*1024, 1024))
				if err := r.Submit(); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
