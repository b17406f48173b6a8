package nn

import (
	"math/rand/v2"

	"github.com/cvogl/halo/autograd"
)

// Linear is torch.nn.Linear: weight [out, in], optional bias [out].
type Linear struct {
	Weight, Bias *autograd.Tensor
}

// NewLinear returns a linear layer with PyTorch's default initialisation (weight and
// bias uniform within ±1/sqrt(in)).
func NewLinear(rng *rand.Rand, in, out int, bias bool) *Linear {
	l := &Linear{Weight: autograd.Param(uniform(rng, out*in, kaimingBound(in)), out, in)}
	if bias {
		l.Bias = autograd.Param(uniform(rng, out, biasBound(in)), out)
	}
	return l
}

// Forward maps x [..., in] to [..., out].
func (l *Linear) Forward(x *autograd.Tensor) *autograd.Tensor {
	return autograd.Linear(x, l.Weight, l.Bias)
}

// Visit reports weight then bias.
func (l *Linear) Visit(prefix string, fn func(string, *Entry)) {
	fn(Join(prefix, "weight"), &Entry{T: l.Weight})
	if l.Bias != nil {
		fn(Join(prefix, "bias"), &Entry{T: l.Bias})
	}
}

// SetTraining does nothing.
func (l *Linear) SetTraining(bool) {}
