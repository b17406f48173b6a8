package autograd

import (
	"fmt"
	"math"
	"testing"

	"github.com/cvogl/halo/loader/golden"
)

func TestNormalizeGolden(t *testing.T) {
	for _, name := range golden.CasesOf(t, "normalize") {
		t.Run(name, func(t *testing.T) {
			c := golden.Load(t, name)
			if p := c.Hparam(t, "p"); p != 2 {
				t.Fatalf("p = %v", p)
			}
			x := ntLeaf(t, c, "in.x")
			y := Normalize(x, c.Ints(t, "dim")[0], float32(c.Hparam(t, "eps")))
			c.Check(t, "out.y", y.Data)
			ntBackward(t, c, y, "y")
			c.Check(t, "grad.in.x", x.Grad)
		})
	}
}

// refNormalize is x / max(||x||, eps) along dim of x viewed as [outer, dim, inner].
func refNormalize(x []float64, outer, dim, inner int, eps float64) []float64 {
	y := make([]float64, len(x))
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			s := 0.0
			for j := 0; j < dim; j++ {
				v := x[(o*dim+j)*inner+i]
				s += v * v
			}
			d := math.Max(math.Sqrt(s), eps)
			for j := 0; j < dim; j++ {
				k := (o*dim+j)*inner + i
				y[k] = x[k] / d
			}
		}
	}
	return y
}

func TestNormalizeGradCheck(t *testing.T) {
	shape := []int{2, 4, 3}
	for _, axis := range []int{1, -1, 0} {
		t.Run(fmt.Sprintf("axis=%d", axis), func(t *testing.T) {
			outer, dim, inner := lineDims("test", shape, axis)
			GradCheck(t, []*Tensor{RandTensor(51, -2, 2, shape...)}, func(x []*Tensor) []*Tensor {
				return []*Tensor{Normalize(x[0], axis, 1e-12)}
			}, func(x [][]float64) [][]float64 {
				return [][]float64{refNormalize(x[0], outer, dim, inner, 1e-12)}
			})
		})
	}
	// Lines whose norm is below eps: y = x/eps with gradient 1/eps (the clamp is flat).
	t.Run("clamped", func(t *testing.T) {
		x := RandTensor(52, -1e-3, 1e-3, 3, 4)
		GradCheck(t, []*Tensor{x}, func(x []*Tensor) []*Tensor {
			return []*Tensor{Normalize(x[0], 1, 0.05)}
		}, func(x [][]float64) [][]float64 {
			return [][]float64{refNormalize(x[0], 3, 4, 1, float64(float32(0.05)))}
		})
	})
}
