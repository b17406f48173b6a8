package autograd

import (
	"fmt"
	"math/rand/v2"

	"github.com/cvogl/halo/ops"
)

// DropPathKeep draws DropPath's per-sample factors for n samples: 1/(1-p) for a kept
// sample, 0 for a dropped one, with exactly the draws DropPath makes (one rng.Float32
// per sample, in order, a sample kept when the draw is >= p). It returns nil, drawing
// nothing, when DropPath would be the identity (!training or p == 0).
func DropPathKeep(n int, p float32, rng *rand.Rand, training bool) []float32 {
	if !(p >= 0 && p <= 1) {
		panic(fmt.Sprintf("autograd.DropPathKeep: probability %v outside [0, 1]", p))
	}
	if !training || p == 0 {
		return nil
	}
	keep := make([]float32, n)
	for s := range keep {
		if rng.Float32() >= p {
			keep[s] = keepScale(p)
		}
	}
	return keep
}

// ScaleResidual returns x + DropPath(scale * a) with the drop-path factors keep (from
// DropPathKeep; nil for none): out[n, c, ...] = x[n, c, ...] + (scale[c] * a[n, c,
// ...]) * keep[n], for x and a of one shape [N, C, ...] and scale of C values (shape
// [C] or [C, 1, ...]). It equals Add(x, DropPath(Mul(scale, a))) to the bit (the same
// roundings, in the same order) with one pass over the tensors each way instead of
// three (ops.ScaleResidual).
func ScaleResidual(x, a, scale *Tensor, keep []float32) *Tensor {
	if len(x.Shape) < 2 || !SameShape(x.Shape, a.Shape) {
		panic(fmt.Sprintf("autograd.ScaleResidual: x %s and a %s must have one shape [N, C, ...]", tensorLabel(x), tensorLabel(a)))
	}
	n, c := x.Shape[0], x.Shape[1]
	if len(scale.Data) != c || len(scale.Shape) == 0 || scale.Shape[0] != c {
		panic(fmt.Sprintf("autograd.ScaleResidual: scale %s, want %d channel values", tensorLabel(scale), c))
	}
	if keep != nil && len(keep) != n {
		panic(fmt.Sprintf("autograd.ScaleResidual: %d drop-path factors for %d samples", len(keep), n))
	}
	inner := 0
	if n*c > 0 {
		inner = len(x.Data) / (n * c)
	}
	g := ops.ResidualGeom{N: n, C: c, Inner: inner}
	out := Empty(x.Shape...) // the kernel writes every value
	ops.ScaleResidual(out.Data, x.Data, a.Data, scale.Data, keep, g)
	return Record("scale_residual", out, func(gy []float32) {
		var dx, da, ds []float32
		if x.requiresGrad {
			dx = x.GradBuf()
		}
		if a.requiresGrad {
			da = a.GradBuf()
		}
		if scale.requiresGrad {
			ds = scale.GradBuf()
		}
		ops.ScaleResidualBackward(dx, da, ds, gy, a.Data, scale.Data, keep, g)
	}, x, a, scale)
}
