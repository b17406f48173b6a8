package autograd

import (
	"fmt"
	"unsafe"

	"github.com/cvogl/halo/ops"
	"github.com/cvogl/halo/simd"
)

// CrossViewFusion is HALO's CrossViewFusionModule as two fused ops. For a query
// q [B, D] and a map value [B, D, H, W], with qn = normalize(q) and
// vn = normalize(value, dim 1) (x / max(||x||, eps)):
//
//	score[b, p] = dot(qn[b], vn[b, :, p])
//	attn[b, p]  = (score[b, p] - lo[b]) / span[b]      (attn [B, 1, H, W])
//	context     = attn * vn                              (context [B, D, H, W])
//
// where lo and span = hi - lo are the per-sample min and max of score taken as
// constants (the official code computes them from a detached copy), so no gradient
// flows through them; a constant score map gives span 0 and NaN, as there. The
// normalised map is never materialised: the ops fold 1/||value[:, p]|| into per-pixel
// factors (ops/fusion.go). The result equals the composition Normalize, MatMul, Sub,
// Div, Mul up to float32 rounding.
func CrossViewFusion(q, value *Tensor, eps float32) (context, attn *Tensor) {
	if len(value.Shape) != 4 || len(q.Shape) != 2 || q.Shape[0] != value.Shape[0] || q.Shape[1] != value.Shape[1] {
		panic(fmt.Sprintf("autograd.CrossViewFusion: query %s does not match map %s, want [B, D] and [B, D, H, W]", tensorLabel(q), tensorLabel(value)))
	}
	b, d, h, w := value.Shape[0], value.Shape[1], value.Shape[2], value.Shape[3]
	hw := h * w
	// Per-pixel norms, shared by both ops; small ([B, HW]), so plain slices that the
	// backward closures keep.
	norms := make([]float32, b*hw)
	score := make([]float32, b*hw)
	qn := make([]float32, b*d)
	qnorm := make([]float32, b)
	ops.CosineScoreForward(score, norms, qn, qnorm, q.Data, value.Data, b, d, hw, eps)
	span := make([]float32, b)
	attn = Empty(b, 1, h, w)
	for s := range b {
		row := score[s*hw : (s+1)*hw]
		lo, hi := row[0], row[0]
		for _, v := range row {
			lo = min(lo, v)
			hi = max(hi, v)
		}
		span[s] = hi - lo
		for i, v := range row {
			// Two float32 roundings, as Sub then Div.
			attn.Data[s*hw+i] = (v - lo) / span[s]
		}
	}
	// The weighted map's backward, which runs first, leaves its map gradient in
	// deferred, so that the score's backward applies both in one pass over the map.
	var deferred *ops.FusionDeferred
	var release func()
	Record("cosine_score", attn, func(g []float32) {
		var dq, dv []float32
		first := false
		if q.requiresGrad {
			dq = q.GradBuf()
		}
		if value.requiresGrad {
			dv, first = firstGradBuf(value)
		}
		gs := make([]float32, len(g))
		for i, v := range g {
			gs[i] = v / span[i/hw]
		}
		ops.CosineScoreBackward(dq, dv, gs, qn, qnorm, q.Data, value.Data, norms, score, b, d, hw, eps, deferred, first)
		if release != nil {
			release()
		}
		deferred, release = nil, nil
	}, q, value)

	context = Empty(value.Shape...)
	ops.WeightedNormalizedForward(context.Data, attn.Data, value.Data, norms, b, d, hw, eps)
	Record("weighted_normalized", context, func(g []float32) {
		var dw []float32
		if attn.requiresGrad {
			dw = attn.GradBuf()
		}
		if !value.requiresGrad || !attn.requiresGrad {
			// (attn requires a gradient whenever value does: it is computed from value.)
			ops.WeightedNormalizedBackward(dw, nil, g, attn.Data, value.Data, norms, b, d, hw, eps, false)
			return
		}
		if attn.node == nil {
			// cosine_score already ran: an earlier Backward through attn freed the
			// graph behind it, normalisation included. As with the unfused ops, no
			// gradient reaches value through the freed graph; defer nothing (there is
			// no one left to apply it).
			ops.WeightedNormalizedBackward(dw, nil, g, attn.Data, value.Data, norms, b, d, hw, eps, false)
			return
		}
		// cosine_score's node, attn's producer, runs after this one (reverse
		// topological order) since attn now has a gradient: leave the map gradient to
		// it. g is context's gradient, which the tape would pool once this node is
		// done: take the buffer over until then.
		a, cf := simd.GetBuf(b*hw), simd.GetBuf(b*hw)
		ops.WeightedNormalizedGrad(dw, a, cf, g, attn.Data, value.Data, norms, b, d, hw, eps)
		pooledG := !context.retainGrad && context.poolGrad != nil && unsafe.SliceData(context.Grad) == context.poolGrad &&
			unsafe.SliceData(g) == context.poolGrad
		if pooledG {
			context.Grad, context.poolGrad = nil, nil
		}
		deferred = &ops.FusionDeferred{A: a, C: cf, G: g}
		release = func() {
			simd.PutBuf(a)
			simd.PutBuf(cf)
			if pooledG {
				simd.PutBuf(g)
			}
		}
	}, attn, value)
	return context, attn
}
