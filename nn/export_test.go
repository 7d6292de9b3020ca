package nn

// SetWidenChunk makes nn_widen convert n elements per dispatch until the returned func runs.
func SetWidenChunk(n int) (restore func()) {
	old := widenChunk
	widenChunk = n
	return func() { widenChunk = old }
}
