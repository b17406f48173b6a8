package simd

import "fmt"

// Exported vector kernels. Each checks lengths once (so the kernels need no bounds
// checks) and calls the active path. n is len(x); the other slices must be at least
// that long. dst may alias x or y exactly (same start); partial overlaps are undefined.

func need(fn string, name string, have, n int) {
	if have < n {
		panic(fmt.Sprintf("simd.%s: len(%s) = %d < len(x) = %d", fn, name, have, n))
	}
}

// Dot returns sum(x[i]*y[i]) over len(x); y must be at least as long.
func Dot(x, y []float32) float32 {
	need("Dot", "y", len(y), len(x))
	return active.dot(x, y[:len(x)])
}

// Axpy computes y += alpha*x over len(x).
func Axpy(alpha float32, x, y []float32) {
	need("Axpy", "y", len(y), len(x))
	active.axpy(alpha, x, y[:len(x)])
}

// Scale computes x *= alpha.
func Scale(alpha float32, x []float32) { active.scale(alpha, x) }

// Sum returns the sum of x (summed in several partial sums, so the rounding differs
// from a sequential loop).
func Sum(x []float32) float32 { return active.sum(x) }

// Max returns the largest element of x, NaN if any element is NaN, and -Inf for an
// empty x.
func Max(x []float32) float32 { return active.max(x) }

// Add computes dst = x + y elementwise over len(x).
func Add(dst, x, y []float32) {
	need("Add", "y", len(y), len(x))
	need("Add", "dst", len(dst), len(x))
	active.add(dst[:len(x)], x, y[:len(x)])
}

// Mul computes dst = x * y elementwise over len(x).
func Mul(dst, x, y []float32) {
	need("Mul", "y", len(y), len(x))
	need("Mul", "dst", len(dst), len(x))
	active.mul(dst[:len(x)], x, y[:len(x)])
}

// AddScalar computes dst = x + s elementwise over len(x).
func AddScalar(dst, x []float32, s float32) {
	need("AddScalar", "dst", len(dst), len(x))
	active.addScalar(dst[:len(x)], x, s)
}

// Fill sets every element of dst to v.
func Fill(dst []float32, v float32) {
	if len(dst) == 0 {
		return
	}
	dst[0] = v
	for i := 1; i < len(dst); i *= 2 {
		copy(dst[i:], dst[:i])
	}
}

// Exp computes dst = e^x elementwise over len(x) (error bound: see math_generic.go;
// results below 2^-126 flush to 0).
func Exp(dst, x []float32) {
	need("Exp", "dst", len(dst), len(x))
	active.exp(dst[:len(x)], x)
}

// Sigmoid computes dst = 1/(1+e^-x) elementwise over len(x).
func Sigmoid(dst, x []float32) {
	need("Sigmoid", "dst", len(dst), len(x))
	active.sigmoid(dst[:len(x)], x)
}

// GELU computes dst = x*Phi(x) (the exact, erf form: 0.5*x*(1+erf(x/sqrt2))) elementwise
// over len(x), with a polynomial erfc, accurate to a few ulp (see math_generic.go).
func GELU(dst, x []float32) {
	need("GELU", "dst", len(dst), len(x))
	active.gelu(dst[:len(x)], x)
}

// ELU computes dst = x for x > 0, e^x - 1 otherwise (alpha 1), elementwise over len(x).
func ELU(dst, x []float32) {
	need("ELU", "dst", len(dst), len(x))
	active.elu(dst[:len(x)], x)
}
