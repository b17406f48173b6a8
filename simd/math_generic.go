package simd

import "math"

// Fast float32 exp and the activations built on it. The assembly in math_amd64.s runs the
// same algorithm with FMAs; this is its pure-Go twin (compiled everywhere, see
// gemm_generic.go).
//
// exp(x): n = round(x*log2(e)), r = x - n*ln2 (ln2 split in two so n*ln2hi is exact),
// |r| <= ln2/2, e^r - 1 = r + r^2*(1/2 + r/6 + ... + r^6/8!) (Taylor to degree 8: the
// truncation error is below 0.01 ulp on |r| <= 0.35), then exp(x) = (1 + q) * 2^n with
// the 2^n applied as two factors 2^(n>>1) * 2^(n-(n>>1)) so that n = 128 (x just below
// ln(MaxFloat32)) and n = -126 do not overflow or go subnormal in the scale factor.
//
// Error bounds against math.Exp/math.Erfc/math.Expm1 in float64, measured over every
// 37th float32 of each range (about 6e7 inputs per function and path) and asserted by
// math_test.go on a denser sweep of its own:
//   Exp      <= 1 ulp (max seen 0.98) for results >= 2^-126; x < ln(2^-126) returns 0
//            (no subnormal results), x > ln(MaxFloat32) returns +Inf, NaN returns NaN.
//   Sigmoid  <= 2.5 ulp (max seen 2.38); results below 2^-126 flush to 0.
//   ELU      <= 1 ulp (max seen 0.87): expm1 is computed as 2^n*q + (2^n - 1), which is
//            q itself for |x| < ln2/2, so there is no cancellation near 0.
//   GELU     <= 6 ulp: max seen 5.61 with FMAs (assembly), 5.83 in this pure-Go twin
//            (unfused multiply-adds). |x| <= 1 uses the Taylor series of Phi around 0
//            (about 1 ulp); beyond, the ~5 ulp float32 evaluation of the erfcx polynomial
//            F dominates (worst near x = -1.9). The relative error stays within the bound
//            all the way down the negative tail (results below 2^-126 flush to 0).
//
// Inputs and outputs are plain float32; dst may alias x.

const (
	expHi      = 88.72283  // largest float32 x with exp(x) <= MaxFloat32
	expLo      = -87.33654 // smallest float32 x with exp(x) >= 2^-126
	roundMagic = 0x1.8p23  // adding and removing it rounds a float32 to an integer
	log2e      = 1.44269504088896341
	ln2Hi      = 0.693359375 // 9 significant bits: n*ln2Hi is exact for |n| <= 2^15
	ln2Lo      = -2.12194440e-4
	expC2      = 1.0 / 2
	expC3      = 1.0 / 6
	expC4      = 1.0 / 24
	expC5      = 1.0 / 120
	expC6      = 1.0 / 720
	expC7      = 1.0 / 5040
	expC8      = 1.0 / 40320
	geluA      = 14 // |x| beyond which Phi(x) is 0 or 1 in float32
	geluP      = 0.5
	geluC0     = -7.270795e-06
	geluC1     = 0.39920253
	geluC2     = 0.39491728
	geluC3     = 0.33462286
	geluC4     = -0.09639433
	geluC5     = 0.5865807
	geluC6     = -1.9117839
	geluC7     = 2.4126418
	geluC8     = -1.6005086
	geluC9     = 0.56547105
	geluC10    = -0.08474209
	// Phi(x) - 1/2 = x * sum_n geluS_n x^(2n), geluS_n = (-1)^n / (sqrt(2pi) 2^n n! (2n+1)),
	// Taylor to n = 8 (truncation < 3e-10 relative for |x| <= geluSmall).
	geluSmall = 1
	geluS0    = 0.3989422804014327
	geluS1    = -0.06649038006690546
	geluS2    = 0.009973557010035817
	geluS3    = -0.0011873282154804545
	geluS4    = 0.00011543468761615529
	geluS5    = -9.444656259503615e-06
	geluS6    = 6.659693516316651e-07
	geluS7    = -4.122667414862689e-08
	geluS8    = 2.2735298243728065e-09
)

// expReduce returns n and q = e^r - 1 with x = n*ln2 + r, for x in [expLo, expHi].
func expReduce(x float32) (n int32, q float32) {
	// Round to nearest even by adding and removing 1.5*2^23 (|x*log2e| < 2^22 here);
	// the float32 conversions keep the compiler from fusing or widening the steps.
	nf := float32(float32(x*log2e)+roundMagic) - roundMagic
	r := x - nf*ln2Hi
	r -= nf * ln2Lo
	p := float32(expC8)
	p = p*r + expC7
	p = p*r + expC6
	p = p*r + expC5
	p = p*r + expC4
	p = p*r + expC3
	p = p*r + expC2
	q = r + r*r*p
	return int32(nf), q
}

