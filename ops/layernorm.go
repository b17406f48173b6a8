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
			var s float64
			for _, v := range xs {
				s += float64(v)
			}
			m := s / float64(d)
			var ss float64
			for _, v := range xs {
				dv := float64(v) - m
				ss += dv * dv
			}
			is := 1 / math.Sqrt(ss/float64(d)+float64(eps))
			mean[r], invStd[r] = float32(m), float32(is)
			for i, v := range xs {
				o := (float64(v) - m) * is
				if weight != nil {
					o *= float64(weight[i])
				}
				if bias != nil {
					o += float64(bias[i])
				}
				ys[i] = float32(o)
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
			for r := lo; r < hi; r++ {
				xs, gs, ds := x[r*d:(r+1)*d], gy[r*d:(r+1)*d], dx[r*d:(r+1)*d]
				m, is := float64(mean[r]), float64(invStd[r])
				var sg, sgx float64
				for i, g := range gs {
					gh := float64(g)
					if weight != nil {
						gh *= float64(weight[i])
					}
					sg += gh
					sgx += gh * (float64(xs[i]) - m) * is
				}
				sg /= float64(d)
				sgx /= float64(d)
				for i, g := range gs {
					gh := float64(g)
					if weight != nil {
						gh *= float64(weight[i])
					}
					xhat := (float64(xs[i]) - m) * is
					ds[i] += float32(is * (gh - sg - xhat*sgx))
				}
			}
		})
	}
	if dweight == nil && dbias == nil {
		return
	}
	// Column sums, in float64 (a LoFTR layer has 16*4096 rows): split over columns so
	// workers never share a destination.
	simd.ParallelFor(d, 64, func(lo, hi int) {
		sw := make([]float64, hi-lo)
		sb := make([]float64, hi-lo)
		for r := 0; r < rows; r++ {
			m, is := float64(mean[r]), float64(invStd[r])
			xs, gs := x[r*d+lo:r*d+hi], gy[r*d+lo:r*d+hi]
			for i, g := range gs {
				sw[i] += float64(g) * (float64(xs[i]) - m) * is
				sb[i] += float64(g)
			}
		}
		for i := range sw {
			if dweight != nil {
				dweight[lo+i] += float32(sw[i])
			}
			if dbias != nil {
				dbias[lo+i] += float32(sb[i])
			}
		}
	})
}
