package autograd

import (
	"fmt"

	"github.com/cvogl/halo/ops"
)

// Conv2d is PyTorch's F.conv2d: x [N,C,H,W], w [O,C/Groups,KH,KW], b nil or [O],
// giving [N,O,OH,OW]. Zero strides, dilations and groups in p mean 1.
func Conv2d(x, w, b *Tensor, p ops.ConvParams) *Tensor {
	g, bData := convGeom("conv2d", x, w, b, p)
	out := Empty(g.OutShape()...)
	ops.Conv2d(out.Data, x.Data, w.Data, bData, g)
	return Record("conv2d", out, func(gy []float32) {
		// When x has no gradient yet (usually: one consumer), take an uncleared buffer
		// and let the kernel store dx instead of clearing it and adding to the zeros.
		storeDx := false
		if x.RequiresGrad() {
			_, storeDx = firstGradBuf(x)
		}
		dx, dw, db := convGrads(x, w, b)
		if storeDx {
			ops.Conv2dBackwardStoreDx(dx, dw, db, gy, x.Data, w.Data, g)
		} else {
			ops.Conv2dBackward(dx, dw, db, gy, x.Data, w.Data, g)
		}
	}, x, w, b)
}

// convGeom checks a convolution's operands and returns its geometry and bias data.
func convGeom(op string, x, w, b *Tensor, p ops.ConvParams) (ops.ConvGeom, []float32) {
	var bShape []int
	var bData []float32
	if b != nil {
		bShape, bData = b.Shape, b.Data
		if bShape == nil {
			bShape = []int{}
		}
	}
	g := ops.NewConvGeom(x.Shape, w.Shape, bShape, p)
	if len(x.Data) != Numel(x.Shape) || len(w.Data) != Numel(w.Shape) {
		panic(fmt.Sprintf("%s: data of %d/%d values for input %v, weight %v", op, len(x.Data), len(w.Data), x.Shape, w.Shape))
	}
	return g, bData
}

// convGrads returns the gradient buffers of the operands that need one (nil otherwise).
func convGrads(x, w, b *Tensor) (dx, dw, db []float32) {
	return gradBuf(x), gradBuf(w), gradBuf(b)
}
