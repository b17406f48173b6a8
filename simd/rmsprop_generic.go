package simd

import "math"

// RMSpropStep applies PyTorch's RMSprop update (no momentum, not centred, weight decay
// wd != 0) to len(p) elements, in PyTorch's float32 operation order with its fused
// multiply-adds:
//
//	g  = fma(wd, p, g)
//	sq = fma(oneMinus*g, g, sq*alpha)
//	p += (negLR*g) / (sqrt(sq) + eps)
//
// Every step is an IEEE-754 float32 operation, so the vector kernels give bit-identical
// results to the scalar twin (and to PyTorch's CPU kernel). g and sq must be at least as
// long as p; g is not modified.
func RMSpropStep(p, g, sq []float32, wd, oneMinus, alpha, eps, negLR float32) {
	need("RMSpropStep", "g", len(g), len(p))
	need("RMSpropStep", "sq", len(sq), len(p))
	n := len(p)
	done := 0
	if k, ok := rmspropImpls[active.name]; ok {
		done = n &^ 7
		if done > 0 {
			k(p[:done], g[:done], sq[:done], wd, oneMinus, alpha, eps, negLR)
		}
	}
	rmspropGeneric(p[done:n], g[done:n], sq[done:n], wd, oneMinus, alpha, eps, negLR)
}

// rmspropImpls holds the vector kernels by path name (rmsprop_amd64.go); they take a
// multiple of 8 elements.
var rmspropImpls = map[string]func(p, g, sq []float32, wd, oneMinus, alpha, eps, negLR float32){}

func rmspropGeneric(p, g, sq []float32, wd, oneMinus, alpha, eps, negLR float32) {
	g, sq = g[:len(p)], sq[:len(p)]
	for j, gj := range g {
		gj = FMA32(wd, p[j], gj)
		sq[j] = FMA32(oneMinus*gj, gj, sq[j]*alpha)
		avg := float32(math.Sqrt(float64(sq[j]))) + eps
		p[j] += (negLR * gj) / avg
	}
}
