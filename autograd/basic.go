package autograd

import "github.com/cvogl/halo/simd"

// SumAll returns the sum of every element as a scalar.
func SumAll(x *Tensor) *Tensor {
	out := Scalar(simd.Sum(x.Data))
	return Record("sum_all", out, func(g []float32) {
		if x.requiresGrad {
			gx := x.GradBuf()
			for i := range gx {
				gx[i] += g[0]
			}
		}
	}, x)
}

// MulScalar returns x * s.
func MulScalar(x *Tensor, s float32) *Tensor {
	out := Empty(x.Shape...)
	for i, v := range x.Data {
		out.Data[i] = v * s
	}
	return Record("mul_scalar", out, func(g []float32) {
		if x.requiresGrad {
			simd.Axpy(s, g, x.GradBuf())
		}
	}, x)
}
