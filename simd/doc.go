// Package simd holds the float32 compute kernels everything else stands on: SGEMM with
// packing and cache blocking, vector kernels (dot, axpy, scale, elementwise, reductions,
// fast activations), CPU feature dispatch, the shared worker pool (ParallelFor: every
// parallel op in the engine runs on it, in many small chunks, so a core taken by
// another process slows a step instead of stalling it) and the float32 buffer pool
// (GetBuf, PutBuf: exact-length buckets, capped at HALO_BUFPOOL_MB or a third of RAM).
//
// Each kernel has a Go assembly version for amd64 (AVX-512 and AVX2+FMA) and a pure-Go
// twin; the path is chosen once at start-up from the CPU's features and can be forced
// with HALO_SIMD=generic|avx2|avx512.
package simd
