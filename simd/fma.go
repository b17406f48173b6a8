package simd

import "math"

// FMA32 returns a*b + c rounded once to float32, as a float32 fused multiply-add
// instruction computes it (PyTorch's CPU kernels for add(alpha=) and addcmul compile to
// such FMAs). a*b is exact in float64; the sum is rounded to float64 and then to
// float32, which differs from a single rounding only when the float64 sum lies exactly
// halfway between two float32s and was itself rounded; that case is resolved with the
// TwoSum error term.
func FMA32(a, b, c float32) float32 {
	p := float64(a) * float64(b)
	s := p + float64(c)
	r := float32(s)
	bb := s - p
	e := (p - (s - bb)) + (float64(c) - bb)
	if e == 0 || math.IsInf(s, 0) || math.IsNaN(s) {
		return r
	}
	const low = 1<<29 - 1 // float64 mantissa bits below float32 precision
	bits := math.Float64bits(s)
	if bits&low != 1<<28 || math.Abs(s) < 0x1p-126 {
		return r
	}
	lo := float32(math.Float64frombits(bits &^ low)) // the float32 neighbour toward zero
	hi := math.Nextafter32(lo, float32(math.Copysign(math.Inf(1), s)))
	if (e > 0) == (s > 0) {
		return hi
	}
	return lo
}
