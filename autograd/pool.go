package autograd

import (
	"fmt"

	"github.com/cvogl/halo/ops"
)

func convNCHW(op string, x *Tensor) (n, c, h, w int) {
	if len(x.Shape) != 4 {
		panic(fmt.Sprintf("%s: input must be NCHW, got shape %v", op, x.Shape))
	}
	return x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
}

// MaxPool2d is PyTorch's F.max_pool2d with a square k x k window, the given stride and
// padding (padding acts as -inf, floor mode). The gradient goes to each window's first
// maximum.
func MaxPool2d(x *Tensor, k, stride, pad int) *Tensor {
	n, c, h, w := convNCHW("maxpool2d", x)
	oh := ops.PoolOutSize("maxpool2d", h, k, stride, pad)
	ow := ops.PoolOutSize("maxpool2d", w, k, stride, pad)
	out := Empty(n, c, oh, ow)
	var idx []int32
	if GradEnabled() && x.RequiresGrad() {
		idx = make([]int32, len(out.Data))
	}
	ops.MaxPool2d(out.Data, idx, x.Data, n, c, h, w, k, stride, pad)
	return Record("maxpool2d", out, func(gy []float32) {
		ops.MaxPool2dBackward(x.GradBuf(), gy, idx, h*w, oh*ow)
	}, x)
}

// AdaptiveAvgPool2d is PyTorch's F.adaptive_avg_pool2d to an outH x outW output.
func AdaptiveAvgPool2d(x *Tensor, outH, outW int) *Tensor {
	n, c, h, w := convNCHW("adaptive_avg_pool2d", x)
	if outH < 1 || outW < 1 {
		panic(fmt.Sprintf("adaptive_avg_pool2d: output size %dx%d for input %v", outH, outW, x.Shape))
	}
	out := Empty(n, c, outH, outW)
	ops.AdaptiveAvgPool2d(out.Data, x.Data, n, c, h, w, outH, outW)
	return Record("adaptive_avg_pool2d", out, func(gy []float32) {
		ops.AdaptiveAvgPool2dBackward(x.GradBuf(), gy, n, c, h, w, outH, outW)
	}, x)
}
