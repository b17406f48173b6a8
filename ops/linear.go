package ops

import "github.com/cvogl/halo/simd"

// LinearForward computes y = x*w^T + b for rows of x: x [rows, in], w [out, in]
// (PyTorch's layout), b nil or [out], y [rows, out] (overwritten).
func LinearForward(y, x, w, b []float32, rows, in, out int) {
	if rows == 0 || out == 0 {
		return
	}
	simd.Sgemm(false, true, rows, out, in, 1, x, in, w, in, 0, y, out)
	if b != nil {
		for r := 0; r < rows; r++ {
			simd.Axpy(1, b[:out], y[r*out:(r+1)*out])
		}
	}
}

// LinearBackward accumulates the gradients of LinearForward given gy [rows, out]:
// dx += gy*w, dw += gy^T*x, db += column sums of gy. A nil destination is skipped.
func LinearBackward(dx, dw, db, gy, x, w []float32, rows, in, out int) {
	if rows == 0 || out == 0 {
		return
	}
	if dx != nil {
		simd.Sgemm(false, false, rows, in, out, 1, gy, out, w, in, 1, dx, in)
	}
	if dw != nil {
		simd.Sgemm(true, false, out, in, rows, 1, gy, out, x, in, 1, dw, in)
	}
	if db != nil {
		for r := 0; r < rows; r++ {
			simd.Axpy(1, gy[r*out:(r+1)*out], db[:out])
		}
	}
}

// MatMulDims describes C = op(A)*op(B) for a batch of matrices stored back to back:
// op(A) is M x K, op(B) is K x N, C is M x N. A is stored [K, M] when TransA (else
// [M, K]) and B [N, K] when TransB (else [K, N]). A stride of 0 shares one matrix
// across the batch (a weight used by every batch element).
type MatMulDims struct {
	Batch, M, N, K   int
	TransA, TransB   bool
	StrideA, StrideB int // elements between consecutive batch matrices of A and B
}

// lda and ldb are the row lengths of A and B as stored.
func (d MatMulDims) lda() int {
	if d.TransA {
		return d.M
	}
	return d.K
}

func (d MatMulDims) ldb() int {
	if d.TransB {
		return d.K
	}
	return d.N
}

// MatMulForward computes c = op(a)*op(b) for every batch element (c overwritten,
// stored [Batch, M, N]).
func MatMulForward(c, a, b []float32, d MatMulDims) {
	mn := d.M * d.N
	for i := 0; i < d.Batch; i++ {
		simd.Sgemm(d.TransA, d.TransB, d.M, d.N, d.K, 1, a[i*d.StrideA:], d.lda(), b[i*d.StrideB:], d.ldb(),
			0, c[i*mn:(i+1)*mn], d.N)
	}
}

// MatMulBackward accumulates the gradients of MatMulForward given gc [Batch, M, N]
// into da and db (either may be nil). With G = gc, d op(A) = G*op(B)^T and
// d op(B) = op(A)^T*G; transposed storage receives the transpose of those.
func MatMulBackward(da, db, gc, a, b []float32, d MatMulDims) {
	mn := d.M * d.N
	lda, ldb := d.lda(), d.ldb()
	for i := 0; i < d.Batch; i++ {
		g := gc[i*mn : (i+1)*mn]
		ai, bi := a[i*d.StrideA:], b[i*d.StrideB:]
		if da != nil {
			dai := da[i*d.StrideA:]
			if !d.TransA {
				// dA [M,K] += G [M,N] * op(B)^T [N,K]; op(B)^T is B itself when TransB.
				simd.Sgemm(false, !d.TransB, d.M, d.K, d.N, 1, g, d.N, bi, ldb, 1, dai, d.K)
			} else {
				// dA [K,M] += op(B) [K,N] * G^T [N,M].
				simd.Sgemm(d.TransB, true, d.K, d.M, d.N, 1, bi, ldb, g, d.N, 1, dai, d.M)
			}
		}
		if db != nil {
			dbi := db[i*d.StrideB:]
			if !d.TransB {
				// dB [K,N] += op(A)^T [K,M] * G [M,N].
				simd.Sgemm(!d.TransA, false, d.K, d.N, d.M, 1, ai, lda, g, d.N, 1, dbi, d.N)
			} else {
				// dB [N,K] += G^T [N,M] * op(A) [M,K].
				simd.Sgemm(true, d.TransA, d.N, d.K, d.M, 1, g, d.N, ai, lda, 1, dbi, d.K)
			}
		}
	}
}
