//go:build amd64 && !purego

package simd

// Declarations for math_amd64.s (algorithm and error bounds: math_generic.go). len(dst)
// >= len(x) is checked by the callers (vec.go).

//go:noescape
func expAVX2(dst, x []float32)

//go:noescape
func sigmoidAVX2(dst, x []float32)

//go:noescape
func eluAVX2(dst, x []float32)

//go:noescape
func geluAVX2(dst, x []float32)

//go:noescape
func expAVX512(dst, x []float32)

//go:noescape
func sigmoidAVX512(dst, x []float32)

//go:noescape
func eluAVX512(dst, x []float32)

//go:noescape
func geluAVX512(dst, x []float32)
