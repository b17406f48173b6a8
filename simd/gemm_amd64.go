//go:build amd64 && !purego

package simd

// Declarations of the GEMM micro-kernels in gemm_amd64.s (contract: see impl.gemmKernel).

//go:noescape
func sgemmKernel6x16AVX2(k int, a, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func sgemmKernel14x32AVX512(k int, a, b, c *float32, ldc int, alpha, beta float32)

//go:noescape
func sgemmKernel8of14x32AVX512(k int, a, b, c *float32, ldc int, alpha, beta float32)

// The Mask variants update only the C columns whose bit is set in mask (bit j: column j),
// for tiles at the right edge of C.

//go:noescape
func sgemmKernel14x32MaskAVX512(k int, a, b, c *float32, ldc int, alpha, beta float32, mask uint32)

//go:noescape
func sgemmKernel8of14x32MaskAVX512(k int, a, b, c *float32, ldc int, alpha, beta float32, mask uint32)
