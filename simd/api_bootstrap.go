package simd

// This file is the bootstrap surface of package simd: correct pure-Go versions of the
// exported kernels so that ops and autograd can build against the final API while the
// assembly lands. The simd work replaces it with dispatching versions.

// Sgemm computes C = alpha*op(A)*op(B) + beta*C on row-major float32 matrices with BLAS
// semantics: op(A) is m x k, op(B) is k x n, C is m x n. beta == 0 overwrites C
// (NaNs in C included).
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		ci := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(ci)
		} else if beta != 1 {
			for j := range ci {
				ci[j] *= beta
			}
		}
		if alpha == 0 {
			continue
		}
		for p := 0; p < k; p++ {
			var av float32
			if transA {
				av = a[p*lda+i]
			} else {
				av = a[i*lda+p]
			}
			av *= alpha
			if av == 0 {
				continue
			}
			if transB {
				for j := range ci {
					ci[j] += av * b[j*ldb+p]
				}
			} else {
				bp := b[p*ldb : p*ldb+n]
				for j := range ci {
					ci[j] += av * bp[j]
				}
			}
		}
	}
}

// Dot returns sum(x[i]*y[i]) over len(x); y must be at least as long.
func Dot(x, y []float32) float32 {
	var s float32
	for i, v := range x {
		s += v * y[i]
	}
	return s
}

// Axpy computes y += alpha*x over len(x).
func Axpy(alpha float32, x, y []float32) {
	for i, v := range x {
		y[i] += alpha * v
	}
}

// Scale computes x *= alpha.
func Scale(alpha float32, x []float32) {
	for i := range x {
		x[i] *= alpha
	}
}

// Sum returns the sum of x.
func Sum(x []float32) float32 {
	var s float32
	for _, v := range x {
		s += v
	}
	return s
}

// ParallelFor runs fn over [0, n) split into chunks on the shared worker pool and
// returns when all chunks are done. grain is the smallest chunk worth a worker.
func ParallelFor(n, grain int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	fn(0, n)
}
