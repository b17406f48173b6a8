package autograd

import (
	"fmt"
	"math"
	"testing"
)

// refSoftmax is a float64 (log-)softmax along dim of x viewed as [outer, dim, inner].
func refSoftmax(x []float64, outer, dim, inner int, log bool) []float64 {
	y := make([]float64, len(x))
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			var s float64
			for j := 0; j < dim; j++ {
				s += math.Exp(x[(o*dim+j)*inner+i])
			}
			for j := 0; j < dim; j++ {
				k := (o*dim+j)*inner + i
				if log {
					y[k] = x[k] - math.Log(s)
				} else {
					y[k] = math.Exp(x[k]) / s
				}
			}
		}
	}
	return y
}

func TestSoftmaxGradCheck(t *testing.T) {
	shape := []int{2, 5, 3}
	for _, log := range []bool{false, true} {
		for _, axis := range []int{0, 1, 2, -1} {
			t.Run(fmt.Sprintf("log=%v/axis=%d", log, axis), func(t *testing.T) {
				outer, dim, inner := lineDims("test", shape, axis)
				GradCheck(t, []*Tensor{RandTensor(31, -3, 3, shape...)}, func(x []*Tensor) []*Tensor {
					if log {
						return []*Tensor{LogSoftmax(x[0], axis)}
					}
					return []*Tensor{Softmax(x[0], axis)}
				}, func(x [][]float64) [][]float64 {
					return [][]float64{refSoftmax(x[0], outer, dim, inner, log)}
				})
			})
		}
	}
}

// Large logits must not overflow: softmax is shift-invariant.
func TestSoftmaxStable(t *testing.T) {
	x := New([]float32{1000, 1001, 1002, -1000}, 4)
	y := Softmax(x, 0)
	ly := LogSoftmax(x, 0)
	want := refSoftmax([]float64{0, 1, 2, -2000}, 1, 4, 1, false)
	for i, v := range y.Data {
		if math.Abs(float64(v)-want[i]) > 1e-6 {
			t.Fatalf("softmax[%d] = %v, want %v", i, v, want[i])
		}
		if lw := math.Log(want[i]); i < 3 && math.Abs(float64(ly.Data[i])-lw) > 1e-5 {
			t.Fatalf("log_softmax[%d] = %v, want %v", i, ly.Data[i], lw)
		}
	}
	if ly.Data[3] > -2000 || math.IsInf(float64(ly.Data[3]), 0) {
		t.Fatalf("log_softmax[3] = %v, want about -2002.4", ly.Data[3])
	}
}
