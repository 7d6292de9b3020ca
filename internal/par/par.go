// Package par runs the iterations of a loop on several goroutines: the one worker pool the
// CPU paths (GEMM blocks, per-frame centres, per-object registration) share.
package par

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// For calls f(0) … f(n−1), each once, on up to workers goroutines (GOMAXPROCS when
// workers ≤ 0), the calling one included, and returns when all have returned. Iterations
// are handed out one at a time, so uneven ones balance.
func For(n, workers int, f func(i int)) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, n)
	var next atomic.Int64
	run := func() {
		for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
			f(i)
		}
	}
	var wg sync.WaitGroup
	for w := 1; w < workers; w++ {
		wg.Go(run)
	}
	run()
	wg.Wait()
}
