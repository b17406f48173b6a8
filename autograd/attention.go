package autograd

import (
	"fmt"

	"github.com/cvogl/halo/ops"
)

// LinearAttention is LoFTR's multi-head linear attention with feature map
// phi(x) = elu(x)+1: for queries q [N,L,H,D], keys k [N,S,H,D] and values
// v [N,S,H,Dv] it returns [N,L,H,Dv] with, per head,
// out[l] = phi(q[l]) * (sum_s phi(k[s])^T v[s]) / (phi(q[l]) . sum_s phi(k[s]) + eps).
// LoFTR uses eps 1e-6.
func LinearAttention(q, k, v *Tensor, eps float32) *Tensor {
	if len(q.Shape) != 4 || len(k.Shape) != 4 || len(v.Shape) != 4 ||
		k.Shape[0] != q.Shape[0] || v.Shape[0] != q.Shape[0] || k.Shape[1] != v.Shape[1] ||
		k.Shape[2] != q.Shape[2] || v.Shape[2] != q.Shape[2] || k.Shape[3] != q.Shape[3] {
		panic(fmt.Sprintf("autograd.LinearAttention: queries %v, keys %v, values %v (want [N,L,H,D], [N,S,H,D], [N,S,H,Dv])",
			q.Shape, k.Shape, v.Shape))
	}
	d := ops.LinearAttentionDims{N: q.Shape[0], L: q.Shape[1], S: k.Shape[1], H: q.Shape[2], D: q.Shape[3], Dv: v.Shape[3]}
	out := Empty(d.N, d.L, d.H, d.Dv)
	st := ops.LinearAttentionForward(out.Data, q.Data, k.Data, v.Data, d, eps)
	y := out.Data
	return Record("linear_attention", out, func(g []float32) {
		var dq, dk, dv []float32
		if q.requiresGrad {
			dq = q.GradBuf()
		}
		if k.requiresGrad {
			dk = k.GradBuf()
		}
		if v.requiresGrad {
			dv = v.GradBuf()
		}
		ops.LinearAttentionBackward(dq, dk, dv, g, y, q.Data, k.Data, v.Data, st, d)
	}, q, k, v)
}
