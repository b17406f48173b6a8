package autograd

import (
	"fmt"

	"github.com/cvogl/halo/ops"
)

// Add returns a + b with NumPy broadcasting.
func Add(a, b *Tensor) *Tensor { return broadcastOp("add", ops.OpAdd, a, b) }

// Sub returns a - b with NumPy broadcasting.
func Sub(a, b *Tensor) *Tensor { return broadcastOp("sub", ops.OpSub, a, b) }

// Mul returns the elementwise product a * b with NumPy broadcasting.
func Mul(a, b *Tensor) *Tensor { return broadcastOp("mul", ops.OpMul, a, b) }

// Div returns the elementwise quotient a / b with NumPy broadcasting.
func Div(a, b *Tensor) *Tensor { return broadcastOp("div", ops.OpDiv, a, b) }

// broadcastOp runs a binary op over the NumPy broadcast of a and b (shapes aligned at
// the last axis, sizes equal or 1); each input's gradient is summed back over the axes
// it was broadcast along.
func broadcastOp(name string, op ops.BinaryOp, a, b *Tensor) *Tensor {
	bc, err := ops.NewBroadcast(a.Shape, b.Shape)
	if err != nil {
		panic(fmt.Sprintf("autograd.%s(%s, %s): %v", name, tensorLabel(a), tensorLabel(b), err))
	}
	out := Empty(bc.Out...)
	bc.Apply(op, out.Data, a.Data, b.Data)
	return Record(name, out, func(g []float32) {
		if a.requiresGrad {
			bc.BackwardA(op, a.GradBuf(), g, a.Data, b.Data)
		}
		if b.requiresGrad {
			bc.BackwardB(op, b.GradBuf(), g, a.Data, b.Data)
		}
	}, a, b)
}

// tensorLabel names a tensor in error messages: its Name if set, and its shape.
func tensorLabel(t *Tensor) string {
	if t.Name != "" {
		return fmt.Sprintf("%s%v", t.Name, t.Shape)
	}
	return fmt.Sprintf("%v", t.Shape)
}

// AddScalar returns x + s.
func AddScalar(x *Tensor, s float32) *Tensor {
	out := Empty(x.Shape...)
	ops.AddScalar(out.Data, x.Data, s)
	return Record("add_scalar", out, func(g []float32) {
		if x.requiresGrad {
			ops.AddTo(x.GradBuf(), g)
		}
	}, x)
}

// Neg returns -x.
func Neg(x *Tensor) *Tensor {
	out := Empty(x.Shape...)
	ops.Neg(out.Data, x.Data)
	return Record("neg", out, func(g []float32) {
		if x.requiresGrad {
			ops.SubFrom(x.GradBuf(), g)
		}
	}, x)
}
