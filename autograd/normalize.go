package autograd

import "github.com/cvogl/halo/ops"

// Normalize returns x / max(||x||_2, eps) along axis, PyTorch's F.normalize(p=2)
// (HALO uses eps 1e-12), gradient included: where the norm is below eps the clamp
// passes no gradient through the norm.
func Normalize(x *Tensor, axis int, eps float32) *Tensor {
	outer, dim, inner := lineDims("Normalize", x.Shape, axis)
	out := Empty(x.Shape...)
	norms := make([]float32, outer*inner)
	ops.NormalizeForward(out.Data, norms, x.Data, outer, dim, inner, eps)
	return Record("normalize", out, func(g []float32) {
		if x.requiresGrad {
			ops.NormalizeBackward(x.GradBuf(), g, x.Data, norms, outer, dim, inner, eps)
		}
	}, x)
}
