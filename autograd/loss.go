package autograd

import (
	"fmt"

	"github.com/cvogl/halo/ops"
)

// CrossEntropy returns the mean over rows of -log softmax(logits)[target] for
// logits [N, C] and one class index in [0, C) per row.
func CrossEntropy(logits *Tensor, targets []int) *Tensor {
	if len(logits.Shape) != 2 || len(targets) != logits.Shape[0] {
		panic(fmt.Sprintf("autograd.CrossEntropy: logits %v ([N, C]) with %d targets", logits.Shape, len(targets)))
	}
	n, c := logits.Shape[0], logits.Shape[1]
	for i, t := range targets {
		if t < 0 || t >= c {
			panic(fmt.Sprintf("autograd.CrossEntropy: target[%d] = %d outside [0, %d)", i, t, c))
		}
	}
	tg := append([]int(nil), targets...)
	lse := make([]float32, n)
	out := Scalar(ops.CrossEntropyForward(lse, logits.Data, tg, n, c))
	return Record("cross_entropy", out, func(g []float32) {
		if logits.requiresGrad {
			ops.CrossEntropyBackward(logits.GradBuf(), g[0], logits.Data, lse, tg, n, c)
		}
	}, logits)
}

// MSE returns mean((a-b)^2) over all elements; a and b have the same shape.
func MSE(a, b *Tensor) *Tensor {
	if !SameShape(a.Shape, b.Shape) {
		panic(fmt.Sprintf("autograd.MSE: shapes %v and %v differ", a.Shape, b.Shape))
	}
	out := Scalar(ops.MSEForward(a.Data, b.Data))
	return Record("mse", out, func(g []float32) {
		var da, db []float32
		if a.requiresGrad {
			da = a.GradBuf()
		}
		if b.requiresGrad {
			db = b.GradBuf()
		}
		ops.MSEBackward(da, db, g[0], a.Data, b.Data)
	}, a, b)
}
