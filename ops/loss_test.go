package ops

import (
	"math"
	"testing"
)

// HALO's confidence loss is a cross-entropy over 9x64x64 positions per sample.
func TestCrossEntropyKernels(t *testing.T) {
	const n, c = 3, 2000
	targets := []int{0, 1999, 777}
	ntCheckKernel(t, 5, []int{n * c}, func(in [][]float32) ([]float32, func([]float32) [][]float32) {
		lse := make([]float32, n)
		loss := CrossEntropyForward(lse, in[0], targets, n, c)
		return []float32{loss}, func(g []float32) [][]float32 {
			dx := make([]float32, n*c)
			CrossEntropyBackward(dx, g[0], in[0], lse, targets, n, c)
			return [][]float32{dx}
		}
	}, func(in [][]float64) []float64 {
		s := 0.0
		for r, tg := range targets {
			row := in[0][r*c : (r+1)*c]
			e := 0.0
			for _, v := range row {
				e += math.Exp(v)
			}
			s += math.Log(e) - row[tg]
		}
		return []float64{s / n}
	})
}

func TestMSEKernels(t *testing.T) {
	ntCheckKernel(t, 6, []int{300, 300}, func(in [][]float32) ([]float32, func([]float32) [][]float32) {
		return []float32{MSEForward(in[0], in[1])}, func(g []float32) [][]float32 {
			da, db := make([]float32, 300), make([]float32, 300)
			MSEBackward(da, db, g[0], in[0], in[1])
			return [][]float32{da, db}
		}
	}, func(in [][]float64) []float64 {
		s := 0.0
		for i, v := range in[0] {
			s += (v - in[1][i]) * (v - in[1][i])
		}
		return []float64{s / 300}
	})
}
