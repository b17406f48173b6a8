package nn

import (
	"math/rand/v2"

	"github.com/cvogl/halo/autograd"
)

// Dropout is torch.nn.Dropout: in training mode it zeroes each element with
// probability P and scales the rest by 1/(1-P); in eval mode it is the identity.
type Dropout struct {
	P        float32
	Rng      *rand.Rand
	Training bool
}

// NewDropout returns a dropout layer (training mode) drawing from rng.
func NewDropout(p float32, rng *rand.Rand) *Dropout {
	return &Dropout{P: p, Rng: rng, Training: true}
}

// Forward applies dropout.
func (d *Dropout) Forward(x *autograd.Tensor) *autograd.Tensor {
	return autograd.Dropout(x, d.P, d.Rng, d.Training)
}

// Visit reports nothing: dropout has no state.
func (d *Dropout) Visit(string, func(string, *Entry)) {}

// SetTraining switches dropout on (true) or off.
func (d *Dropout) SetTraining(train bool) { d.Training = train }

// DropPath is stochastic depth (timm's DropPath): in training mode each sample
// (axis 0) is dropped with probability P and kept samples are scaled by 1/(1-P).
type DropPath struct {
	P        float32
	Rng      *rand.Rand
	Training bool
}

// NewDropPath returns a drop-path layer (training mode) drawing from rng.
func NewDropPath(p float32, rng *rand.Rand) *DropPath {
	return &DropPath{P: p, Rng: rng, Training: true}
}

// Forward applies drop-path.
func (d *DropPath) Forward(x *autograd.Tensor) *autograd.Tensor {
	return autograd.DropPath(x, d.P, d.Rng, d.Training)
}

// Visit reports nothing: drop-path has no state.
func (d *DropPath) Visit(string, func(string, *Entry)) {}

// SetTraining switches drop-path on (true) or off.
func (d *DropPath) SetTraining(train bool) { d.Training = train }
