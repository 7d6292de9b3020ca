//go:build !amd64

package kern

const haveAVX2 = false

var kernel = kernelGo

func kernels() map[string]func(k int, a, b, c *float32, ldc int, load bool) {
	return map[string]func(k int, a, b, c *float32, ldc int, load bool){"go": kernelGo}
}

func widenBF16(dst *float32, src *uint16, n int) { panic("unreachable") }
func widenF16(dst *float32, src *uint16, n int)  { panic("unreachable") }

// PeakFMA has no vector FMA loop on this architecture and returns 0.
func PeakFMA(n int) float64 { return 0 }
