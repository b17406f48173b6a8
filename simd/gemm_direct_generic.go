package simd

import "unsafe"

// sgemmKernel14x32DirectGeneric is the pure-Go twin of sgemmKernel14x32DirectAVX512:
// the 14x32 tile C = alpha*A*B + beta*C for an A panel packed 14-tall (a[p*14+i]) and B
// rows read in place (B[p][j] = b[p*ldb+j]); when bp is not nil it also copies those rows
// into the packed panel bp[p*32+j]. C is not read when beta == 0. With ldb = 32 it is
// the packed-panel kernel too. Tests hold the assembly to it; it is far too slow for use.
func sgemmKernel14x32DirectGeneric(k int, a, b *float32, ldb int, c *float32, ldc int, alpha, beta float32, bp *float32) {
	const mr, nr = 14, 32
	as := unsafe.Slice(a, k*mr)
	bs := unsafe.Slice(b, (k-1)*ldb+nr)
	var bps []float32
	if bp != nil {
		bps = unsafe.Slice(bp, k*nr)
	}
	var acc [mr][nr]float32
	for p := 0; p < k; p++ {
		brow := bs[p*ldb : p*ldb+nr : p*ldb+nr]
		if bps != nil {
			copy(bps[p*nr:(p+1)*nr], brow)
		}
		arow := as[p*mr : (p+1)*mr : (p+1)*mr]
		for i, av := range arow {
			ci := &acc[i]
			for j, bv := range brow {
				ci[j] += av * bv
			}
		}
	}
	cs := unsafe.Slice(c, (mr-1)*ldc+nr)
	for i := range acc {
		crow := cs[i*ldc : i*ldc+nr : i*ldc+nr]
		for j, v := range acc[i] {
			if beta == 0 {
				crow[j] = alpha * v
			} else {
				crow[j] = alpha*v + beta*crow[j]
			}
		}
	}
}

// sgemmKernel14x32PackedGeneric is the twin's packed-panel kernel: the direct kernel
// reading the packed panel as a matrix with rows 32 apart.
func sgemmKernel14x32PackedGeneric(k int, a, b, c *float32, ldc int, alpha, beta float32) {
	sgemmKernel14x32DirectGeneric(k, a, b, 32, c, ldc, alpha, beta, nil)
}

// genericDirect is the pure-Go direct-B path, with the tile shape of the AVX-512 one, so
// that tests run the same driver code over the twin kernels.
var genericDirect = &directKernels{
	im:         genericImpl,
	direct:     sgemmKernel14x32DirectGeneric,
	packed:     sgemmKernel14x32PackedGeneric,
	packEdge:   packGeneric,
	directName: "generic",
}
