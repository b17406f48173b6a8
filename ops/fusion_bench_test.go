package ops

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkFusion times the fused cross-view fusion kernels at HALO's paper size
// (D = 512 channels, a 64x64 map, batch 1) next to the normalisation they replace.
func BenchmarkFusion(b *testing.B) {
	const d, hw = 512, 64 * 64
	rng := rand.New(rand.NewPCG(1, 2))
	fill := func(n int) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		return x
	}
	q, v, g, gs := fill(d), fill(d*hw), fill(d*hw), fill(hw)
	score, norms, qn, qnorm := make([]float32, hw), make([]float32, hw), make([]float32, d), make([]float32, 1)
	out, dv, dq, dw := make([]float32, d*hw), make([]float32, d*hw), make([]float32, d), make([]float32, hw)
	CosineScoreForward(score, norms, qn, qnorm, q, v, 1, d, hw, 1e-12)
	b.Run("score_fwd", func(b *testing.B) {
		for b.Loop() {
			CosineScoreForward(score, norms, qn, qnorm, q, v, 1, d, hw, 1e-12)
		}
	})
	b.Run("score_bwd", func(b *testing.B) {
		for b.Loop() {
			CosineScoreBackward(dq, dv, gs, qn, qnorm, q, v, norms, score, 1, d, hw, 1e-12, nil, false)
		}
	})
	b.Run("weighted_fwd", func(b *testing.B) {
		for b.Loop() {
			WeightedNormalizedForward(out, gs, v, norms, 1, d, hw, 1e-12)
		}
	})
	b.Run("weighted_bwd", func(b *testing.B) {
		for b.Loop() {
			WeightedNormalizedBackward(dw, dv, g, gs, v, norms, 1, d, hw, 1e-12, false)
		}
	})
	b.Run("weighted_bwd_store", func(b *testing.B) {
		for b.Loop() {
			WeightedNormalizedBackward(dw, dv, g, gs, v, norms, 1, d, hw, 1e-12, true)
		}
	})
	// Both backwards with the map gradient deferred into the score's pass, as autograd
	// runs them.
	b.Run("combined_bwd", func(b *testing.B) {
		a, c := make([]float32, hw), make([]float32, hw)
		for b.Loop() {
			WeightedNormalizedGrad(dw, a, c, g, gs, v, norms, 1, d, hw, 1e-12)
			CosineScoreBackward(dq, dv, gs, qn, qnorm, q, v, norms, score, 1, d, hw, 1e-12, &FusionDeferred{A: a, C: c, G: g}, true)
		}
	})
	b.Run("normalize_fwd_unfused", func(b *testing.B) {
		nr := make([]float32, hw)
		for b.Loop() {
			NormalizeForward(out, nr, v, 1, d, hw, 1e-12)
		}
	})
	b.Run("normalize_bwd_unfused", func(b *testing.B) {
		for b.Loop() {
			NormalizeBackward(dv, g, v, norms, 1, d, hw, 1e-12)
		}
	})
}

func BenchmarkFusionWeightedDwOnly(b *testing.B) {
	const d, hw = 512, 64 * 64
	v, g := make([]float32, d*hw), make([]float32, d*hw)
	for i := range v {
		v[i], g[i] = float32(i%7)-3, float32(i%5)-2
	}
	w, norms, dw := make([]float32, hw), make([]float32, hw), make([]float32, hw)
	for i := range norms {
		norms[i], w[i] = 10, 0.5
	}
	for b.Loop() {
		WeightedNormalizedBackward(dw, nil, g, w, v, norms, 1, d, hw, 1e-12, false)
	}
}
