package ops

import (
	"math"

	"github.com/cvogl/halo/simd"
)

// Softmax kernels view x as [outer, dim, inner] and work along dim; element
// (o, j, i) sits at (o*dim + j)*inner + i.

// SoftmaxForward computes y = exp(x - max) / sum(exp(x - max)) along dim. Subtracting
// the max keeps exp from overflowing.
func SoftmaxForward(y, x []float32, outer, dim, inner int) {
	softmaxLines(outer, dim, inner, func(base int) {
		m := lineMax(x, base, dim, inner)
		var s float64
		for j := 0; j < dim; j++ {
			e := float32(math.Exp(float64(x[base+j*inner] - m)))
			y[base+j*inner] = e
			s += float64(e)
		}
		r := float32(1 / s)
		for j := 0; j < dim; j++ {
			y[base+j*inner] *= r
		}
	})
}

// SoftmaxBackward accumulates dx += y*(gy - sum(gy*y)) along dim, y being the forward
// output.
func SoftmaxBackward(dx, gy, y []float32, outer, dim, inner int) {
	softmaxLines(outer, dim, inner, func(base int) {
		var s float64
		for j := 0; j < dim; j++ {
			k := base + j*inner
			s += float64(gy[k]) * float64(y[k])
		}
		for j := 0; j < dim; j++ {
			k := base + j*inner
			dx[k] += float32(float64(y[k]) * (float64(gy[k]) - s))
		}
	})
}

// LogSoftmaxForward computes y = x - max - log(sum(exp(x - max))) along dim.
func LogSoftmaxForward(y, x []float32, outer, dim, inner int) {
	softmaxLines(outer, dim, inner, func(base int) {
		m := lineMax(x, base, dim, inner)
		var s float64
		for j := 0; j < dim; j++ {
			s += math.Exp(float64(x[base+j*inner] - m))
		}
		lse := float64(m) + math.Log(s)
		for j := 0; j < dim; j++ {
			y[base+j*inner] = float32(float64(x[base+j*inner]) - lse)
		}
	})
}

// LogSoftmaxBackward accumulates dx += gy - exp(y)*sum(gy) along dim, y being the
// forward output.
func LogSoftmaxBackward(dx, gy, y []float32, outer, dim, inner int) {
	softmaxLines(outer, dim, inner, func(base int) {
		var s float64
		for j := 0; j < dim; j++ {
			s += float64(gy[base+j*inner])
		}
		for j := 0; j < dim; j++ {
			k := base + j*inner
			dx[k] += float32(float64(gy[k]) - math.Exp(float64(y[k]))*s)
		}
	})
}

// softmaxLines calls fn with the offset of the first element of every line along dim.
func softmaxLines(outer, dim, inner int, fn func(base int)) {
	simd.ParallelFor(outer*inner, 64, func(lo, hi int) {
		for l := lo; l < hi; l++ {
			o, i := l/inner, l%inner
			fn(o*dim*inner + i)
		}
	})
}

// lineMax returns the largest of the dim values starting at base, inner apart.
func lineMax(x []float32, base, dim, inner int) float32 {
	m := float32(math.Inf(-1))
	for j := 0; j < dim; j++ {
		if v := x[base+j*inner]; v > m {
			m = v
		}
	}
	return m
}
