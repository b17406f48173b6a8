package autograd

import (
	"fmt"

	"github.com/cvogl/halo/ops"
)

// MatMul returns op(a)*op(b), op transposing the last two axes when its flag is set.
// Both 2-D: [m,k] x [k,n] -> [m,n]. Batched: a [B,m,k] with b [B,k,n] or a shared
// 2-D b [k,n] -> [B,m,n]. Shapes are given before transposition (a [B,k,m] when
// transA, b [B,n,k] when transB).
func MatMul(a, b *Tensor, transA, transB bool) *Tensor {
	bad := func() {
		panic(fmt.Sprintf("autograd.MatMul: cannot multiply %v (transA=%v) by %v (transB=%v)", a.Shape, transA, b.Shape, transB))
	}
	if len(a.Shape) < 2 || len(a.Shape) > 3 || len(b.Shape) < 2 || len(b.Shape) > 3 || len(b.Shape) > len(a.Shape) {
		bad()
	}
	d := ops.MatMulDims{Batch: 1, TransA: transA, TransB: transB}
	ar, ac := a.Shape[len(a.Shape)-2], a.Shape[len(a.Shape)-1]
	br, bc := b.Shape[len(b.Shape)-2], b.Shape[len(b.Shape)-1]
	d.M, d.K = ar, ac
	if transA {
		d.M, d.K = ac, ar
	}
	kb := br
	d.N = bc
	if transB {
		kb, d.N = bc, br
	}
	if kb != d.K {
		bad()
	}
	shape := []int{d.M, d.N}
	if len(a.Shape) == 3 {
		d.Batch = a.Shape[0]
		d.StrideA = ar * ac
		if len(b.Shape) == 3 {
			if b.Shape[0] != d.Batch {
				bad()
			}
			d.StrideB = br * bc
		}
		shape = []int{d.Batch, d.M, d.N}
	}
	out := Empty(shape...)
	ops.MatMulForward(out.Data, a.Data, b.Data, d)
	return Record("matmul", out, func(g []float32) {
		var da, db []float32
		if a.requiresGrad {
			da = a.GradBuf()
		}
		if b.requiresGrad {
			db = b.GradBuf()
		}
		ops.MatMulBackward(da, db, g, a.Data, b.Data, d)
	}, a, b)
}
