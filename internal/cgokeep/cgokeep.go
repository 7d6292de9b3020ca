package cgokeep

import (
	"runtime/debug"
	"sync"
)

var state struct {
	sync.Mutex
	depth int
	saved int
}

// Do calls f with garbage collection held off.
func Do(f func()) {
	defer Hold()()
	f()
}

// Hold holds garbage collection off until the returned function is called:
// `defer cgokeep.Hold()()` covers the rest of a function.
func Hold() (release func()) {
	hold()
	return release_
}

func hold() {
	state.Lock()
	defer state.Unlock()
	if state.depth == 0 {
		state.saved = debug.SetGCPercent(-1)
	}
	state.depth++
}

func release_() {
	state.Lock()
	defer state.Unlock()
	state.depth--
	if state.depth == 0 {
		debug.SetGCPercent(state.saved)
	}
}
