package ops

import (
	"fmt"

	"github.com/cvogl/halo/simd"
)

// EpilogueOp is an elementwise operation a convolution applies to its output values
// right after adding the bias, while an item's output rows are still in cache: an
// inference-time fusion that saves a separate pass over a large activation.
type EpilogueOp int

const (
	// EpiNone leaves the output as it is (a plain convolution).
	EpiNone EpilogueOp = iota
	// EpiGELU replaces y by GELU(y) (simd.GELU, as GELU does).
	EpiGELU
	// EpiMul replaces y by y*T (simd.Mul, as Broadcast.Apply does for equal shapes).
	EpiMul
	// EpiAdd replaces y by y+T (simd.Add).
	EpiAdd
)

// ConvEpilogue is the operation Conv2dForwardEpilogue applies to its output. T, the
// second operand of EpiMul and EpiAdd, has the output's shape and must not overlap it.
type ConvEpilogue struct {
	Op EpilogueOp
	T  []float32
}

// Conv2dForwardEpilogue computes y = e(conv(x, w) + b), overwriting y: the values
// (bit for bit) of Conv2d followed by GELU, or by the elementwise product or sum with
// e.T, but with the epilogue applied to each block of output rows as soon as its bias
// is added (GEMM paths) instead of in a second pass over y. Forward only: there is no
// matching backward, so autograd uses it only when nothing is recorded.
func Conv2dForwardEpilogue(y, x, w, b []float32, g ConvGeom, e ConvEpilogue) {
	checkConvLens("conv2d epilogue", g, y, x, w, b)
	switch e.Op {
	case EpiNone, EpiGELU:
	case EpiMul, EpiAdd:
		if len(e.T) != len(y) {
			panic(fmt.Sprintf("conv2d epilogue: operand has %d values, output %d", len(e.T), len(y)))
		}
	default:
		panic(fmt.Sprintf("conv2d epilogue: unknown op %d", e.Op))
	}
	if g.depthwise() {
		// The direct depthwise kernel has no per-block hook: one more pass over y.
		depthwiseForward(y, x, w, b, g)
		parallelElems(len(y), func(lo, hi int) { e.apply(y[lo:hi], e.t(lo, hi)) })
		return
	}
	gemmConvForwardEpi(y, x, w, b, g, g.pointwise(), e)
}

// t returns the operand's values [lo, hi) (nil when the op has none).
func (e *ConvEpilogue) t(lo, hi int) []float32 {
	if e.T == nil {
		return nil
	}
	return e.T[lo:hi]
}

// apply runs the epilogue in place on row, t being the operand's matching values.
func (e *ConvEpilogue) apply(row, t []float32) {
	switch e.Op {
	case EpiGELU:
		simd.GELU(row, row)
	case EpiMul:
		simd.Mul(row, row, t)
	case EpiAdd:
		simd.Add(row, row, t)
	}
}
