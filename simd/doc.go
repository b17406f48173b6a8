// Package simd holds the float32 compute kernels everything else stands on: SGEMM with
// packing and cache blocking, vector kernels (dot, axpy, scale, elementwise, reductions,
// fast activations), CPU feature dispatch and the shared worker pool.
//
// Each kernel has a Go assembly version for amd64 (AVX-512 and AVX2+FMA) and a pure-Go
// twin; the path is chosen once at start-up from the CPU's features and can be forced
// with HALO_SIMD=generic|avx2|avx512.
package simd
