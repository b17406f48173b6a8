package autograd

import (
	"fmt"

	"github.com/cvogl/halo/ops"
)

// LSKGate is the spatial selection of LSKNet's LSKblock as one op: with both = cat(a1,
// a2) along channels,
//
//	agg = cat(mean(both, 1), max(both, 1))
//	sig = sigmoid(conv2d(agg, w, b))          (w [2, 2, KH, KW], odd sides, same padding)
//	out = a1 * sig[:, 0:1] + a2 * sig[:, 1:2]
//
// for a1, a2 [N, C, H, W] (b nil or [2]). It equals that composition of Concat, Mean,
// Max, Conv2d, Sigmoid, Split, Mul and Add (the gradient of the max going to the first
// argmax, as Max's does) to float32 rounding, without materialising the concatenation
// or any channel-sized intermediate (ops.LSKGate). Kept for the backward: the gate
// planes, the padded aggregate planes and the argmax (3 planes per image and an int32
// plane), besides the inputs themselves.
func LSKGate(a1, a2, w, b *Tensor) *Tensor {
	if len(a1.Shape) != 4 || !SameShape(a1.Shape, a2.Shape) {
		panic(fmt.Sprintf("autograd.LSKGate: a1 %s and a2 %s must be NCHW of one shape", tensorLabel(a1), tensorLabel(a2)))
	}
	if len(w.Shape) != 4 || w.Shape[0] != 2 || w.Shape[1] != 2 || w.Shape[2]%2 == 0 || w.Shape[3]%2 == 0 {
		panic(fmt.Sprintf("autograd.LSKGate: weight %s, want [2, 2, KH, KW] with odd KH, KW", tensorLabel(w)))
	}
	var bData []float32
	if b != nil {
		if len(b.Shape) != 1 || b.Shape[0] != 2 {
			panic(fmt.Sprintf("autograd.LSKGate: bias %s, want [2]", tensorLabel(b)))
		}
		bData = b.Data
	}
	if a1.Shape[1] == 0 {
		panic(fmt.Sprintf("autograd.LSKGate: a1 %s has no channels", tensorLabel(a1)))
	}
	g := ops.LSKGateGeom{N: a1.Shape[0], C: a1.Shape[1], H: a1.Shape[2], W: a1.Shape[3], KH: w.Shape[2], KW: w.Shape[3]}
	hw := g.H * g.W
	out := Empty(a1.Shape...) // the kernel writes every value
	sig := make([]float32, g.N*2*hw)
	agg := make([]float32, g.AggLen())
	arg := make([]int32, g.N*hw)
	ops.LSKGate(out.Data, sig, agg, arg, a1.Data, a2.Data, w.Data, bData, g)
	return Record("lsk_gate", out, func(gy []float32) {
		var da1, da2, dw, db []float32
		if a1.requiresGrad {
			da1 = a1.GradBuf()
		}
		if a2.requiresGrad {
			da2 = a2.GradBuf()
		}
		if w.requiresGrad {
			dw = w.GradBuf()
		}
		if b != nil && b.requiresGrad {
			db = b.GradBuf()
		}
		ops.LSKGateBackward(da1, da2, dw, db, gy, a1.Data, a2.Data, w.Data, sig, agg, arg, g)
	}, a1, a2, w, b)
}
