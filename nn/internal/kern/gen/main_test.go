package main

import (
	"bytes"
	"os"
	"testing"
)

// TestAssemblyIsCurrent fails when ../gemm_amd64.s differs from what this generator writes
// (run go generate ./nn/internal/kern/ after editing it).
func TestAssemblyIsCurrent(t *testing.T) {
	have, err := os.ReadFile("../gemm_amd64.s")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(have, generate()) {
		t.Error("nn/internal/kern/gemm_amd64.s is stale: run go generate ./nn/internal/kern/")
	}
}
