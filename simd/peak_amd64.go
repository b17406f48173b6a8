//go:build amd64 && !purego

package simd

import "github.com/klauspost/cpuid/v2"

// FMA throughput loops in peak_amd64.s: n iterations of 12 independent FMAs.

//go:noescape
func fmaLoopAVX2(n int)

//go:noescape
func fmaLoopAVX512(n int)

// peakLoop returns the widest FMA loop this CPU runs, its name and the FLOPs of one
// iteration, or nil when it has no FMA (the portable loop is used then).
func peakLoop() (loop func(n int), name string, flopsPerIter float64) {
	switch {
	case cpuid.CPU.Supports(cpuid.AVX512F, cpuid.AVX2, cpuid.FMA3):
		return fmaLoopAVX512, "avx512 fma", 12 * 16 * 2
	case cpuid.CPU.Supports(cpuid.AVX, cpuid.AVX2, cpuid.FMA3):
		return fmaLoopAVX2, "avx2 fma", 12 * 8 * 2
	}
	return fmaLoopGeneric, "generic", genericFlopsPerIter
}
