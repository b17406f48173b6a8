package halo

import (
	"math/rand/v2"

	"github.com/cvogl/halo/autograd"
	"github.com/cvogl/halo/nn"
)

// LoFTRLayer is LoFTR's encoder layer with linear attention: x attends to source
// (multi-head, q/k/v/merge projections without bias), the message is normalised,
// passed with x through a two-layer MLP, normalised again and added to x.
type LoFTRLayer struct {
	nn.Children
	Heads                   int
	QProj, KProj, VProj, Mg *nn.Linear
	MLP1, MLP2              *nn.Linear
	Norm1, Norm2            *nn.LayerNorm
}

// NewLoFTRLayer builds a layer of width d with the given heads.
func NewLoFTRLayer(rng *rand.Rand, d, heads int) *LoFTRLayer {
	l := &LoFTRLayer{Heads: heads,
		QProj: nn.NewLinear(rng, d, d, false), KProj: nn.NewLinear(rng, d, d, false),
		VProj: nn.NewLinear(rng, d, d, false), Mg: nn.NewLinear(rng, d, d, false),
		MLP1: nn.NewLinear(rng, 2*d, 2*d, false), MLP2: nn.NewLinear(rng, 2*d, d, false),
		Norm1: nn.NewLayerNorm(d, 1e-5), Norm2: nn.NewLayerNorm(d, 1e-5),
	}
	mlp := nn.NewSequential(l.MLP1, nn.Func(autograd.ReLU), l.MLP2)
	l.Children = nn.Children{{Name: "q_proj", M: l.QProj}, {Name: "k_proj", M: l.KProj},
		{Name: "v_proj", M: l.VProj}, {Name: "merge", M: l.Mg}, {Name: "mlp", M: mlp},
		{Name: "norm1", M: l.Norm1}, {Name: "norm2", M: l.Norm2}}
	return l
}

// Forward maps x [N, L, C] attending to source [N, S, C] to [N, L, C].
func (l *LoFTRLayer) Forward(x, source *autograd.Tensor) *autograd.Tensor {
	n, L, c := x.Shape[0], x.Shape[1], x.Shape[2]
	s := source.Shape[1]
	d := c / l.Heads
	// Each projection is released as soon as its reshaped view exists: the view
	// keeps the buffer until it is released in turn.
	qp, kp, vp := l.QProj.Forward(x), l.KProj.Forward(source), l.VProj.Forward(source)
	q := autograd.Reshape(qp, n, L, l.Heads, d)
	k := autograd.Reshape(kp, n, s, l.Heads, d)
	v := autograd.Reshape(vp, n, s, l.Heads, d)
	release(qp, kp, vp)
	att := autograd.LinearAttention(q, k, v, 1e-6)
	release(q, k, v)
	flat := autograd.Reshape(att, n, L, c)
	att.Release()
	merged := l.Mg.Forward(flat)
	flat.Release()
	msg := l.Norm1.Forward(merged)
	merged.Release()
	cat := autograd.Concat(2, x, msg)
	msg.Release()
	h := l.MLP1.Forward(cat)
	cat.Release()
	r := autograd.ReLU(h)
	h.Release()
	h2 := l.MLP2.Forward(r)
	r.Release()
	n2 := l.Norm2.Forward(h2)
	h2.Release()
	y := autograd.Add(x, n2)
	n2.Release()
	return y
}

// toTokens rearranges n c h w -> n (h w) c.
func toTokens(x *autograd.Tensor) *autograd.Tensor {
	n, c, h, w := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	p := autograd.Permute(x, 0, 2, 3, 1)
	y := autograd.Reshape(p, n, h*w, c)
	p.Release() // y, a view, keeps the buffer
	return y
}

// fromTokens rearranges n (h w) c -> n c h w.
func fromTokens(x *autograd.Tensor, h, w int) *autograd.Tensor {
	n, c := x.Shape[0], x.Shape[2]
	r := autograd.Reshape(x, n, h, w, c)
	y := autograd.Permute(r, 0, 3, 1, 2)
	r.Release() // only the view: x stays the caller's
	return y
}
