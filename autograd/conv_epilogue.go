package autograd

import "github.com/cvogl/halo/ops"

// Conv2dGELU returns GELU(Conv2d(x, w, b, p)). With nothing to record (inference) the
// GELU runs inside the convolution, on each block of output rows right after its
// bias (ops.Conv2dForwardEpilogue), saving a pass over the output; the values are the
// same bit for bit. Otherwise it is the unfused composition, gradients and all.
func Conv2dGELU(x, w, b *Tensor, p ops.ConvParams) *Tensor {
	if y := conv2dEpilogue(x, w, b, nil, p, ops.EpiGELU); y != nil {
		return y
	}
	c := Conv2d(x, w, b, p)
	y := GELU(c)
	c.Release()
	return y
}

// Conv2dMul returns Mul(t, Conv2d(x, w, b, p)), fused in inference as Conv2dGELU when t
// has the convolution's output shape.
func Conv2dMul(x, w, b, t *Tensor, p ops.ConvParams) *Tensor {
	if y := conv2dEpilogue(x, w, b, t, p, ops.EpiMul); y != nil {
		return y
	}
	c := Conv2d(x, w, b, p)
	y := Mul(t, c)
	c.Release()
	return y
}

// Conv2dAdd returns Add(Conv2d(x, w, b, p), t), fused in inference as Conv2dGELU when t
// has the convolution's output shape (a residual shortcut added as the output is made).
func Conv2dAdd(x, w, b, t *Tensor, p ops.ConvParams) *Tensor {
	if y := conv2dEpilogue(x, w, b, t, p, ops.EpiAdd); y != nil {
		return y
	}
	c := Conv2d(x, w, b, p)
	y := Add(c, t)
	c.Release()
	return y
}

// conv2dEpilogue is the fused forward, or nil where it does not apply: the op would be
// recorded (there is no fused backward), or t (EpiMul, EpiAdd) does not have the
// output's shape (the unfused op broadcasts it).
func conv2dEpilogue(x, w, b, t *Tensor, p ops.ConvParams, op ops.EpilogueOp) *Tensor {
	if Records(x, w, b, t) {
		return nil
	}
	g, bData := convGeom("conv2d epilogue", x, w, b, p)
	e := ops.ConvEpilogue{Op: op}
	if t != nil {
		if !SameShape(t.Shape, g.OutShape()) || len(t.Data) != Numel(t.Shape) {
			return nil
		}
		e.T = t.Data
	}
	out := Empty(g.OutShape()...)
	ops.Conv2dForwardEpilogue(out.Data, x.Data, w.Data, bData, g, e)
	return out
}
