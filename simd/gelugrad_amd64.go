//go:build amd64 && !purego

package simd

// Declarations for gelugrad_amd64.s (algorithm and error bound: gelugrad_generic.go).
// GELUGrad has checked len(dx), len(g) >= len(x).

//go:noescape
func gelugradAVX2(dx, g, x []float32)

//go:noescape
func gelugradAVX512(dx, g, x []float32)

func init() {
	gelugradImpls["avx2"] = gelugradAVX2
	gelugradImpls["avx512"] = gelugradAVX512
}
