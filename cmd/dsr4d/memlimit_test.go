package main

import "testing"

func TestAvailableMemory(t *testing.T) {
	n := availableMemory()
	if n < 64<<20 || n > 1<<50 {
		t.Fatalf("availableMemory = %d bytes: not a machine's memory", n)
	}
}
