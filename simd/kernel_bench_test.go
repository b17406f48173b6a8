package simd

import (
	"fmt"
	"testing"
)

// BenchmarkGemmKernel runs one micro-kernel on L1-resident panels: the ceiling the
// blocked driver can reach.
func BenchmarkGemmKernel(b *testing.B) {
	for _, im := range impls {
		for _, kc := range []int{128, 256, 384} {
			b.Run(fmt.Sprintf("%s/kc%d", im.name, kc), func(b *testing.B) {
				a := make([]float32, im.mr*kc)
				bp := make([]float32, im.nr*kc)
				c := make([]float32, im.mr*im.nr)
				for i := range a {
					a[i] = 1e-3
				}
				for i := range bp {
					bp[i] = 1e-3
				}
				for b.Loop() {
					im.gemmKernel(kc, &a[0], &bp[0], &c[0], im.nr, 1, 1)
				}
				b.ReportMetric(2*float64(im.mr*im.nr*kc)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
