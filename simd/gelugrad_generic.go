package simd

// The GELU derivative, d(x) = Phi(x) + x*phi(x) (Phi, phi the standard normal cdf and
// density), for backward passes: GELUGrad accumulates dx += g*d(x) in one pass, with the
// building blocks of gelu32 (math_generic.go) instead of a forward GELU, an Exp and a
// division per element. This is the pure-Go twin of gelugrad_amd64.s (compiled
// everywhere, so tests can hold the assembly to it).
//
// |x| <= 1: d = 1/2 + x*Q(x^2) with Q the Taylor series of (Phi(x) - 1/2 + x*phi(x))/x,
// Q_n = (-1)^n (2n+2) / ((2n+1) sqrt(2pi) 2^n n!), to n = 8 (truncation < 2.3e-9).
// |x| > 1, a = min(|x|, 14): with E = exp(-a^2/2) (a^2 split exactly as in gelu32),
// Phi(-a) = E*F(a)/2 (F the erfcx polynomial of gelu32) and a*phi(a) = E*a/sqrt(2pi), so
//   m = a*phi(a) - Phi(-a) = E * (a/sqrt(2pi) - F(a)/2)  (> 0),
//   d(x) = 1 + m for x > 1,   d(x) = -m for x < -1.
// The bracket is scaled by e^r * 2^(n>>1) before the last factor 2^(n-(n>>1)), so m is
// never rounded through a subnormal while it is itself normal (a^2/2 reaches 98).
//
// Error bound against float64 (asserted by gelugrad_test.go on a dense sweep plus random
// and special inputs, for every path):
//   |d32 - d| <= 1e-6*|d|            for |x + 0.7518| >= 0.15,
//   |d32 - d| <= 1e-6*|d| + 3e-8     within 0.15 of the zero of d at x = -0.7518.
// Max seen: 6.5e-7 relative in this pure-Go twin, 5.4e-7 with FMAs (assembly), both near
// x = -0.95, on the approach to the zero, where d is a difference of terms several times
// larger than itself. Near the zero no relative bound is possible (d crosses 0);
// splitting Q0 and rounding 1/2 + x*Q0hi once keeps the absolute error there to ~3e-8,
// about the rounding of the terms (~0.3) that cancel.
// Special values follow the forward GELU: d(NaN) = NaN, d(+Inf) = 1, d(-Inf) = 0, and
// results of magnitude below 2^-126 (x below about -13.3) flush to 0. Denormal x gives 1/2.

const (
	geluInvSqrt2Pi = 0.3989422804014327
	geluQ0hi       = 0.7978845834732056 // float32(Q0), Q0 = sqrt(2/pi)
	geluQ0lo       = -2.2670340160679814e-08
	geluQ1         = -0.2659615202676218
	geluQ2         = 0.05984134206021491
	geluQ3         = -0.009498625723843636
	geluQ4         = 0.0011543468761615531
	geluQ5         = -0.00011333587511404338
	geluQ6         = 9.323570922843314e-06
	geluQ7         = -6.596267863780302e-07
	geluQ8         = 4.092353683871052e-08
	minNormal32    = 0x1p-126
)

// gelugrad32 returns d(x) = Phi(x) + x*phi(x), the derivative of x*Phi(x).
func gelugrad32(x float32) float32 {
	if x != x {
		return x
	}
	if x >= -geluSmall && x <= geluSmall {
		// d = (1/2 + x*Q0hi) + x*(x2*R + Q0lo), R = Q1 + Q2 x2 + ...: d crosses 0 at
		// x = -0.75, where 1/2 + x*Q would lose the bits of x*Q below ulp(1/2). The first
		// bracket is one rounding (an FMA; here exact in float64), Q0 is split in two.
		x2 := x * x
		r := float32(geluQ8)
		r = r*x2 + geluQ7
		r = r*x2 + geluQ6
		r = r*x2 + geluQ5
		r = r*x2 + geluQ4
		r = r*x2 + geluQ3
		r = r*x2 + geluQ2
		r = r*x2 + geluQ1
		h := float32(float64(x)*geluQ0hi + 0.5)
		return h + x*(x2*r+geluQ0lo)
	}
	a, s, e, f := geluTail(x)
	// k = (a/sqrt(2pi) - F/2) * exp(-e/2); exp(-(s+e)/2) = exp(-s/2) * k/bracket.
	k := (a*geluInvSqrt2Pi - 0.5*f) * (1 - 0.5*e)
	n, q := expReduce(-0.5 * s)
	n1 := n >> 1
	m := (k + k*q) * pow2(n1) * pow2(n-n1)
	if x > 0 {
		return 1 + m
	}
	if m < minNormal32 {
		return 0
	}
	return -m
}

func gelugradGeneric(dx, g, x []float32) {
	dx, g = dx[:len(x)], g[:len(x)]
	for i, v := range x {
		dx[i] += g[i] * gelugrad32(v)
	}
}

// gelugradImpls holds the kernels by path name; gelugrad_amd64.go adds the assembly ones.
var gelugradImpls = map[string]func(dx, g, x []float32){"generic": gelugradGeneric}

// gelugradFor follows the active path (tests swap it).
func gelugradFor(im *impl) func(dx, g, x []float32) {
	if k, ok := gelugradImpls[im.name]; ok {
		return k
	}
	return gelugradGeneric
}

// GELUGrad accumulates dx += g * (Phi(x) + x*phi(x)), the backward pass of the exact (erf)
// GELU, elementwise over len(x). The derivative d is accurate to 1e-6 relative except near
// its zero at x = -0.7518, where the error is at most 3e-8 more (see above).
func GELUGrad(dx, g, x []float32) {
	need("GELUGrad", "dx", len(dx), len(x))
	need("GELUGrad", "g", len(g), len(x))
	gelugradFor(active)(dx[:len(x)], g[:len(x)], x)
}
