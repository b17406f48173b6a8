//go:build amd64 && !purego

package simd

// Declarations for dwconv_amd64.s. The exported wrappers (dwconv_generic.go) have
// checked every extent the kernels touch. The assembly is generated:
//
//go:generate sh -c "python3 gen/dwconv_gen.py > dwconv_amd64.s"

//go:noescape
func dwRowsAVX512(a *dwArgs)

//go:noescape
func dwPairsAVX512(a *dwArgs)

//go:noescape
func dwGradAVX512(a *dwArgs)

//go:noescape
func dwGradPairsAVX512(a *dwArgs)

//go:noescape
func dwRowsAVX2(a *dwArgs)

//go:noescape
func dwPairsAVX2(a *dwArgs)

//go:noescape
func dwGradAVX2(a *dwArgs)

//go:noescape
func dwGradPairsAVX2(a *dwArgs)

func init() {
	dwImpls["avx512"] = dwKernels{rows: dwRowsAVX512, pairs: dwPairsAVX512, grad: dwGradAVX512, gradPairs: dwGradPairsAVX512}
	dwImpls["avx2"] = dwKernels{rows: dwRowsAVX2, pairs: dwPairsAVX2, grad: dwGradAVX2, gradPairs: dwGradPairsAVX2}
}
