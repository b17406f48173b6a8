package ops

import (
	"math"

	"github.com/cvogl/halo/simd"
)

// Activation kernels: forward kernels overwrite dst (which may alias x); backward
// kernels accumulate into dx. Forward transcendentals use simd's vector kernels
// (a few ulp, see simd/math_generic.go); backward ones go through float64.

// parallelElems runs fn over [0, n) in chunks on the worker pool.
func parallelElems(n int, fn func(lo, hi int)) {
	if n < 2*elemGrain {
		fn(0, n)
		return
	}
	simd.ParallelFor(n, elemGrain, fn)
}

// ReLU computes dst = max(x, 0).
func ReLU(dst, x []float32) {
	x = x[:len(dst)]
	parallelElems(len(dst), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			dst[i] = max(x[i], 0)
		}
	})
}

// ReLUBackward accumulates dx += g where x > 0 (the subgradient at 0 is 0, as in
// PyTorch).
func ReLUBackward(dx, g, x []float32) {
	g, x = g[:len(dx)], x[:len(dx)]
	parallelElems(len(dx), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if x[i] > 0 {
				dx[i] += g[i]
			}
		}
	})
}

// LeakyReLU computes dst = x for x > 0, slope*x otherwise.
func LeakyReLU(dst, x []float32, slope float32) {
	x = x[:len(dst)]
	parallelElems(len(dst), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if v := x[i]; v > 0 {
				dst[i] = v
			} else {
				dst[i] = v * slope
			}
		}
	})
}

// LeakyReLUBackward accumulates dx += g (x > 0) or slope*g (x <= 0).
func LeakyReLUBackward(dx, g, x []float32, slope float32) {
	g, x = g[:len(dx)], x[:len(dx)]
	parallelElems(len(dx), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if x[i] > 0 {
				dx[i] += g[i]
			} else {
				dx[i] += slope * g[i]
			}
		}
	})
}

// GELU computes the exact GELU, dst = 0.5*x*(1 + erf(x/sqrt 2)).
func GELU(dst, x []float32) {
	x = x[:len(dst)]
	parallelElems(len(dst), func(lo, hi int) { simd.GELU(dst[lo:hi], x[lo:hi]) })
}

// GELUBackward accumulates dx += g * (Phi(x) + x*phi(x)), Phi and phi the standard
// normal cdf and density, in one vector pass (simd.GELUGrad): the derivative is
// accurate to 1e-6 relative, except within 0.15 of its zero near x = -0.75, where the
// error is at most 3e-8 more.
func GELUBackward(dx, g, x []float32) {
	g, x = g[:len(dx)], x[:len(dx)]
	parallelElems(len(dx), func(lo, hi int) { simd.GELUGrad(dx[lo:hi], g[lo:hi], x[lo:hi]) })
}

// actChunk is the length of the stack buffers activation backward kernels work in.
const actChunk = 256

// Sigmoid computes dst = 1/(1+exp(-x)) (results below 2^-126 flush to 0).
func Sigmoid(dst, x []float32) {
	x = x[:len(dst)]
	parallelElems(len(dst), func(lo, hi int) { simd.Sigmoid(dst[lo:hi], x[lo:hi]) })
}

// SigmoidBackward accumulates dx += g*y*(1-y) from the forward output y.
func SigmoidBackward(dx, g, y []float32) {
	g, y = g[:len(dx)], y[:len(dx)]
	parallelElems(len(dx), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			dx[i] += g[i] * y[i] * (1 - y[i])
		}
	})
}

// Exp computes dst = exp(x) (results below 2^-126 flush to 0).
func Exp(dst, x []float32) {
	x = x[:len(dst)]
	parallelElems(len(dst), func(lo, hi int) { simd.Exp(dst[lo:hi], x[lo:hi]) })
}

// ExpBackward accumulates dx += g*y from the forward output y = exp(x).
func ExpBackward(dx, g, y []float32) {
	g, y = g[:len(dx)], y[:len(dx)]
	parallelElems(len(dx), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			dx[i] += g[i] * y[i]
		}
	})
}

// Log computes dst = ln(x) (NaN for x < 0, -Inf at 0).
func Log(dst, x []float32) {
	x = x[:len(dst)]
	parallelElems(len(dst), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			dst[i] = float32(math.Log(float64(x[i])))
		}
	})
}

// LogBackward accumulates dx += g/x.
func LogBackward(dx, g, x []float32) {
	g, x = g[:len(dx)], x[:len(dx)]
	parallelElems(len(dx), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			dx[i] += g[i] / x[i]
		}
	})
}

// ELU computes dst = x for x > 0, alpha*(exp(x)-1) otherwise.
func ELU(dst, x []float32, alpha float32) {
	x = x[:len(dst)]
	parallelElems(len(dst), func(lo, hi int) {
		simd.ELU(dst[lo:hi], x[lo:hi])
		if alpha == 1 {
			return
		}
		for i := lo; i < hi; i++ {
			if dst[i] < 0 {
				dst[i] *= alpha
			}
		}
	})
}

// ELUBackward accumulates dx += g (x > 0) or g*alpha*exp(x) (x <= 0).
func ELUBackward(dx, g, x []float32, alpha float32) {
	g, x = g[:len(dx)], x[:len(dx)]
	parallelElems(len(dx), func(lo, hi int) {
		var e [actChunk]float32
		for c := lo; c < hi; c += actChunk {
			n := min(actChunk, hi-c)
			xs := x[c : c+n]
			simd.Exp(e[:n], xs)
			gs, ds := g[c:c+n], dx[c:c+n]
			for i, v := range xs {
				if v > 0 {
					ds[i] += gs[i]
				} else {
					ds[i] += gs[i] * alpha * e[i]
				}
			}
		}
	})
}
