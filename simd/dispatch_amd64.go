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
	dot:        dotAVX2,
	axpy:       axpyAVX2,
	scale:      scaleAVX2,
	sum:        sumAVX2,
	max:        maxAVX2,
	add:        addAVX2,
	mul:        mulAVX2,
	addScalar:  addScalarAVX2,
	exp:        expAVX2,
	sigmoid:    sigmoidAVX2,
	gelu:       geluAVX2,
	elu:        eluAVX2,
}

var avx512Impl = &impl{
	name:                "avx512",
	mr:                  14,
	nr:                  32,
	gemmKernel:          sgemmKernel14x32AVX512,
	gemmKernelShort:     sgemmKernel8of14x32AVX512,
	shortRows:           8,
	gemmKernelMask:      sgemmKernel14x32MaskAVX512,
	gemmKernelShortMask: sgemmKernel8of14x32MaskAVX512,
	pack:                packAVX512,
	packRows:            packRowsAVX512,
	dot:                 dotAVX512,
	axpy:                axpyAVX512,
	scale:               scaleAVX512,
	sum:                 sumAVX512,
	max:                 maxAVX512,
	add:                 addAVX512,
	mul:                 mulAVX512,
	addScalar:           addScalarAVX512,
	exp:                 expAVX512,
	sigmoid:             sigmoidAVX512,
	gelu:                geluAVX512,
	elu:                 eluAVX512,
}