// pow2 returns 2^n for n in [-126, 127].
func pow2(n int32) float32 { return math.Float32frombits(uint32(n+127) << 23) }

func exp32(x float32) float32 {
	switch {
	case x != x:
		return x
	case x > expHi:
		return float32(math.Inf(1))
	case x < expLo:
		return 0
	}
	n, q := expReduce(x)
	n1 := n >> 1
	return (1 + q) * pow2(n1) * pow2(n-n1)
}

func expGeneric(dst, x []float32) {
	dst = dst[:len(x)]
	for i, v := range x {
		dst[i] = exp32(v)
	}
}

func sigmoidGeneric(dst, x []float32) {
	dst = dst[:len(x)]
	for i, v := range x {
		dst[i] = 1 / (1 + exp32(-v))
	}
}

// expm1Neg returns e^x - 1 for x <= 0 (x = NaN passes through).
func expm1Neg(x float32) float32 {
	if x != x {
		return x
	}
	x = max(x, expLo)
	n, q := expReduce(x)
	s := pow2(n)
	return s*q + (s - 1)
}

func eluGeneric(dst, x []float32) {
	dst = dst[:len(x)]
	for i, v := range x {
		if v > 0 {
			dst[i] = v
		} else {
			dst[i] = expm1Neg(v)
		}
	}
}

// gelu32 is x*Phi(x), Phi the standard normal CDF (the erf form of GELU).
//
// For |x| <= 1, Phi = 1/2 + x*P(x^2) with the Taylor polynomial P. Otherwise, with
// a = |x|, Phi(-a) = erfc(a/sqrt2)/2 = exp(-a^2/2) * F(a) / 2 where
// F(a) = erfcx(a/sqrt2) is smooth and slowly varying; F is a degree-10 polynomial in
// t = 1/(1 + a/2) fitted for minimal relative error on a in [0, 14] (<= 4e-8 with exact
// arithmetic, ~5 ulp evaluated in float32). Computing Phi(-a) this way keeps its relative
// accuracy deep into the negative tail, where 1 + erf(x/sqrt2) would cancel. a^2 is
// split exactly (s + e, e from an FMA) so that the rounding of a^2 does not become a
// relative error of exp(-a^2/2) (a^2/2 reaches 98). For x >= 0, Phi = 1 - Phi(-a).
func gelu32(x float32) float32 {
	if x != x {
		return x
	}
	if x >= -geluSmall && x <= geluSmall {
		// Near 0, Phi = 1/2 + x*P(x^2) directly: no 1 - Phi(-a) cancellation.
		x2 := x * x
		p := float32(geluS8)
		p = p*x2 + geluS7
		p = p*x2 + geluS6
		p = p*x2 + geluS5
		p = p*x2 + geluS4
		p = p*x2 + geluS3
		p = p*x2 + geluS2
		p = p*x2 + geluS1
		p = p*x2 + geluS0
		return x * (0.5 + x*p)
	}
	_, s, e, f := geluTail(x)
	// Phi(-a) = h*E. E is multiplied in last: in the far negative tail E is near 2^-126
	// and an earlier product with it would go subnormal and lose bits.
	h := 0.5 * (1 - 0.5*e) * f
	E := exp32(-0.5 * s)
	if x >= 0 {
		return x * (1 - h*E)
	}
	return max(x, -geluA) * h * E
}

// geluTail is the part of GELU and its derivative for |x| > geluSmall shared by both:
// a = |x| (capped at geluA), a^2 split exactly as s + e, and F = erfcx(a/sqrt2) from
// its polynomial in t = 1/(1 + a/2) (see gelu32).
func geluTail(x float32) (a, s, e, f float32) {
	a = min(float32(math.Abs(float64(x))), geluA)
	s = a * a
	e = float32(float64(a)*float64(a) - float64(s)) // exact: a*a fits in a float64
	t := 1 / (1 + geluP*a)
	f = float32(geluC10)
	f = f*t + geluC9
	f = f*t + geluC8
	f = f*t + geluC7
	f = f*t + geluC6
	f = f*t + geluC5
	f = f*t + geluC4
	f = f*t + geluC3
	f = f*t + geluC2
	f = f*t + geluC1
	f = f*t + geluC0
	return a, s, e, f
}

func geluGeneric(dst, x []float32) {
	dst = dst[:len(x)]
	for i, v := range x {
		dst[i] = gelu32(v)
	}
}
