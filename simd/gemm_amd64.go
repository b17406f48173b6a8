//go:build amd64 && !purego

package simd

// Declarations of the GEMM micro-kernels in gemm_amd64.s (contract: see impl.gemmKernel).

//go:noescape
func sgemmKernel6x16AVX2(k int, a, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func sgemmKernel14x32AVX512(k int, a, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func sgemmKernel8of14x32AVX512(k int, a, b, c *float32, ldc int, alpha, beta float32)
