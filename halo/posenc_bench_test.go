package halo

import (
	"testing"

	"github.com/cvogl/halo/autograd"
)

// BenchmarkPositionTokens times the fused position encoding + token rearrangement at
// the paper's satellite map (512 x 64 x 64) against the composition it replaces.
func BenchmarkPositionTokens(b *testing.B) {
	x := autograd.RandTensor(1, -1, 1, 1, 512, 64, 64)
	x.SetRequiresGrad(false)
	cachedPETokens(512, 64, 64) // computed once per shape, outside the timing
	b.Run("fused", func(b *testing.B) {
		for b.Loop() {
			PositionTokens(x).Release()
		}
	})
	b.Run("composition", func(b *testing.B) {
		for b.Loop() {
			p := AddPositionEncoding(x)
			toTokens(p).Release()
			p.Release()
		}
	})
	// Forward and backward, as in training.
	xg := autograd.RandTensor(1, -1, 1, 1, 512, 64, 64)
	g := make([]float32, len(xg.Data))
	train := func(b *testing.B, f func(*autograd.Tensor) *autograd.Tensor) {
		for b.Loop() {
			y := f(xg)
			autograd.Backward([]*autograd.Tensor{y}, [][]float32{g})
			y.Release()
			xg.ZeroGrad()
		}
	}
	b.Run("fused_train", func(b *testing.B) { train(b, PositionTokens) })
	b.Run("composition_train", func(b *testing.B) {
		train(b, func(x *autograd.Tensor) *autograd.Tensor {
			p := AddPositionEncoding(x)
			y := toTokens(p)
			p.Release()
			return y
		})
	})
}
