package autograd

import (
	"fmt"
	"math"
	"testing"

	"github.com/cvogl/halo/loader/golden"
)

// ntLeaf loads a golden float tensor as a leaf that requires a gradient.
func ntLeaf(t *testing.T, c *golden.Case, name string) *Tensor {
	t.Helper()
	d, s := c.F32(t, name)
	return Param(append([]float32(nil), d...), s...)
}

// ntBackward seeds the backward pass of out with the case's cotangent cot.<name>.
func ntBackward(t *testing.T, c *golden.Case, out *Tensor, name string) {
	t.Helper()
	cot, shape := c.F32(t, "cot."+name)
	if len(cot) != len(out.Data) {
		t.Fatalf("%s: cot.%s has shape %v, output %v", c.Name, name, shape, out.Shape)
	}
	Backward([]*Tensor{out}, [][]float32{cot})
}

func TestLinearGolden(t *testing.T) {
	for _, name := range golden.CasesOf(t, "linear") {
		t.Run(name, func(t *testing.T) {
			c := golden.Load(t, name)
			x, w := ntLeaf(t, c, "in.x"), ntLeaf(t, c, "param.weight")
			var b *Tensor
			if c.Has("param.bias") {
				b = ntLeaf(t, c, "param.bias")
			}
			y := Linear(x, w, b)
			c.Check(t, "out.y", y.Data)
			ntBackward(t, c, y, "y")
			c.Check(t, "grad.in.x", x.Grad)
			c.Check(t, "grad.param.weight", w.Grad)
			if b != nil {
				c.Check(t, "grad.param.bias", b.Grad)
			}
		})
	}
}

// refMatMul multiplies batched row-major matrices in float64; strideB 0 shares b.
func refMatMul(a, b []float64, batch, m, n, k int, ta, tb bool, strideB int) []float64 {
	out := make([]float64, batch*m*n)
	for p := 0; p < batch; p++ {
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				s := 0.0
				for l := 0; l < k; l++ {
					av := a[p*m*k+i*k+l]
					if ta {
						av = a[p*m*k+l*m+i]
					}
					bv := b[p*strideB+l*n+j]
					if tb {
						bv = b[p*strideB+j*k+l]
					}
					s += av * bv
				}
				out[p*m*n+i*n+j] = s
			}
		}
	}
	return out
}

func TestLinearGradCheck(t *testing.T) {
	for _, bias := range []bool{false, true} {
		t.Run(fmt.Sprintf("bias=%v", bias), func(t *testing.T) {
			in := []*Tensor{RandTensor(1, -1, 1, 2, 3, 5), RandTensor(2, -1, 1, 4, 5)}
			if bias {
				in = append(in, RandTensor(3, -1, 1, 4))
			}
			GradCheck(t, in, func(x []*Tensor) []*Tensor {
				var b *Tensor
				if bias {
					b = x[2]
				}
				return []*Tensor{Linear(x[0], x[1], b)}
			}, func(x [][]float64) [][]float64 {
				y := refMatMul(x[0], x[1], 1, 6, 4, 5, false, true, 0)
				if bias {
					for i := range y {
						y[i] += x[2][i%4]
					}
				}
				return [][]float64{y}
			})
		})
	}
}

func TestMatMulGradCheck(t *testing.T) {
	const m, n, k = 3, 4, 5
	for _, batched := range []string{"2d", "3d", "3d-shared-b"} {
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/transA=%v/transB=%v", batched, ta, tb), func(t *testing.T) {
					aShape, bShape := []int{m, k}, []int{k, n}
					if ta {
						aShape = []int{k, m}
					}
					if tb {
						bShape = []int{n, k}
					}
					batch, strideB := 1, 0
					if batched != "2d" {
						batch = 2
						aShape = append([]int{batch}, aShape...)
						if batched == "3d" {
							bShape = append([]int{batch}, bShape...)
							strideB = k * n
						}
					}
					in := []*Tensor{RandTensor(4, -1, 1, aShape...), RandTensor(5, -1, 1, bShape...)}
					GradCheck(t, in, func(x []*Tensor) []*Tensor {
						y := MatMul(x[0], x[1], ta, tb)
						want := []int{m, n}
						if batched != "2d" {
							want = []int{batch, m, n}
						}
						if !SameShape(y.Shape, want) {
							t.Fatalf("MatMul shape %v, want %v", y.Shape, want)
						}
						return []*Tensor{y}
					}, func(x [][]float64) [][]float64 {
						return [][]float64{refMatMul(x[0], x[1], batch, m, n, k, ta, tb, strideB)}
					})
				})
			}
		}
	}
}

