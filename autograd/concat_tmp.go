package autograd

// Concat1 concatenates 1-element tensors into a vector. (Placeholder until the
// general Concat lands; used by tape tests.)
func Concat1(xs ...*Tensor) *Tensor {
	out := Zeros(len(xs))
	for i, x := range xs {
		out.Data[i] = x.Data[0]
	}
	return Record("concat1", out, func(g []float32) {
		for i, x := range xs {
			if x.requiresGrad {
				x.GradBuf()[0] += g[i]
			}
		}
	}, xs...)
}
