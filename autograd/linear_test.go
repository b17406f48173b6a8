package autograd

import (
	"fmt"
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
