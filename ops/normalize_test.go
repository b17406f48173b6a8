package ops

import (
	"math"
	"testing"
)

func TestNormalizeKernels(t *testing.T) {
	const outer, dim, inner = 4, 9, 50
	const eps = 1e-12
	ntCheckKernel(t, 4, []int{outer * dim * inner}, func(in [][]float32) ([]float32, func([]float32) [][]float32) {
		y, norms := make([]float32, len(in[0])), make([]float32, outer*inner)
		NormalizeForward(y, norms, in[0], outer, dim, inner, eps)
		return y, func(g []float32) [][]float32 {
			dx := make([]float32, len(g))
			NormalizeBackward(dx, g, in[0], norms, outer, dim, inner, eps)
			return [][]float32{dx}
		}
	}, func(in [][]float64) []float64 {
		y := make([]float64, len(in[0]))
		for o := 0; o < outer; o++ {
			for i := 0; i < inner; i++ {
				s := 0.0
				for j := 0; j < dim; j++ {
					s += in[0][(o*dim+j)*inner+i] * in[0][(o*dim+j)*inner+i]
				}
				for j := 0; j < dim; j++ {
					k := (o*dim+j)*inner + i
					y[k] = in[0][k] / math.Max(math.Sqrt(s), eps)
				}
			}
		}
		return y
	})
}
