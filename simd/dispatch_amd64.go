//go:build amd64 && !purego

package simd

import "github.com/klauspost/cpuid/v2"

// archImpls returns the assembly paths this CPU supports, slowest first. cpuid reports
// AVX/AVX-512 only when the OS also saves the wider registers.
func archImpls() []*impl {
	var out []*impl
	if cpuid.CPU.Supports(cpuid.AVX, cpuid.AVX2, cpuid.FMA3) {
		out = append(out, avx2Impl)
	}
	if cpuid.CPU.Supports(cpuid.AVX512F, cpuid.AVX2, cpuid.FMA3) {
		out = append(out, avx512Impl)
	}
	return out
}

var avx2Impl = &impl{
	name:       "avx2",
	mr:         6,
	nr:         16,
	gemmKernel: sgemmKernel6x16AVX2,
	pack:       packAVX2,
	dot:        dotGeneric,
	axpy:       axpyGeneric,
	scale:      scaleGeneric,
	sum:        sumGeneric,
	max:        maxGeneric,
	add:        addGeneric,
	mul:        mulGeneric,
	addScalar:  addScalarGeneric,
	exp:        expGeneric,
	sigmoid:    sigmoidGeneric,
	gelu:       geluGeneric,
	elu:        eluGeneric,
}

var avx512Impl = &impl{
	name:       "avx512",
	mr:         14,
	nr:         32,
	gemmKernel: sgemmKernel14x32AVX512,
	pack:       packAVX512,
	dot:        dotGeneric,
	axpy:       axpyGeneric,
	scale:      scaleGeneric,
	sum:        sumGeneric,
	max:        maxGeneric,
	add:        addGeneric,
	mul:        mulGeneric,
	addScalar:  addScalarGeneric,
	exp:        expGeneric,
	sigmoid:    sigmoidGeneric,
	gelu:       geluGeneric,
	elu:        eluGeneric,
}
