package ops

import (
	"math"

	"github.com/cvogl/halo/simd"
)

// LayerNormForward normalises each row of x [rows, d] with its own mean and biased
// variance, then applies weight and bias (either may be nil). It stores each row's
// mean and 1/sqrt(var+eps) for the backward pass.
func LayerNormForward(y, x, weight, bias, mean, invStd []float32, rows, d int, eps float32) {
	simd.ParallelFor(rows, 16, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			xs, ys := x[r*d:(r+1)*d], y[r*d:(r+1)*d]
			m := float32(float64(simd.Sum(xs)) / float64(d))
			// Centre on the rounded mean; E[x-m] corrects the rounding exactly.
			simd.AddScalar(ys, xs, -m)
			s1, s2 := float64(simd.Sum(ys))/float64(d), float64(simd.Dot(ys, ys))/float64(d)
			is := 1 / math.Sqrt(max(s2-s1*s1, 0)+float64(eps))
			mean[r], invStd[r] = float32(float64(m)+s1), float32(is)
			if s1 != 0 {
				simd.AddScalar(ys, xs, -mean[r])
			}
			simd.Scale(float32(is), ys)
			if weight != nil {
				simd.Mul(ys, ys, weight)
			}
			if bias != nil {
				simd.Add(ys, ys, bias)
			}
		}
	})
}

// LayerNormBackward accumulates the gradients of LayerNormForward given gy:
// with gh = gy*weight, dx = invStd*(gh - mean(gh) - xhat*mean(gh*xhat)),
// dweight += sum over rows of gy*xhat, dbias += sum over rows of gy.
func LayerNormBackward(dx, dweight, dbias, gy, x, weight, mean, invStd []float32, rows, d int) {
	if dx != nil {
		simd.ParallelFor(rows, 16, func(lo, hi int) {
			gh := make([]float32, d)
			xc := make([]float32, d)
			for r := lo; r < hi; r++ {
				xs, gs, ds := x[r*d:(r+1)*d], gy[r*d:(r+1)*d], dx[r*d:(r+1)*d]
				is := float64(invStd[r])
				if weight != nil {
					simd.Mul(gh, gs, weight)
				} else {
					copy(gh, gs)
				}
				simd.AddScalar(xc, xs, -mean[r])
				sg := float64(simd.Sum(gh)) / float64(d)
				sgx := float64(simd.Dot(gh, xc)) * is / float64(d) // mean(gh*xhat)
				simd.Axpy(float32(is), gh, ds)
				simd.Axpy(float32(-is*is*sgx), xc, ds)
				simd.AddScalar(ds, ds, float32(-is*sg))
			}
		})
	}
	if dweight == nil && dbias == nil {
		return
	}
	// Column sums (a LoFTR layer has 16*4096 rows): float32 vector adds over blocks of
	// rows, float64 across blocks; split over columns so workers never share a
	// destination.
	const block = 256
	simd.ParallelFor(d, 64, func(lo, hi int) {
		w := hi - lo
		accW, accB, t := make([]float32, w), make([]float32, w), make([]float32, w)
		sumW, sumB := make([]float64, w), make([]float64, w)
		flush := func() {
			for i := range accW {
				sumW[i] += float64(accW[i])
				sumB[i] += float64(accB[i])
			}
			clear(accW)
			clear(accB)
		}
		for r := 0; r < rows; r++ {
			xs, gs := x[r*d+lo:r*d+hi], gy[r*d+lo:r*d+hi]
			simd.AddScalar(t, xs, -mean[r])
			simd.Scale(invStd[r], t)
			simd.Mul(t, t, gs)
			simd.Add(accW, accW, t)
			simd.Add(accB, accB, gs)
			if (r+1)%block == 0 {
				flush()
			}
		}
		flush()
		for i := range sumW {
			if dweight != nil {
				dweight[lo+i] += float32(sumW[i])
			}
			if dbias != nil {
				dbias[lo+i] += float32(sumB[i])
			}
		}
	})
}
