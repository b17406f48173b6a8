//go:build amd64 && !purego

package simd

// Declarations for dwconv_gelu_amd64.s; DWGELU and DWGELUGradMul have checked the
// lengths. The assembly is generated:
//
//go:generate sh -c "python3 gen/dwconv_gelu_gen.py > dwconv_gelu_amd64.s"

//go:noescape
func dwGELUAVX512(dst, x []float32)

//go:noescape
func dwGELUGradMulAVX512(dst, g, x []float32)

//go:noescape
func dwGELUStreamAVX512(dst, x []float32)

//go:noescape
func dwGELUAVX2(dst, x []float32)

//go:noescape
func dwGELUGradMulAVX2(dst, g, x []float32)

func init() {
	dwGELUImpls["avx512"] = dwGELUKernels{gelu: dwGELUAVX512, gradMul: dwGELUGradMulAVX512, stream: dwGELUStreamAVX512}
	dwGELUImpls["avx2"] = dwGELUKernels{gelu: dwGELUAVX2, gradMul: dwGELUGradMulAVX2}
}
