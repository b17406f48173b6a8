package nn

import (
	"testing"

	"github.com/cvogl/halo/autograd"
)

// BenchmarkRMSpropStep times one paper-setting step over 4M parameters (HALO has 43M).
func BenchmarkRMSpropStep(b *testing.B) {
	const n = 1 << 22
	p := autograd.Param(make([]float32, n), n)
	p.Grad = make([]float32, n)
	for i := range p.Grad {
		p.Data[i] = float32(i%97) * 0.01
		p.Grad[i] = float32(i%89-44) * 1e-3
	}
	o := NewRMSprop([]*autograd.Tensor{p}, 1e-4, 0.99, 1e-8, 5e-4, 0, false)
	b.SetBytes(4 * 4 * n)
	for b.Loop() {
		o.Step()
	}
}
