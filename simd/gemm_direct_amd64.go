//go:build amd64 && !purego

package simd

// Declaration of the direct-B GEMM micro-kernel in gemm_direct_amd64.s (contract: see
// directKernels.direct).

//go:noescape
func sgemmKernel14x32DirectAVX512(k int, a, b *float32, ldb int, c *float32, ldc int, alpha, beta float32, bp *float32)

// avx512Direct is the direct-B path of avx512Impl: the in-place kernel for the first A
// panel of each B panel, the packed kernels of avx512Impl for the others.
var avx512Direct = &directKernels{
	im:         avx512Impl,
	direct:     sgemmKernel14x32DirectAVX512,
	packed:     sgemmKernel14x32AVX512,
	short:      sgemmKernel8of14x32AVX512,
	shortRows:  8,
	mask:       sgemmKernel14x32MaskAVX512,
	shortMask:  sgemmKernel8of14x32MaskAVX512,
	packEdge:   packAVX512,
	directName: "avx512",
}

// directKernelsFor returns the direct-B kernels of path im, or nil where it has none.
func directKernelsFor(im *impl) *directKernels {
	if im == avx512Impl {
		return avx512Direct
	}
	return nil
}
