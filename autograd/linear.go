package autograd

import (
	"fmt"

	"github.com/cvogl/halo/ops"
)

// Linear returns x*w^T + b over the last axis of x: x [..., in], w [out, in] (PyTorch's
// layout), b nil or [out]; the result is [..., out].
func Linear(x, w, b *Tensor) *Tensor {
	if len(x.Shape) == 0 || len(w.Shape) != 2 || x.Shape[len(x.Shape)-1] != w.Shape[1] {
		panic(fmt.Sprintf("autograd.Linear: input %v does not match weight %v ([out, in])", x.Shape, w.Shape))
	}
	out, in := w.Shape[0], w.Shape[1]
	if b != nil && (len(b.Shape) != 1 || b.Shape[0] != out) {
		panic(fmt.Sprintf("autograd.Linear: bias %v for weight %v", b.Shape, w.Shape))
	}
	rows := Numel(x.Shape[:len(x.Shape)-1])
	shape := append(append([]int(nil), x.Shape[:len(x.Shape)-1]...), out)
	y := Empty(shape...)
	var bd []float32
	if b != nil {
		bd = b.Data
	}
	ops.LinearForward(y.Data, x.Data, w.Data, bd, rows, in, out)
	inputs := []*Tensor{x, w}
	if b != nil {
		inputs = append(inputs, b)
	}
	return Record("linear", y, func(g []float32) {
		var dx, dw, db []float32
		if x.requiresGrad {
			dx = x.GradBuf()
		}
		if w.requiresGrad {
			dw = w.GradBuf()
		}
		if b != nil && b.requiresGrad {
			db = b.GradBuf()
		}
		ops.LinearBackward(dx, dw, db, g, x.Data, w.Data, rows, in, out)
	}, inputs...)
}
