//go:build !amd64

package kern

const haveAVX2 = false

var kernel = goKernel

func kernels() []microKernel { return []microKernel{goKernel} }

func widenBF16(dst *float32, src *uint16, n int) { panic("unreachable") }
func widenF16(dst *float32, src *uint16, n int)  { panic("unreachable") }

// PeakFMA has no vector FMA loop on this architecture and returns 0.
func PeakFMA(n int) float64 { return 0 }
