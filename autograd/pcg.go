package autograd

import (
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
	"unsafe"
)

// math/rand/v2's PCG constants: a step is state = state*mul + inc modulo 2^128.
const (
	pcgMulHi, pcgMulLo = 2549297995355413924, 4865540595714422341
	pcgIncHi, pcgIncLo = 6364136223846793005, 1442695040888963407
)

// PCGState returns the 128-bit state (hi, lo) of p, as p.Seed takes it back.
func PCGState(p *rand.PCG) [2]uint64 {
	b, err := p.MarshalBinary()
	if err != nil || len(b) != 20 {
		panic("autograd: unexpected math/rand/v2 PCG encoding")
	}
	return [2]uint64{binary.BigEndian.Uint64(b[4:]), binary.BigEndian.Uint64(b[12:])}
}

// PCGJump returns the PCG state n steps after st, in O(log n) (Brown's LCG
// skip-ahead), so a stretch of the stream can be generated without the draws before it.
func PCGJump(st [2]uint64, n uint64) [2]uint64 {
	mul, inc := [2]uint64{pcgMulHi, pcgMulLo}, [2]uint64{pcgIncHi, pcgIncLo}
	accMul, accInc := [2]uint64{0, 1}, [2]uint64{0, 0}
	for ; n > 0; n >>= 1 {
		if n&1 == 1 {
			accMul = mul128(accMul, mul)
			accInc = add128(mul128(accInc, mul), inc)
		}
		inc = mul128(add128(mul, [2]uint64{0, 1}), inc)
		mul = mul128(mul, mul)
	}
	return add128(mul128(accMul, st), accInc)
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

// pcgNext steps the state (hi, lo) and returns it with the output rand.PCG.Uint64
// gives for that step (its DXSM output function), written out so the hot loop does
// not go through a method call per draw.
func pcgNext(hi, lo uint64) (nhi, nlo, out uint64) {
	h, l := bits.Mul64(lo, pcgMulLo)
	h += hi*pcgMulLo + lo*pcgMulHi
	l, c := bits.Add64(l, pcgIncLo, 0)
	h, _ = bits.Add64(h, pcgIncHi, c)
	const cheapMul = 0xda942042e4dd58b5
	o := h
	o ^= o >> 32
	o *= cheapMul
	o ^= o >> 48
	o *= l | 1
	return h, l, o
}

// PCGRuns is a random source whose draws are runs of PCG outputs, such as a
// generator replaying stretches of one PCG stream. Dropout on rand.New(src) asks it
// for the next n draws at once and, when they form one run, generates them in
// parallel from the run's starting state.
type PCGRuns interface {
	rand.Source
	// TakePCG returns the PCG state whose next n outputs are the source's next n
	// draws and moves the source past them; when they are not one PCG run it returns
	// ok false and leaves the source unchanged.
	TakePCG(n uint64) (state [2]uint64, ok bool)
}

// randLayoutOK records that a rand.Rand is exactly one rand.Source field, checked on a
// probe generator, before sourceOf trusts reading that field.
var randLayoutOK = func() bool {
	if unsafe.Sizeof(rand.Rand{}) != unsafe.Sizeof(rand.Source(nil)) {
		return false
	}
	probe := rand.NewPCG(1, 2)
	return (*struct{ src rand.Source })(unsafe.Pointer(rand.New(probe))).src == rand.Source(probe)
}()

// sourceOf returns the source r draws from, or nil. math/rand/v2 does not expose a
// Rand's source; reaching it lets Dropout keep its *rand.Rand signature (which the
// model and its recomputation code against) and still generate the mask in parallel
// from a PCG state. An unexpected Rand layout gives nil and the sequential path.
func sourceOf(r *rand.Rand) rand.Source {
	if !randLayoutOK || r == nil {
		return nil
	}
	return (*struct{ src rand.Source })(unsafe.Pointer(r)).src
}
