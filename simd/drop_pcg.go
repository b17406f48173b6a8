package simd

import "math/bits"

// The generator behind the dropout kernels is math/rand/v2's PCG (a 128-bit LCG with the
// DXSM output function), so a mask drawn here equals rand.New(pcg).Float32() >= p drawn
// one element at a time. A step is state = state*mul + inc modulo 2^128; states are
// (hi, lo) pairs as rand.PCG.Seed takes them.
const (
	pcgMulHi, pcgMulLo = 2549297995355413924, 4865540595714422341
	pcgIncHi, pcgIncLo = 6364136223846793005, 1442695040888963407
	pcgCheapMul        = 0xda942042e4dd58b5
)

// pcgNext steps the state (hi, lo) and returns the new state with the output
// rand.PCG.Uint64 gives for that step.
func pcgNext(hi, lo uint64) (nhi, nlo, out uint64) {
	h, l := bits.Mul64(lo, pcgMulLo)
	h += hi*pcgMulLo + lo*pcgMulHi
	l, c := bits.Add64(l, pcgIncLo, 0)
	h, _ = bits.Add64(h, pcgIncHi, c)
	o := h
	o ^= o >> 32
	o *= pcgCheapMul
	o ^= o >> 48
	o *= l | 1
	return h, l, o
}

// pcgJumpCoef returns (mul, inc) with n steps from any state st landing on
// mul*st + inc (mod 2^128), in O(log n) (Brown's LCG skip-ahead).
func pcgJumpCoef(n uint64) (mul, inc [2]uint64) {
	m, c := [2]uint64{pcgMulHi, pcgMulLo}, [2]uint64{pcgIncHi, pcgIncLo}
	mul, inc = [2]uint64{0, 1}, [2]uint64{0, 0}
	for ; n > 0; n >>= 1 {
		if n&1 == 1 {
			mul = mul128(mul, m)
			inc = add128(mul128(inc, m), c)
		}
		c = mul128(add128(m, [2]uint64{0, 1}), c)
		m = mul128(m, m)
	}
	return mul, inc
}

// PCGJump returns the math/rand/v2 PCG state n steps after st, in O(log n), so a
// stretch of the stream can be generated without the draws before it.
func PCGJump(st [2]uint64, n uint64) [2]uint64 {
	mul, inc := pcgJumpCoef(n)
	return add128(mul128(mul, st), inc)
}

func mul128(a, b [2]uint64) [2]uint64 {
	hi, lo := bits.Mul64(a[1], b[1])
	hi += a[0]*b[1] + a[1]*b[0]
	return [2]uint64{hi, lo}
}

func add128(a, b [2]uint64) [2]uint64 {
	lo, c := bits.Add64(a[1], b[1], 0)
	hi, _ := bits.Add64(a[0], b[0], c)
	return [2]uint64{hi, lo}
}
