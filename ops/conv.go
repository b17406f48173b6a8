package ops

import (
	"fmt"

	"github.com/cvogl/halo/simd"
)

// ConvParams are the hyper-parameters of a 2-D convolution. Zero strides, dilations and
// groups mean 1, so the zero value is a stride-1, unpadded, ungrouped convolution.
type ConvParams struct {
	StrideH, StrideW int
	PadH, PadW       int
	DilH, DilW       int
	Groups           int
}

// normalized returns p with the zero defaults replaced by 1.
func (p ConvParams) normalized() ConvParams {
	one := func(v *int) {
		if *v == 0 {
			*v = 1
		}
	}
	one(&p.StrideH)
	one(&p.StrideW)
	one(&p.DilH)
	one(&p.DilW)
	one(&p.Groups)
	return p
}

// ConvOutSize is the output length of a convolution or pooling window sliding over in
// positions (PyTorch's floor formula).
func ConvOutSize(in, k, stride, pad, dil int) int {
	return (in+2*pad-dil*(k-1)-1)/stride + 1
}

// ConvGeom is a validated convolution problem: input [N,C,H,W], weight
// [O,C/Groups,KH,KW], output [N,O,OH,OW]. P holds the normalised parameters.
type ConvGeom struct {
	N, C, H, W int
	O, KH, KW  int
	OH, OW     int
	P          ConvParams
}

// NewConvGeom checks the shapes of a convolution and returns its geometry. bShape is nil
// when there is no bias. It panics with a message naming the op and the shapes at fault.
func NewConvGeom(xShape, wShape, bShape []int, p ConvParams) ConvGeom {
	p = p.normalized()
	if p.StrideH < 0 || p.StrideW < 0 || p.DilH < 0 || p.DilW < 0 || p.Groups < 0 || p.PadH < 0 || p.PadW < 0 {
		panic(fmt.Sprintf("conv2d: negative parameter in %+v", p))
	}
	if len(xShape) != 4 {
		panic(fmt.Sprintf("conv2d: input must be NCHW, got shape %v", xShape))
	}
	if len(wShape) != 4 {
		panic(fmt.Sprintf("conv2d: weight must be [out, in/groups, kh, kw], got shape %v", wShape))
	}
	g := ConvGeom{N: xShape[0], C: xShape[1], H: xShape[2], W: xShape[3],
		O: wShape[0], KH: wShape[2], KW: wShape[3], P: p}
	if g.C != wShape[1]*p.Groups {
		panic(fmt.Sprintf("conv2d: input has %d channels, weight expects %d (groups %d); input %v, weight %v",
			g.C, wShape[1]*p.Groups, p.Groups, xShape, wShape))
	}
	if g.O%p.Groups != 0 {
		panic(fmt.Sprintf("conv2d: %d output channels not divisible by groups %d; weight %v", g.O, p.Groups, wShape))
	}
	if bShape != nil && (len(bShape) != 1 || bShape[0] != g.O) {
		panic(fmt.Sprintf("conv2d: bias shape %v, want [%d] for weight %v", bShape, g.O, wShape))
	}
	g.OH = ConvOutSize(g.H, g.KH, p.StrideH, p.PadH, p.DilH)
	g.OW = ConvOutSize(g.W, g.KW, p.StrideW, p.PadW, p.DilW)
	if g.KH < 1 || g.KW < 1 || g.OH < 1 || g.OW < 1 {
		panic(fmt.Sprintf("conv2d: input %v with weight %v and %+v gives an empty output %dx%d",
			xShape, wShape, p, g.OH, g.OW))
	}
	return g
}

// OutShape is the output shape [N, O, OH, OW].
func (g ConvGeom) OutShape() []int { return []int{g.N, g.O, g.OH, g.OW} }

// depthwise reports whether every group maps one input channel to one output channel,
// the case the direct kernel handles.
func (g ConvGeom) depthwise() bool { return g.P.Groups == g.C && g.O == g.C }

// pointwise reports whether the convolution is a plain matrix product per image: each
// group's input block is already the im2col matrix.
func (g ConvGeom) pointwise() bool {
	return g.KH == 1 && g.KW == 1 && g.P.StrideH == 1 && g.P.StrideW == 1 && g.P.PadH == 0 && g.P.PadW == 0
}

