package autograd

import (
	"fmt"

	"github.com/cvogl/halo/ops"
)

// DepthwiseConv2dGELU is GELU(Conv2d(x, w, b, p)) for a depthwise convolution (groups
// = input channels = output channels; w [C,1,KH,KW], b nil or [C]), computed by the
// fused kernels ops.DepthwiseConv2dGELU and ops.DepthwiseConv2dGELUBackward. At stride
// 1 (the LSK Mlp's 3x3 dwconv) the forward applies the GELU to each strip of
// convolution outputs while it is in cache, and the backward recomputes the
// pre-activation strip by strip from x (bit for bit the forward's) instead of keeping
// it, so the op stores nothing but its output: the composition keeps the conv output,
// an extra output-sized tensor written in the forward and read in the backward, which
// costs more memory traffic than the ~9 FMAs per value of recomputing it. The result
// equals the composition to float32 rounding. Like every op here, the backward reads
// x, w and b as they were at the forward.
func DepthwiseConv2dGELU(x, w, b *Tensor, p ops.ConvParams) *Tensor {
	g, bData := convGeom("depthwise conv2d gelu", x, w, b, p)
	if g.P.Groups != g.C || g.O != g.C {
		panic(fmt.Sprintf("depthwise conv2d gelu: input %v, weight %v, groups %d is not depthwise", x.Shape, w.Shape, g.P.Groups))
	}
	out := Empty(g.OutShape()...) // every value is written
	ops.DepthwiseConv2dGELU(out.Data, nil, x.Data, w.Data, bData, g)
	return Record("depthwise_conv2d_gelu", out, func(gy []float32) {
		// x's gradient is usually ours alone (the Mlp's fc1 output): if it has no
		// buffer yet, the kernel stores instead of adding. At stride 1 it stores every
		// value, so the buffer need not even be cleared; the strided path accumulates
		// into GradBuf's zeros.
		dxZero := x.Grad == nil
		if dxZero && x.requiresGrad && g.P.StrideH == 1 && g.P.StrideW == 1 {
			firstGradBuf(x)
		}
		dx, dw, db := convGrads(x, w, b)
		if dxZero {
			ops.DepthwiseConv2dGELUBackwardZeroDx(dx, dw, db, gy, x.Data, w.Data, bData, g)
		} else {
			ops.DepthwiseConv2dGELUBackward(dx, dw, db, gy, x.Data, w.Data, bData, g)
		}
	}, x, w, b)
}
