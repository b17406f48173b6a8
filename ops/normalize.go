package ops

import (
	"math"

	"github.com/cvogl/halo/simd"
)

// NormalizeForward computes PyTorch's F.normalize(p=2): y = x / max(||x||_2, eps)
// along dim of x viewed as [outer, dim, inner], and stores each line's norm
// (before clamping) for the backward pass.
func NormalizeForward(y, norms, x []float32, outer, dim, inner int, eps float32) {
	simd.ParallelFor(outer*inner, 64, func(lo, hi int) {
		for l := lo; l < hi; l++ {
			base := (l/inner)*dim*inner + l%inner
			var s float64
			for j := 0; j < dim; j++ {
				v := float64(x[base+j*inner])
				s += v * v
			}
			nrm := math.Sqrt(s)
			norms[l] = float32(nrm)
			d := math.Max(nrm, float64(eps))
			for j := 0; j < dim; j++ {
				k := base + j*inner
				y[k] = float32(float64(x[k]) / d)
			}
		}
	})
}

// NormalizeBackward accumulates the gradient of NormalizeForward. When the norm is at
// least eps, y = x/||x|| and dx = (gy - y*sum(gy*y)) / ||x||. Below eps the clamp
// passes no gradient to the norm (clamp_min's derivative is 0 there), so
// dx = gy/eps.
func NormalizeBackward(dx, gy, x, norms []float32, outer, dim, inner int, eps float32) {
	simd.ParallelFor(outer*inner, 64, func(lo, hi int) {
		for l := lo; l < hi; l++ {
			base := (l/inner)*dim*inner + l%inner
			nrm := float64(norms[l])
			if nrm < float64(eps) {
				r := 1 / float64(eps)
				for j := 0; j < dim; j++ {
					k := base + j*inner
					dx[k] += float32(float64(gy[k]) * r)
				}
				continue
			}
			var s float64 // sum(gy*x)
			for j := 0; j < dim; j++ {
				k := base + j*inner
				s += float64(gy[k]) * float64(x[k])
			}
			r := 1 / nrm
			c := s * r * r * r
			for j := 0; j < dim; j++ {
				k := base + j*inner
				dx[k] += float32(float64(gy[k])*r - float64(x[k])*c)
			}
		}
	})
}
