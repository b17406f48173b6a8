//go:build !amd64 || purego

package simd

// peakLoop returns the portable loop: on other architectures the figure is what pure
// Go reaches, not the hardware's vector peak.
func peakLoop() (loop func(n int), name string, flopsPerIter float64) {
	return fmaLoopGeneric, "generic", genericFlopsPerIter
}
