package autograd

import "github.com/cvogl/halo/ops"

// ReLU returns max(x, 0).
func ReLU(x *Tensor) *Tensor {
	out := Empty(x.Shape...)
	ops.ReLU(out.Data, x.Data)
	return Record("relu", out, func(g []float32) {
		if x.requiresGrad {
			ops.ReLUBackward(x.GradBuf(), g, x.Data)
		}
	}, x)
}

// LeakyReLU returns x for x > 0 and slope*x otherwise.
func LeakyReLU(x *Tensor, slope float32) *Tensor {
	out := Empty(x.Shape...)
	ops.LeakyReLU(out.Data, x.Data, slope)
	return Record("leaky_relu", out, func(g []float32) {
		if x.requiresGrad {
			ops.LeakyReLUBackward(x.GradBuf(), g, x.Data, slope)
		}
	}, x)
}

// GELU returns the exact (erf) GELU, 0.5*x*(1 + erf(x/sqrt 2)).
func GELU(x *Tensor) *Tensor {
	out := Empty(x.Shape...)
	ops.GELU(out.Data, x.Data)
	return Record("gelu", out, func(g []float32) {
		if x.requiresGrad {
			ops.GELUBackward(x.GradBuf(), g, x.Data)
		}
	}, x)
}

// Sigmoid returns 1/(1+exp(-x)).
func Sigmoid(x *Tensor) *Tensor {
	out := Empty(x.Shape...)
	ops.Sigmoid(out.Data, x.Data)
	return Record("sigmoid", out, func(g []float32) {
		if x.requiresGrad {
			ops.SigmoidBackward(x.GradBuf(), g, out.Data)
		}
	}, x)
}

// Exp returns exp(x).
func Exp(x *Tensor) *Tensor {
	out := Empty(x.Shape...)
	ops.Exp(out.Data, x.Data)
	return Record("exp", out, func(g []float32) {
		if x.requiresGrad {
			ops.ExpBackward(x.GradBuf(), g, out.Data)
		}
	}, x)
}

// Log returns the natural logarithm of x.
func Log(x *Tensor) *Tensor {
	out := Empty(x.Shape...)
	ops.Log(out.Data, x.Data)
	return Record("log", out, func(g []float32) {
		if x.requiresGrad {
			ops.LogBackward(x.GradBuf(), g, x.Data)
		}
	}, x)
}

// ELU returns x for x > 0 and alpha*(exp(x)-1) otherwise.
func ELU(x *Tensor, alpha float32) *Tensor {
	out := Empty(x.Shape...)
	ops.ELU(out.Data, x.Data, alpha)
	return Record("elu", out, func(g []float32) {
		if x.requiresGrad {
			ops.ELUBackward(x.GradBuf(), g, x.Data, alpha)
		}
	}, x)
}
