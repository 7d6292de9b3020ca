package par

import (
	"sync/atomic"
	"testing"
)

// Every index runs exactly once, for any worker count, including more workers than
// iterations and none at all.
func TestFor(t *testing.T) {
	for _, tc := range []struct{ n, workers int }{{0, 4}, {1, 0}, {7, 3}, {100, 0}, {5, 64}} {
		counts := make([]atomic.Int32, tc.n)
		For(tc.n, tc.workers, func(i int) { counts[i].Add(1) })
		for i := range counts {
			if c := counts[i].Load(); c != 1 {
				t.Errorf("n=%d workers=%d: index %d ran %d times", tc.n, tc.workers, i, c)
			}
		}
	}
}
