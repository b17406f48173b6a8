package ops

import (
	"fmt"
	"runtime"

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
	checkConvLens("conv2d backward", g, gy, x, w, db)
	if dx != nil && len(dx) != len(x) {
		panic(fmt.Sprintf("conv2d backward: dx has %d values, input has %d", len(dx), len(x)))
	}
	if dw != nil && len(dw) != len(w) {
		panic(fmt.Sprintf("conv2d backward: dw has %d values, weight has %d", len(dw), len(w)))
	}
	if db != nil {
		convBiasBackward(db, gy, g)
	}
	if dx == nil && dw == nil {
		return
	}
	if g.depthwise() {
		depthwiseBackward(dx, dw, gy, x, w, g)
		return
	}
	gemmConvBackward(dx, dw, gy, x, w, g, g.pointwise())
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

// gemmConvForward runs each image and group as W_g [Og, K] x cols [K, OH*OW], the
// columns built for a block of output rows at a time. direct (only for pointwise
// geometries) uses the input block itself as cols.
func gemmConvForward(y, x, w, b []float32, g ConvGeom, direct bool) {
	groups := g.P.Groups
	cg, og := g.C/groups, g.O/groups
	k := cg * g.KH * g.KW
	hw, ohw := g.H*g.W, g.OH*g.OW
	rb := convRowBlock(k, g)
	simd.ParallelFor(g.N, 1, func(lo, hi int) {
		var cols []float32
		if !direct {
			cols = getConvScratch(k * rb * g.OW)
			defer putConvScratch(cols)
		}
		for n := lo; n < hi; n++ {
			for gi := 0; gi < groups; gi++ {
				xg := x[(n*g.C+gi*cg)*hw : (n*g.C+(gi+1)*cg)*hw]
				yg := y[(n*g.O+gi*og)*ohw : (n*g.O+(gi+1)*og)*ohw]
				var beta float32
				if b != nil {
					for o := 0; o < og; o++ {
						convFill(yg[o*ohw:(o+1)*ohw], b[gi*og+o])
					}
					beta = 1
				}
				if direct {
					simd.Sgemm(false, false, og, ohw, k, 1, w[gi*og*k:], k, xg, hw, beta, yg, ohw)
					continue
				}
				for oh0 := 0; oh0 < g.OH; oh0 += rb {
					oh1 := min(oh0+rb, g.OH)
					nb := (oh1 - oh0) * g.OW
					im2col(cols, xg, cg, g, oh0, oh1)
					simd.Sgemm(false, false, og, nb, k, 1, w[gi*og*k:], k, cols, nb, beta, yg[oh0*g.OW:], ohw)
				}
			}
		}
	})
}

// gemmConvBackward: dW_g += dY_g cols^T and dX = col2im(W_g^T dY_g), per block of
// output rows. The images are split into at most GOMAXPROCS contiguous slots run in
// parallel; slot 0 accumulates straight into dw, every other slot into its own buffer,
// and those are added in slot order, so the result does not depend on scheduling and
// at most one weight-sized buffer per thread is allocated.
func gemmConvBackward(dx, dw, gy, x, w []float32, g ConvGeom, direct bool) {
	groups := g.P.Groups
	cg, og := g.C/groups, g.O/groups
	k := cg * g.KH * g.KW
	hw, ohw := g.H*g.W, g.OH*g.OW
	rb := convRowBlock(k, g)
	slots := min(g.N, runtime.GOMAXPROCS(0))
	partial := make([][]float32, slots)
	simd.ParallelFor(slots, 1, func(lo, hi int) {
		var cols, dcols []float32
		if !direct {
			cols = getConvScratch(k * rb * g.OW)
			defer putConvScratch(cols)
			if dx != nil {
				dcols = getConvScratch(k * rb * g.OW)
				defer putConvScratch(dcols)
			}
		}
		for slot := lo; slot < hi; slot++ {
			dwSlot := dw
			if dw != nil && slot > 0 {
				dwSlot = make([]float32, len(dw))
				partial[slot] = dwSlot
			}
			for n := slot * g.N / slots; n < (slot+1)*g.N/slots; n++ {
				for gi := 0; gi < groups; gi++ {
					xg := x[(n*g.C+gi*cg)*hw : (n*g.C+(gi+1)*cg)*hw]
					gyg := gy[(n*g.O+gi*og)*ohw : (n*g.O+(gi+1)*og)*ohw]
					wg := w[gi*og*k:]
					var dxg []float32
					if dx != nil {
						dxg = dx[(n*g.C+gi*cg)*hw : (n*g.C+(gi+1)*cg)*hw]
					}
					if direct {
						if dwSlot != nil {
							simd.Sgemm(false, true, og, k, ohw, 1, gyg, ohw, xg, hw, 1, dwSlot[gi*og*k:], k)
						}
						if dxg != nil {
							simd.Sgemm(true, false, k, ohw, og, 1, wg, k, gyg, ohw, 1, dxg, hw)
						}
						continue
					}
					for oh0 := 0; oh0 < g.OH; oh0 += rb {
						oh1 := min(oh0+rb, g.OH)
						nb := (oh1 - oh0) * g.OW
						gyb := gyg[oh0*g.OW:]
						if dwSlot != nil {
							im2col(cols, xg, cg, g, oh0, oh1)
							simd.Sgemm(false, true, og, k, nb, 1, gyb, ohw, cols, nb, 1, dwSlot[gi*og*k:], k)
						}
						if dxg != nil {
							simd.Sgemm(true, false, k, nb, og, 1, wg, k, gyb, ohw, 0, dcols, nb)
							col2im(dxg, dcols, cg, g, oh0, oh1)
						}
					}
				}
			}
		}
	})
	for _, p := range partial[min(1, slots):] {
		simd.Axpy(1, p, dw)
	}
}

func convFill(s []float32, v float32) {
	for i := range s {
		s[i] = v
	}
}