// Every backward must add to existing gradients: an input used by two calls of the
// same op receives the sum of both contributions.
func TestNormFamilyGradientsAccumulate(t *testing.T) {
	rm, rv := []float32{0, 0.1, -0.1}, []float32{1, 2, 0.5}
	cases := map[string]struct {
		shapes [][]int
		f      func(x []*Tensor) *Tensor
	}{
		"linear":       {[][]int{{4, 5}, {3, 5}, {3}}, func(x []*Tensor) *Tensor { return Linear(x[0], x[1], x[2]) }},
		"matmul":       {[][]int{{2, 4, 3}, {2, 5, 4}}, func(x []*Tensor) *Tensor { return MatMul(x[0], x[1], true, true) }},
		"bn-train":     {[][]int{{2, 3, 2, 2}, {3}, {3}}, func(x []*Tensor) *Tensor { return BatchNorm2d(x[0], x[1], x[2], nil, nil, true, 0.1, 1e-5) }},
		"bn-eval":      {[][]int{{2, 3, 2, 2}, {3}, {3}}, func(x []*Tensor) *Tensor { return BatchNorm2d(x[0], x[1], x[2], rm, rv, false, 0.1, 1e-5) }},
		"layernorm":    {[][]int{{4, 5}, {5}, {5}}, func(x []*Tensor) *Tensor { return LayerNorm(x[0], x[1], x[2], 1e-5) }},
		"softmax":      {[][]int{{3, 4, 2}}, func(x []*Tensor) *Tensor { return Softmax(x[0], 1) }},
		"logsoftmax":   {[][]int{{3, 4, 2}}, func(x []*Tensor) *Tensor { return LogSoftmax(x[0], 1) }},
		"crossentropy": {[][]int{{3, 4}}, func(x []*Tensor) *Tensor { return CrossEntropy(x[0], []int{1, 0, 3}) }},
		"mse":          {[][]int{{3, 4}, {3, 4}}, func(x []*Tensor) *Tensor { return MSE(x[0], x[1]) }},
		"normalize":    {[][]int{{3, 4, 2}}, func(x []*Tensor) *Tensor { return Normalize(x[0], 1, 1e-12) }},
		"attention": {[][]int{{1, 3, 2, 2}, {1, 4, 2, 2}, {1, 4, 2, 3}}, func(x []*Tensor) *Tensor {
			return LinearAttention(x[0], x[1], x[2], 1e-6)
		}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var in []*Tensor
			for i, s := range tc.shapes {
				in = append(in, RandTensor(uint64(70+i), -1, 1, s...))
			}
			y := tc.f(in)
			cot := RandTensor(99, -1, 1, y.Shape...).Data
			Backward([]*Tensor{y}, [][]float32{cot})
			once := make([][]float32, len(in))
			for i, x := range in {
				once[i], x.Grad = x.Grad, nil
			}
			y1, y2 := tc.f(in), tc.f(in)
			Backward([]*Tensor{y1, y2}, [][]float32{cot, cot})
			for i, x := range in {
				for j, g := range x.Grad {
					if d := math.Abs(float64(g - 2*once[i][j])); d > 1e-5*(1+math.Abs(float64(g))) {
						t.Fatalf("input %d element %d: grad of two uses %v, one use %v", i, j, g, once[i][j])
					}
				}
			}
		})
	}
}
