package autograd

import (
	"fmt"

	"github.com/cvogl/halo/ops"
)

// reducedShape is shape without axis, or with it set to 1 when keepdim.
func reducedShape(shape []int, axis int, keepdim bool) []int {
	out := append([]int(nil), shape[:axis]...)
	if keepdim {
		out = append(out, 1)
	}
	return append(out, shape[axis+1:]...)
}

// Sum returns the sum of x along axis (negative counts from the end); keepdim keeps
// the reduced axis with size 1.
func Sum(x *Tensor, axis int, keepdim bool) *Tensor {
	return sumScaled("sum", x, axis, keepdim, false)
}

// Mean returns the mean of x along axis (negative counts from the end); keepdim keeps
// the reduced axis with size 1.
func Mean(x *Tensor, axis int, keepdim bool) *Tensor {
	return sumScaled("mean", x, axis, keepdim, true)
}

func sumScaled(name string, x *Tensor, axis int, keepdim, mean bool) *Tensor {
	axis = ops.NormAxis("autograd."+name+" of "+tensorLabel(x), axis, len(x.Shape))
	outer, n, inner := ops.AxisSplit(x.Shape, axis)
	scale := float32(1)
	if mean {
		if n == 0 {
			panic(fmt.Sprintf("autograd.mean of %s: empty axis %d", tensorLabel(x), axis))
		}
		scale = 1 / float32(n)
	}
	out := Empty(reducedShape(x.Shape, axis, keepdim)...)
	ops.SumAxis(out.Data, x.Data, outer, n, inner, scale)
	return Record(name, out, func(g []float32) {
		if x.requiresGrad {
			ops.SumAxisBackward(x.GradBuf(), g, outer, n, inner, scale)
		}
	}, x)
}

// Max returns the maximum of x along axis (negative counts from the end); keepdim keeps
// the reduced axis with size 1. The gradient goes to the first maximum along the axis.
func Max(x *Tensor, axis int, keepdim bool) *Tensor {
	return extreme("max", ops.MaxAxis, x, axis, keepdim)
}

// Min returns the minimum of x along axis (negative counts from the end); keepdim keeps
// the reduced axis with size 1. The gradient goes to the first minimum along the axis.
func Min(x *Tensor, axis int, keepdim bool) *Tensor {
	return extreme("min", ops.MinAxis, x, axis, keepdim)
}

func extreme(name string, kernel func([]float32, []int32, []float32, int, int, int), x *Tensor, axis int, keepdim bool) *Tensor {
	axis = ops.NormAxis("autograd."+name+" of "+tensorLabel(x), axis, len(x.Shape))
	outer, n, inner := ops.AxisSplit(x.Shape, axis)
	if n == 0 {
		panic(fmt.Sprintf("autograd.%s of %s: empty axis %d", name, tensorLabel(x), axis))
	}
	out := Empty(reducedShape(x.Shape, axis, keepdim)...)
	arg := make([]int32, len(out.Data))
	kernel(out.Data, arg, x.Data, outer, n, inner)
	return Record(name, out, func(g []float32) {
		if x.requiresGrad {
			ops.MaxAxisBackward(x.GradBuf(), g, arg, outer, n, inner)
		}
	}, x)
}

// MeanAll returns the mean of every element as a scalar (shape []).
func MeanAll(x *Tensor) *Tensor {
	n := len(x.Data)
	if n == 0 {
		panic(fmt.Sprintf("autograd.MeanAll of empty tensor %s", tensorLabel(x)))
	}
	out := Scalar(float32(ops.SumAll(x.Data) / float64(n)))
	return Record("mean_all", out, func(g []float32) {
		if x.requiresGrad {
			ops.AddConst(x.GradBuf(), g[0]/float32(n))
		}
	}, x)
}
