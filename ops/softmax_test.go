package ops

import (
	"fmt"
	"math"
	"testing"
)

func TestSoftmaxKernels(t *testing.T) {
	const outer, dim, inner = 4, 9, 50
	for _, log := range []bool{false, true} {
		t.Run(fmt.Sprintf("log=%v", log), func(t *testing.T) {
			ntCheckKernel(t, 3, []int{outer * dim * inner}, func(in [][]float32) ([]float32, func([]float32) [][]float32) {
				y := make([]float32, len(in[0]))
				if log {
					LogSoftmaxForward(y, in[0], outer, dim, inner)
				} else {
					SoftmaxForward(y, in[0], outer, dim, inner)
				}
				return y, func(g []float32) [][]float32 {
					dx := make([]float32, len(g))
					if log {
						LogSoftmaxBackward(dx, g, y, outer, dim, inner)
					} else {
						SoftmaxBackward(dx, g, y, outer, dim, inner)
					}
					return [][]float32{dx}
				}
			}, func(in [][]float64) []float64 {
				y := make([]float64, len(in[0]))
				for o := 0; o < outer; o++ {
					for i := 0; i < inner; i++ {
						s := 0.0
						for j := 0; j < dim; j++ {
							s += math.Exp(in[0][(o*dim+j)*inner+i])
						}
						for j := 0; j < dim; j++ {
							k := (o*dim+j)*inner + i
							if log {
								y[k] = in[0][k] - math.Log(s)
							} else {
								y[k] = math.Exp(in[0][k]) / s
							}
						}
					}
				}
				return y
			})
		})
	}
}
