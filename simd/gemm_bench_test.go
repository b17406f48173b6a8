package simd

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// Benchmark shapes (m, n, k). "conv" is the im2col product of a 3x3 conv 512->512 on a
// 64x64 map: M = 512 output channels, K = 512*9 = 4608, N = 64*64 = 4096 pixels (the
// 4096x512x4608 of PEERS.md, flops 2*M*N*K either way).
var benchShapes = []struct {
	name    string
	m, n, k int
}{
	{"256", 256, 256, 256},
	{"512", 512, 512, 512},
	{"1024", 1024, 1024, 1024},
	{"2048", 2048, 2048, 2048},
	{"conv512x4096x4608", 512, 4096, 4608},
}

func benchOperands(m, n, k int) (a, b, c []float32) {
	r := rand.New(rand.NewPCG(1, 1))
	return randSlice(r, m*k), randSlice(r, k*n), make([]float32, m*n)
}

func reportGflops(b *testing.B, m, n, k int) {
	b.ReportMetric(2*float64(m)*float64(n)*float64(k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkSgemm: each path, 1 and 2 threads (threads = goroutines one call uses).
func BenchmarkSgemm(b *testing.B) {
	for _, s := range benchShapes {
		a, bm, c := benchOperands(s.m, s.n, s.k)
		for _, im := range impls {
			for _, th := range []int{1, 2} {
				if th > runtime.GOMAXPROCS(0) {
					continue
				}
				b.Run(fmt.Sprintf("%s/%s/t%d", s.name, im.name, th), func(b *testing.B) {
					if im == genericImpl && s.m*s.n*s.k > 1<<30 {
						b.Skip("generic path too slow for this size")
					}
					old := SetThreads(th)
					defer SetThreads(old)
					for b.Loop() {
						sgemm(im, false, false, s.m, s.n, s.k, 1, a, s.k, bm, s.n, 0, c, s.n)
					}
					reportGflops(b, s.m, s.n, s.k)
				})
			}
		}
	}
}

// BenchmarkGonumSgemm is gonum's pure-Go Sgemm on the same shapes. gonum parallelises
// over GOMAXPROCS; t1 runs it with GOMAXPROCS=1.
func BenchmarkGonumSgemm(b *testing.B) {
	var impl gonum.Implementation
	for _, s := range benchShapes {
		a, bm, c := benchOperands(s.m, s.n, s.k)
		for _, th := range []int{1, 2} {
			if th > runtime.NumCPU() {
				continue
			}
			b.Run(fmt.Sprintf("%s/t%d", s.name, th), func(b *testing.B) {
				old := runtime.GOMAXPROCS(th)
				defer runtime.GOMAXPROCS(old)
				for b.Loop() {
					impl.Sgemm(blas.NoTrans, blas.NoTrans, s.m, s.n, s.k, 1, a, s.k, bm, s.n, 0, c, s.n)
				}
				reportGflops(b, s.m, s.n, s.k)
			})
		}
	}
}

// BenchmarkSgemmSmall: shapes where packing and pool overheads matter (matrix-vector,
// tiny tiles, a 1x1-conv-like product), on the active path and the generic one.
func BenchmarkSgemmSmall(b *testing.B) {
	for _, s := range []struct {
		name    string
		m, n, k int
	}{{"16", 16, 16, 16}, {"64", 64, 64, 64}, {"gemv1x512x512", 1, 512, 512}, {"512x1x512", 512, 1, 512}, {"64x4096x27", 64, 4096, 27}} {
		a, bm, c := benchOperands(s.m, s.n, s.k)
		for _, im := range []*impl{active, genericImpl} {
			b.Run(s.name+"/"+im.name, func(b *testing.B) {
				for b.Loop() {
					sgemm(im, false, false, s.m, s.n, s.k, 1, a, s.k, bm, s.n, 0, c, s.n)
				}
				reportGflops(b, s.m, s.n, s.k)
			})
		}
	}
}

// BenchmarkSgemmConvShapes: the three products of a 3x3 conv 64->64 on a 128x128 map
// as ops/conv.go issues them (forward, weight gradient with op(B) transposed, input
// gradient with op(A) transposed), 2 threads, active path.
func BenchmarkSgemmConvShapes(b *testing.B) {
	const co, kk, px = 64, 576, 128 * 128
	for _, s := range []struct {
		name          string
		tA, tB        bool
		m, n, k       int
		lda, ldb, ldc int
	}{
		{"fwd", false, false, co, px, kk, kk, px, px},
		{"dW", false, true, co, kk, px, px, px, kk},
		{"dX", true, false, kk, px, co, kk, px, px},
	} {
		a, bm, c := benchOperands(s.m, s.n, s.k) // m*k, k*n, m*n: the sizes do not depend on the transposes
		b.Run(s.name, func(b *testing.B) {
			for b.Loop() {
				Sgemm(s.tA, s.tB, s.m, s.n, s.k, 1, a, s.lda, bm, s.ldb, 0, c, s.ldc)
			}
			reportGflops(b, s.m, s.n, s.k)
		})
	}
}
