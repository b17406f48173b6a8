package simd

import (
	"fmt"
	"testing"
	"time"
)

type sgemmSig = func(bool, bool, int, int, int, float32, []float32, int, []float32, int, float32, []float32, int)

// BenchmarkSgemmDirectB: the 1x1 convolutions of HALO as ops/conv_gemm.go runs them on
// one thread: Y [M, HW] = W [M, K] * X [K, HW] in items of nb columns (B and C rows HW
// apart), each a serial product; "serial" packs B (SgemmSerial), "direct" reads it in
// place (SgemmSerialDirectB); each iteration runs both, and the best times of each are
// reported with their ratio (speedup > 1: direct is faster). nb follows ops' item size: at most 2048 columns, fewer
// (down to 512) where the item's X and Y blocks would pass 2^18 floats. "dx" rows run
// dX [K, HW] = W^T dY the same way (op(A) transposed).
func BenchmarkSgemmDirectB(b *testing.B) {
	for _, s := range []struct {
		name   string
		m, k   int
		hw     int
		transA bool
	}{
		{"s1/fc1", 512, 64, 65536, false},
		{"s1/fc2", 64, 512, 65536, false},
		{"s1/proj", 64, 64, 65536, false},
		{"s1/32x64", 32, 64, 65536, false},
		{"s1/64x32", 64, 32, 65536, false},
		{"s1/dx-fc1", 64, 512, 65536, true},
		{"s2/fc1", 1024, 128, 16384, false},
		{"s2/fc2", 128, 1024, 16384, false},
		{"s2/proj", 128, 128, 16384, false},
		{"s3/fc1", 1280, 320, 4096, false},
		{"s3/fc2", 320, 1280, 4096, false},
		{"s3/proj", 320, 320, 4096, false},
	} {
		nb := max(512, min(2048, (1<<18)/(s.m+s.k)))
		a, bm, c := benchOperands(s.m, s.hw, s.k)
		lda := s.k
		if s.transA {
			lda = s.m
		}
		run := func(f sgemmSig) time.Duration {
			t0 := time.Now()
			for j := 0; j < s.hw; j += nb {
				f(s.transA, false, s.m, min(nb, s.hw-j), s.k, 1, a, lda, bm[j:], s.hw, 0, c[j:], s.hw)
			}
			return time.Since(t0)
		}
		b.Run(fmt.Sprintf("%s/%dx%dx%d/nb%d", s.name, s.m, s.hw, s.k, nb), func(b *testing.B) {
			// Alternate the two, best of each: the machine is shared, so only the
			// same-run comparison means anything.
			best := [2]time.Duration{time.Hour, time.Hour}
			for b.Loop() {
				best[0] = min(best[0], run(SgemmSerial))
				best[1] = min(best[1], run(SgemmSerialDirectB))
			}
			flop := 2 * float64(s.m) * float64(s.hw) * float64(s.k)
			b.ReportMetric(flop/best[0].Seconds()/1e9, "serial-GFLOP/s")
			b.ReportMetric(flop/best[1].Seconds()/1e9, "direct-GFLOP/s")
			b.ReportMetric(best[0].Seconds()/best[1].Seconds(), "speedup")
		})
	}
}
