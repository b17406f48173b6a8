package autograd

import (
	"fmt"

	"github.com/cvogl/halo/ops"
)

// DepthwiseConv2dGELU is GELU(Conv2d(x, w, b, p)) for a depthwise convolution (groups
// = input channels = output channels; w [C,1,KH,KW], b nil or [C]), computed by the
// fused kernels ops.DepthwiseConv2dGELU and ops.DepthwiseConv2dGELUBackward. At stride
// 1 (the LSK Mlp's 3x3 dwconv) the forward applies the GELU to each strip of
// convolution outputs while it is in cache, and the backward takes the gradient back
// through the GELU one plane at a time, so neither pass makes an extra trip over an
// output-sized tensor; other strides run unfused inside the same calls. The result
// equals the composition to float32 rounding; only the pre-activation is kept for the
// backward, as the composition keeps the conv output.
func DepthwiseConv2dGELU(x, w, b *Tensor, p ops.ConvParams) *Tensor {
	g, bData := convGeom("depthwise conv2d gelu", x, w, b, p)
	if g.P.Groups != g.C || g.O != g.C {
		panic(fmt.Sprintf("depthwise conv2d gelu: input %v, weight %v, groups %d is not depthwise", x.Shape, w.Shape, g.P.Groups))
	}
	out := Zeros(g.OutShape()...)
	// The pre-activation is only needed (and kept) when the op will be recorded.
	var pre []float32
	if GradEnabled() && (x.requiresGrad || w.requiresGrad || (b != nil && b.requiresGrad)) {
		pre = make([]float32, len(out.Data))
	}
	ops.DepthwiseConv2dGELU(out.Data, pre, x.Data, w.Data, bData, g)
	return Record("depthwise_conv2d_gelu", out, func(gy []float32) {
		dx, dw, db := convGrads(x, w, b)
		ops.DepthwiseConv2dGELUBackward(dx, dw, db, gy, pre, x.Data, w.Data, g)
	}, x, w, b)
}
