package simd

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkVec: the vector kernels per path on 16 Ki elements (L1/L2-resident, so the
// figure is the kernel's throughput, not memory's), in elements per nanosecond.
func BenchmarkVec(b *testing.B) {
	const n = 16 << 10
	r := rand.New(rand.NewPCG(71, 72))
	x, y, dst := randSlice(r, n), randSlice(r, n), make([]float32, n)
	var sink float32
	for _, im := range impls {
		ops := []struct {
			name string
			f    func()
		}{
			{"dot", func() { sink += im.dot(x, y) }},
			{"sum", func() { sink += im.sum(x) }},
			{"max", func() { sink += im.max(x) }},
			{"axpy", func() { im.axpy(1e-3, x, dst) }},
			{"add", func() { im.add(dst, x, y) }},
			{"mul", func() { im.mul(dst, x, y) }},
			{"exp", func() { im.exp(dst, x) }},
			{"sigmoid", func() { im.sigmoid(dst, x) }},
			{"gelu", func() { im.gelu(dst, x) }},
			{"elu", func() { im.elu(dst, x) }},
		}
		for _, op := range ops {
			b.Run(fmt.Sprintf("%s/%s", op.name, im.name), func(b *testing.B) {
				for b.Loop() {
					op.f()
				}
				b.ReportMetric(float64(n)*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "elem/ns")
			})
		}
	}
	_ = sink
}
