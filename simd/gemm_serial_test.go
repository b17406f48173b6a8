package simd

import (
	"math/rand/v2"
	"testing"
)

// TestSgemmSerialMatchesSgemm holds SgemmSerial to Sgemm on products big enough for
// Sgemm to go parallel, all four transpose cases, beta 0 and 1, and a strided C: every
// element is accumulated in the same order on one thread as on several, so the results
// are bit-identical.
func TestSgemmSerialMatchesSgemm(t *testing.T) {
	defer SetThreads(SetThreads(2))
	rng := rand.New(rand.NewPCG(5, 7))
	fill := func(n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = 2*rng.Float32() - 1
		}
		return s
	}
	for _, sh := range [][3]int{{64, 700, 64}, {33, 129, 517}, {150, 67, 300}, {1, 300, 40}} {
		m, n, k := sh[0], sh[1], sh[2]
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				for _, beta := range []float32{0, 1} {
					a, b := fill(m*k), fill(k*n)
					lda, ldb, ldc := k, n, n+3
					if ta {
						lda = m
					}
					if tb {
						ldb = k
					}
					c0 := fill(m * ldc)
					want, got := append([]float32(nil), c0...), append([]float32(nil), c0...)
					Sgemm(ta, tb, m, n, k, 0.5, a, lda, b, ldb, beta, want, ldc)
					SgemmSerial(ta, tb, m, n, k, 0.5, a, lda, b, ldb, beta, got, ldc)
					for i := range want {
						if got[i] != want[i] {
							t.Fatalf("%dx%dx%d ta %v tb %v beta %v: c[%d] = %v, Sgemm gives %v", m, n, k, ta, tb, beta, i, got[i], want[i])
						}
					}
				}
			}
		}
	}
}
