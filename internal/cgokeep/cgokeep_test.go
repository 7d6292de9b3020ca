package cgokeep

import (
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"testing"
)

// TestDoHoldsOffFinalizers registers a finalizer on an unreachable object inside Do, forces
// allocation pressure, and checks that it has not run before Do returns but can run after.
func TestDoHoldsOffFinalizers(t *testing.T) {
	var ran atomic.Bool
	Do(func() {
		x := new([64]byte)
		runtime.SetFinalizer(x, func(*[64]byte) { ran.Store(true) })
		x = nil
		for range 200 {
			_ = make([]byte, 1<<20) // would trigger several GC cycles with GC on
		}
		runtime.Gosched()
		if ran.Load() {
			t.Fatal("a finalizer ran inside Do")
		}
	})
	for i := 0; i < 10 && !ran.Load(); i++ {
		runtime.GC()
		runtime.Gosched()
	}
	if !ran.Load() {
		t.Error("the finalizer never ran after Do")
	}
}

func TestNestedAndConcurrent(t *testing.T) {
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			Do(func() { Do(func() {}) })
		}()
	}
	wg.Wait()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GC percent after Do = %d, want 100 restored", got)
	}
}
