package halo

import (
	"math/rand/v2"

	"github.com/cvogl/halo/autograd"
	"github.com/cvogl/halo/nn"
)

// LogitScaleInit is the official initial logit scale, float32(ln(1/0.07)).
const LogitScaleInit float32 = 2.6592600345611572

// InfoNCE is the official InfoNCE_sem_serial: the three cluster descriptors of each
// view are concatenated, projected by a shared linear layer, L2-normalised, and
// contrasted across the batch with a learned logit scale used as a plain multiplier.
type InfoNCE struct {
	nn.Children
	LogitScale *autograd.Tensor
	Projector  *nn.Linear
}

// NewInfoNCE builds the loss module for descriptors of width emb projected to proj.
func NewInfoNCE(rng *rand.Rand, emb, proj int) *InfoNCE {
	m := &InfoNCE{LogitScale: autograd.Param([]float32{LogitScaleInit}), Projector: nn.NewLinear(rng, 3*emb, proj, true)}
	m.Children = nn.Children{{Name: "logit_scale", M: nn.ParamEntry{T: m.LogitScale}}, {Name: "projector", M: m.Projector}}
	return m
}

// Embed projects and normalises one view's three descriptors ([B, emb] each) to
// [B, proj].
func (m *InfoNCE) Embed(f [3]*autograd.Tensor) *autograd.Tensor {
	return autograd.Normalize(m.Projector.Forward(autograd.Concat(1, f[0], f[1], f[2])), -1, 1e-12)
}

// Loss is (CE(C, I) + CE(C^T, I)) / 2 with C = (s * fa) fb^T: each query must pick
// its own satellite image among the batch and vice versa. A batch of one gives 0.
func (m *InfoNCE) Loss(fa, fb *autograd.Tensor) *autograd.Tensor {
	n := fa.Shape[0]
	labels := make([]int, n)
	for i := range labels {
		labels[i] = i
	}
	c := autograd.MatMul(autograd.Mul(m.LogitScale, fa), fb, false, true)
	l := autograd.Add(autograd.CrossEntropy(c, labels), autograd.CrossEntropy(autograd.Transpose(c, 0, 1), labels))
	return autograd.MulScalar(l, 0.5)
}
