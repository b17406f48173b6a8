//go:build amd64 && !purego

package simd

// Declaration for chanstats_amd64.s; ChanStatsStep passes a multiple of 8 elements and
// has checked the lengths.

//go:noescape
func chanStatsAVX2(sum []float64, mx []float32, arg []int32, x []float32, k int32)

func init() {
	// The step is load/store-bound (20 bytes per element); ymm suffices on both paths.
	chanStatsImpls["avx2"] = chanStatsAVX2
	chanStatsImpls["avx512"] = chanStatsAVX2
}
