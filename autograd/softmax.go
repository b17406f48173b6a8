package autograd

import (
	"fmt"

	"github.com/cvogl/halo/ops"
)

// lineDims resolves axis (negative counts from the end) of shape into the
// [outer, dim, inner] view the line kernels use.
func lineDims(op string, shape []int, axis int) (outer, dim, inner int) {
	a := axis
	if a < 0 {
		a += len(shape)
	}
	if a < 0 || a >= len(shape) {
		panic(fmt.Sprintf("autograd.%s: axis %d out of range for shape %v", op, axis, shape))
	}
	return Numel(shape[:a]), shape[a], Numel(shape[a+1:])
}

// Softmax returns exp(x) / sum(exp(x)) along axis, computed stably.
func Softmax(x *Tensor, axis int) *Tensor {
	outer, dim, inner := lineDims("Softmax", x.Shape, axis)
	out := Empty(x.Shape...)
	ops.SoftmaxForward(out.Data, x.Data, outer, dim, inner)
	y := out.Data
	return Record("softmax", out, func(g []float32) {
		if x.requiresGrad {
			ops.SoftmaxBackward(x.GradBuf(), g, y, outer, dim, inner)
		}
	}, x)
}

// LogSoftmax returns x - log(sum(exp(x))) along axis, computed stably.
func LogSoftmax(x *Tensor, axis int) *Tensor {
	outer, dim, inner := lineDims("LogSoftmax", x.Shape, axis)
	out := Empty(x.Shape...)
	ops.LogSoftmaxForward(out.Data, x.Data, outer, dim, inner)
	y := out.Data
	return Record("log_softmax", out, func(g []float32) {
		if x.requiresGrad {
			ops.LogSoftmaxBackward(x.GradBuf(), g, y, outer, dim, inner)
		}
	}, x)
}
