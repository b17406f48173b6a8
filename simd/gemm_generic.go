package simd

import "unsafe"

// The pure-Go GEMM micro-kernel: the portable path and the twin the assembly kernels are
// tested against. It is compiled on every architecture (not only where there is no
// assembly) so that tests and HALO_SIMD=generic can run it on amd64 too.

const (
	genericMR = 4
	genericNR = 4
)

// sgemmKernelGeneric computes the 4x4 tile C = alpha*A*B + beta*C from packed panels
// (a[p*4+i], b[p*4+j]); C is not read when beta == 0. Sixteen scalar accumulators keep
// the tile in registers as far as the Go compiler allows.
func sgemmKernelGeneric(k int, a, b, c *float32, ldc int, alpha, beta float32) {
	as := unsafe.Slice(a, k*genericMR)
	bs := unsafe.Slice(b, k*genericNR)
	var c00, c01, c02, c03, c10, c11, c12, c13 float32
	var c20, c21, c22, c23, c30, c31, c32, c33 float32
	for len(as) >= 4 && len(bs) >= 4 {
		a0, a1, a2, a3 := as[0], as[1], as[2], as[3]
		b0, b1, b2, b3 := bs[0], bs[1], bs[2], bs[3]
		as, bs = as[4:], bs[4:]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	cs := unsafe.Slice(c, 3*ldc+4)
	store4(cs[0:4:4], alpha, beta, c00, c01, c02, c03)
	store4(cs[ldc:ldc+4:ldc+4], alpha, beta, c10, c11, c12, c13)
	store4(cs[2*ldc:2*ldc+4:2*ldc+4], alpha, beta, c20, c21, c22, c23)
	store4(cs[3*ldc:3*ldc+4:3*ldc+4], alpha, beta, c30, c31, c32, c33)
}

func store4(c []float32, alpha, beta, v0, v1, v2, v3 float32) {
	if beta == 0 {
		c[0], c[1], c[2], c[3] = alpha*v0, alpha*v1, alpha*v2, alpha*v3
		return
	}
	c[0] = alpha*v0 + beta*c[0]
	c[1] = alpha*v1 + beta*c[1]
	c[2] = alpha*v2 + beta*c[2]
	c[3] = alpha*v3 + beta*c[3]
}

// packGeneric moves kc rows of `stored` floats into dst (rows `stored` apart):
// dst[q*stored+l] = src[q*ld+l] (copy) or src[l*ld+q] (gather, the transpose) for
// l < valid, and 0 for valid <= l < stored. It reads nothing outside those elements.
func packGeneric(gather bool, dst, src []float32, ld, kc, valid, stored int) {
	dst = dst[:kc*stored]
	if !gather {
		for q := 0; q < kc; q++ {
			d := dst[q*stored : q*stored+stored]
			copy(d, src[q*ld:q*ld+valid])
			clear(d[valid:])
		}
		return
	}
	for l := 0; l < valid; l++ {
		row := src[l*ld : l*ld+kc]
		for q, v := range row {
			dst[q*stored+l] = v
		}
	}
	if valid < stored {
		for q := 0; q < kc; q++ {
			clear(dst[q*stored+valid : q*stored+stored])
		}
	}
}

// packUseGather: the assembly gathers (pack_amd64.s) are slower than packGeneric's
// row-by-row scatter on Zen 4 (VGATHERDPS is microcoded there), so the transposing case
// of packing stays in Go; the gather code is kept, and tested, for CPUs where it wins.
// (A var so tests can switch it on.)
var packUseGather = false

// packRowsGeneric packs npanels full nr-wide panels of kc rows from src (rows ld apart)
// into dst (panels kc*nr apart), reading each source row's segment contiguously.
func packRowsGeneric(nr int, dst, src []float32, ld, kc, npanels int) {
	for q := 0; q < kc; q++ {
		row := src[q*ld : q*ld+npanels*nr]
		for p := 0; p < npanels; p++ {
			copy(dst[p*kc*nr+q*nr:p*kc*nr+q*nr+nr], row[p*nr:p*nr+nr])
		}
	}
}
