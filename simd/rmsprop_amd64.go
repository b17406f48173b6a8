//go:build amd64 && !purego

package simd

// Declaration for rmsprop_amd64.s; RMSpropStep passes a multiple of 8 elements and has
// checked the lengths.

//go:noescape
func rmspropAVX2(p, g, sq []float32, wd, oneMinus, alpha, eps, negLR float32)

func init() {
	// Zen 4 runs zmm as two ymm halves and the update is memory-bound: one AVX2 kernel
	// serves both vector paths.
	rmspropImpls["avx2"] = rmspropAVX2
	rmspropImpls["avx512"] = rmspropAVX2
}
