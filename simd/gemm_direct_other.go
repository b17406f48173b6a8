//go:build !amd64 || purego

package simd

// directKernelsFor: without the amd64 assembly no path has direct-B kernels, and
// SgemmSerialDirectB is SgemmSerial.
func directKernelsFor(im *impl) *directKernels { return nil }
