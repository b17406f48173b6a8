package autograd

import (
	"fmt"

	"github.com/cvogl/halo/ops"
)

// Interpolate is PyTorch's F.interpolate(x, size=(outH, outW), mode="bilinear",
// align_corners=False) on an NCHW tensor.
func Interpolate(x *Tensor, outH, outW int) *Tensor {
	n, c, h, w := convNCHW("interpolate", x)
	if outH < 1 || outW < 1 {
		panic(fmt.Sprintf("interpolate: output size %dx%d for input %v", outH, outW, x.Shape))
	}
	out := Empty(n, c, outH, outW)
	ops.Interpolate(out.Data, x.Data, n, c, h, w, outH, outW)
	return Record("interpolate", out, func(gy []float32) {
		ops.InterpolateBackward(x.GradBuf(), gy, n, c, h, w, outH, outW)
	}, x)
}
