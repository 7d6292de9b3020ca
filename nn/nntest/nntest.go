// Package nntest holds what the tests of nn's models share: every backend to compare (the float64
// reference, the CPU backend and Vulkan on the test device) and their error measure.
package nntest

import (
	"testing"

	"github.com/dsr4d/dsr4d/nn"
	"github.com/dsr4d/dsr4d/vk/ops"
	"github.com/dsr4d/dsr4d/vk/vktest"
)

// Backends returns the reference, CPU and Vulkan backends; Vulkan is on vktest's device (which
// fails the test under CI without one) and is closed when the test ends.
func Backends(t testing.TB) []nn.Backend {
	d := vktest.Open(t)
	g, err := nn.NewVulkan(d)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := g.Close(); err != nil {
			t.Error(err)
		}
	})
	return []nn.Backend{nn.NewRef(), nn.NewCPU(), g}
}

// NMSE is the normalised mean squared error of got against want (vk/ops.NMSE).
func NMSE(got, want []float32) float64 {
	w := make([]float64, len(want))
	for i, v := range want {
		w[i] = float64(v)
	}
	return ops.NMSE(got, w)
}
