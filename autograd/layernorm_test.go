package autograd

import (
	"fmt"
	"math"
	"testing"

	"github.com/cvogl/halo/loader/golden"
)

func TestLayerNormGolden(t *testing.T) {
	for _, name := range golden.CasesOf(t, "layernorm") {
		t.Run(name, func(t *testing.T) {
			c := golden.Load(t, name)
			x, w, b := ntLeaf(t, c, "in.x"), ntLeaf(t, c, "param.weight"), ntLeaf(t, c, "param.bias")
			y := LayerNorm(x, w, b, float32(c.Hparam(t, "eps")))
			c.Check(t, "out.y", y.Data)
			ntBackward(t, c, y, "y")
			c.Check(t, "grad.in.x", x.Grad)
			c.Check(t, "grad.param.weight", w.Grad)
			c.Check(t, "grad.param.bias", b.Grad)
		})
	}
}

func TestLayerNormGradCheck(t *testing.T) {
	const rows, d = 6, 5
	for _, affine := range []bool{true, false} {
		t.Run(fmt.Sprintf("affine=%v", affine), func(t *testing.T) {
			in := []*Tensor{RandTensor(21, -2, 2, 2, 3, d)}
			if affine {
				in = append(in, RandTensor(22, 0.5, 1.5, d), RandTensor(23, -1, 1, d))
			}
			GradCheck(t, in, func(x []*Tensor) []*Tensor {
				var w, b *Tensor
				if affine {
					w, b = x[1], x[2]
				}
				return []*Tensor{LayerNorm(x[0], w, b, 1e-5)}
			}, func(x [][]float64) [][]float64 {
				y := make([]float64, rows*d)
				for r := 0; r < rows; r++ {
					row := x[0][r*d : (r+1)*d]
					var m, v float64
					for _, e := range row {
						m += e
					}
					m /= d
					for _, e := range row {
						v += (e - m) * (e - m)
					}
					v /= d
					for i, e := range row {
						o := (e - m) / math.Sqrt(v+1e-5)
						if affine {
							o = o*x[1][i] + x[2][i]
						}
						y[r*d+i] = o
					}
				}
				return [][]float64{y}
			})
		})
	}
}
