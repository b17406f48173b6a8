package halo

import (
	"fmt"

	"github.com/cvogl/halo/autograd"
)

// CrossViewFusion scores every satellite location by the cosine similarity of its
// feature with the global query descriptor, rescales the scores of each sample to
// [0, 1] by their min and max, and weights the (normalised) satellite map with them.
// gq is [B, D], value [B, D, H, W]; it returns the weighted map [B, D, H, W] and the
// attention [B, 1, H, W].
//
// As in the official code the per-sample min and max are constants for autograd (they
// come from a detached copy), and a constant score map divides by zero, giving NaN;
// the trainer's non-finite check catches that.
func CrossViewFusion(gq, value *autograd.Tensor) (context, attn *autograd.Tensor) {
	b, d, h, w := value.Shape[0], value.Shape[1], value.Shape[2], value.Shape[3]
	if gq.Shape[0] != b || gq.Shape[1] != d {
		panic(fmt.Sprintf("halo: CrossViewFusion: query %v does not match value %v", gq.Shape, value.Shape))
	}
	q := autograd.Normalize(gq, -1, 1e-12)
	v := autograd.Normalize(value, 1, 1e-12)
	qr, vr := autograd.Reshape(q, b, 1, d), autograd.Reshape(v, b, d, h*w)
	score := autograd.MatMul(qr, vr, false, false) // [B,1,HW]
	release(q, qr, vr)
	lo := autograd.Zeros(b, 1, 1)
	span := autograd.Zeros(b, 1, 1)
	for i := range b {
		row := score.Data[i*h*w : (i+1)*h*w]
		mn, mx := row[0], row[0]
		for _, s := range row {
			mn = min(mn, s)
			mx = max(mx, s)
		}
		lo.Data[i] = mn
		span.Data[i] = mx - mn
	}
	sub := autograd.Sub(score, lo)
	score.Release()
	div := autograd.Div(sub, span)
	sub.Release()
	attn = autograd.Reshape(div, b, 1, h, w)
	div.Release()
	context = autograd.Mul(attn, v)
	v.Release()
	return context, attn
}