// Conv2d computes y = conv(x, w) + b, overwriting y ([N,O,OH,OW]). b may be nil.
func Conv2d(y, x, w, b []float32, g ConvGeom) {
	checkConvLens("conv2d", g, y, x, w, b)
	switch {
	case g.depthwise():
		depthwiseForward(y, x, w, b, g)
	default:
		gemmConvForward(y, x, w, b, g, g.pointwise())
	}
}

// Conv2dBackward accumulates the gradients of a convolution given gy, the gradient of
// its output: dx += dL/dx, dw += dL/dw, db += dL/db. Any of dx, dw, db may be nil to
// skip that gradient.
func Conv2dBackward(dx, dw, db, gy, x, w []float32, g ConvGeom) {
	conv2dBackward(dx, dw, db, gy, x, w, g, false)
}

// Conv2dBackwardStoreDx is Conv2dBackward except that it stores dx = dL/dx, whatever dx
// held (an uncleared buffer will do), while dw and db still accumulate. For 1x1
// convolutions the products write dx directly, which saves clearing a fresh gradient
// buffer and reading its zeros back; other geometries clear dx first.
func Conv2dBackwardStoreDx(dx, dw, db, gy, x, w []float32, g ConvGeom) {
	conv2dBackward(dx, dw, db, gy, x, w, g, true)
}

func conv2dBackward(dx, dw, db, gy, x, w []float32, g ConvGeom, storeDx bool) {
	checkConvLens("conv2d backward", g, gy, x, w, db)
	if dx != nil && len(dx) != len(x) {
		panic(fmt.Sprintf("conv2d backward: dx has %d values, input has %d", len(dx), len(x)))
	}
	if dw != nil && len(dw) != len(w) {
		panic(fmt.Sprintf("conv2d backward: dw has %d values, weight has %d", len(dw), len(w)))
	}
	dxBeta := float32(1)
	if storeDx && dx != nil {
		if g.pointwise() && !g.depthwise() {
			dxBeta = 0
		} else {
			simd.ParallelFor(len(dx), 1<<16, func(lo, hi int) { clear(dx[lo:hi]) })
		}
	}
	if !g.depthwise() {
		// The GEMM paths fold db into their pass over gy where they can.
		gemmConvGrads(dx, dw, db, gy, x, w, g, g.pointwise(), dxBeta)
		return
	}
	if db != nil {
		convBiasBackward(db, gy, g)
	}
	if dx != nil || dw != nil {
		depthwiseBackward(dx, dw, gy, x, w, g)
	}
}

func checkConvLens(op string, g ConvGeom, y, x, w, b []float32) {
	if len(x) != g.N*g.C*g.H*g.W {
		panic(fmt.Sprintf("%s: input has %d values, geometry wants %dx%dx%dx%d", op, len(x), g.N, g.C, g.H, g.W))
	}
	if len(w) != g.O*(g.C/g.P.Groups)*g.KH*g.KW {
		panic(fmt.Sprintf("%s: weight has %d values, geometry wants %dx%dx%dx%d", op, len(w), g.O, g.C/g.P.Groups, g.KH, g.KW))
	}
	if len(y) != g.N*g.O*g.OH*g.OW {
		panic(fmt.Sprintf("%s: output has %d values, geometry wants %v", op, len(y), g.OutShape()))
	}
	if b != nil && len(b) != g.O {
		panic(fmt.Sprintf("%s: bias has %d values, want %d", op, len(b), g.O))
	}
}

// convBiasBackward accumulates db[o] += sum over n, oh, ow of gy.
func convBiasBackward(db, gy []float32, g ConvGeom) {
	ohw := g.OH * g.OW
	simd.ParallelFor(g.O, 16, func(lo, hi int) {
		for o := lo; o < hi; o++ {
			var s float32
			for n := 0; n < g.N; n++ {
				s += simd.Sum(gy[(n*g.O+o)*ohw : (n*g.O+o+1)*ohw])
			}
			db[o] += s
		}
	})
}

func convFill(s []float32, v float32) {
	for i := range s {
		s[i] = v
	}
}
