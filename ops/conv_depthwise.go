package ops

import (
	"fmt"

	"github.com/cvogl/halo/simd"
)

// Depthwise convolution (groups == in == out channels) as direct loops: an im2col
// matrix per channel would copy each input KH*KW times to feed a one-row GEMM.
//
// Stride 1 (every depthwise conv in HALO) copies each input plane once into a
// zero-padded buffer and runs simd.DWConvRows over it, which keeps a strip of outputs in
// registers across all taps (one pass over the output instead of one per tap). The input
// gradient is the same correlation, with the flipped filter, over the padded output
// gradient; the filter gradient is simd.DWConvGradRows over that same padded gradient
// (see depthwiseBackward). Other strides use plain row loops.
//
// The LSK Mlp's 3x3 depthwise conv + GELU (DepthwiseConv2dGELU) finishes each strip of
// convolution outputs with the GELU while it is in L1 and keeps no pre-activation: the
// backward recomputes it strip by strip from the padded copy of x it needs anyway, so
// neither pass writes or reads an extra output-sized tensor. Most of its time is the
// GELU and its derivative (~50 vector instructions per vector of outputs against ~9
// FMAs for the convolution), hence simd's cheaper DWGELU and DWGELUGradMul.

// dwStride1 describes the padded planes of a stride-1 depthwise convolution.
type dwStride1 struct {
	g ConvGeom
	// hp x wp is the padded input the forward reads: exactly the rows and columns the
	// OH x OW outputs reach.
	hp, wp int
	// hg x wg is the padded output gradient both gradients read, with gy's row 0 at
	// (gTop, gLeft) (negative when the padding exceeds the filter's reach, so some of
	// gy's border never reaches the input).
	hg, wg, gTop, gLeft int
}

func newDWStride1(g ConvGeom) dwStride1 {
	p := g.P
	reachH, reachW := (g.KH-1)*p.DilH, (g.KW-1)*p.DilW
	return dwStride1{g: g,
		hp: g.OH + reachH, wp: g.OW + reachW,
		hg: g.H + reachH, wg: g.W + reachW, gTop: reachH - p.PadH, gLeft: reachW - p.PadW}
}

func (d dwStride1) filter(w []float32) simd.DWFilter {
	return simd.DWFilter{W: w, KH: d.g.KH, KW: d.g.KW, DilH: d.g.P.DilH, DilW: d.g.P.DilW}
}

// dwStripRows is how many output rows the fused forward finishes (convolution, then
// activation) at a time: about 16 KiB of outputs, so the activation reads them from L1,
// in whole blocks of 2*dilH rows, which the kernel runs as pairs of rows.
func dwStripRows(ow, dilH int) int {
	blk := 2 * dilH
	return max(blk, 4096/max(1, ow)/blk*blk)
}

// DepthwiseConv2dGELU computes y = GELU(conv(x, w) + b) for a depthwise geometry (the
// Mlp's dwconv then GELU), applying the activation to each strip of outputs while it is
// still in cache instead of in a second pass over memory. If pre is not nil it receives
// the pre-activation; DepthwiseConv2dGELUBackward does not need it. b may be nil.
//
// The GELU is simd.DWGELU, within 9 ulp of the exact erf GELU (GELU: 6), and a third
// cheaper: it is most of this op's time.
func DepthwiseConv2dGELU(y, pre, x, w, b []float32, g ConvGeom) {
	checkConvLens("depthwise conv2d gelu", g, y, x, w, b)
	if !g.depthwise() {
		panic(fmt.Sprintf("depthwise conv2d gelu: not a depthwise geometry: %d channels, %d groups, %d outputs", g.C, g.P.Groups, g.O))
	}
	if pre != nil && len(pre) != len(y) {
		panic(fmt.Sprintf("depthwise conv2d gelu: pre has %d values, output has %d", len(pre), len(y)))
	}
	act := simd.DWGELU
	if 4*len(y) > dwStreamBytes {
		act = simd.DWGELUStream
	}
	depthwiseForwardAct(y, pre, x, w, b, g, act)
}

// dwStreamBytes is the output size beyond which the fused forward stores its output
// around the cache (simd.DWGELUStream): larger than a typical L3 share, the output
// would be gone from cache before the next layer reads it, and streaming stores save
// reading each line from memory before overwriting it. (A variable so that tests can
// run the streaming path on small shapes.)
var dwStreamBytes = 16 << 20

// depthwiseGELUForwardOld is DepthwiseConv2dGELU as it was, with simd.GELU, kept for
// the A/B benchmark (conv_depthwise_bench_test.go).
func depthwiseGELUForwardOld(y, pre, x, w, b []float32, g ConvGeom) {
	depthwiseForwardAct(y, pre, x, w, b, g, simd.GELU)
}

func depthwiseForward(y, x, w, b []float32, g ConvGeom) {
	depthwiseForwardAct(y, y, x, w, b, g, nil)
}

// depthwiseForwardAct computes the convolution into pre and, when act is set,
// y = act(pre) strip by strip while the strip is in cache. With act, pre may be nil:
// the pre-activation is then not kept, each strip going through a per-worker buffer.
func depthwiseForwardAct(y, pre, x, w, b []float32, g ConvGeom, act func(dst, x []float32)) {
	gelu := act != nil
	if g.P.StrideH != 1 || g.P.StrideW != 1 {
		if pre == nil {
			pre = y
		}
		depthwiseForwardStrided(pre, x, w, b, g)
		if gelu {
			act(y, pre)
		}
		return
	}
	d := newDWStride1(g)
	hw, ohw, kk := g.H*g.W, g.OH*g.OW, g.KH*g.KW
	strip := g.OH
	if gelu {
		strip = dwStripRows(g.OW, g.P.DilH)
	}
	simd.ParallelFor(g.N*g.C, 1, func(lo, hi int) {
		xp := getConvScratch(d.hp * d.wp)
		defer putConvScratch(xp)
		var stripBuf []float32
		if gelu && pre == nil {
			stripBuf = getConvScratch(strip * g.OW)
			defer putConvScratch(stripBuf)
		}
		for nc := lo; nc < hi; nc++ {
			c := nc % g.C
			padPlane(xp, d.hp, d.wp, x[nc*hw:(nc+1)*hw], g.H, g.W, g.P.PadH, g.P.PadW)
			var bias float32
			if b != nil {
				bias = b[c]
			}
			f := d.filter(w[c*kk : (c+1)*kk])
			for r0 := 0; r0 < g.OH; r0 += strip {
				r1 := min(r0+strip, g.OH)
				yo := y[nc*ohw+r0*g.OW : nc*ohw+r1*g.OW]
				out := yo
				switch {
				case pre != nil:
					out = pre[nc*ohw+r0*g.OW : nc*ohw+r1*g.OW]
				case gelu:
					out = stripBuf[:len(yo)]
				}
				simd.DWConvRows(out, g.OW, xp[r0*d.wp:], d.wp, r1-r0, g.OW, f, bias, false)
				if gelu {
					act(yo, out)
				}
			}
		}
	})
}

// depthwiseBackward runs channels in parallel (images inner), so each worker owns its
// channels' dx planes and dw taps and nothing is shared. Tap sums of dw are carried in
// float64 across images.
//
// Both gradients read one padded copy of gy (gp, gy's (i, j) at (i+gTop, j+gLeft)):
//
//	dx[i, j]     = sum_{ky,kx} w[KH-1-ky, KW-1-kx] * gp[i + ky*DilH, j + kx*DilW]
//	dw[ky, kx]   = sum_{i,j} x[i, j] * gp[i + (KH-1-ky)*DilH, j + (KW-1-kx)*DilW]
//
// the second being DWConvGradRows with x in the role of the output gradient and the
// taps in reverse order, so x itself needs no padded copy.
func depthwiseBackward(dx, dw, gy, x, w []float32, g ConvGeom) {
	depthwiseBackwardAct(dx, dw, nil, gy, nil, x, w, nil, g, nil, true)
}

// DepthwiseConv2dGELUBackward is the backward of DepthwiseConv2dGELU: given gy, the
// gradient of y = GELU(pre), pre = conv(x, w) + b, it accumulates dx, dw and db (any
// may be nil; b may be nil when the forward had no bias). The pre-activation is not
// kept by the forward but recomputed here, a strip of rows at a time, from x (which the
// filter gradient reads anyway): the convolution is ~9 FMAs per value, far cheaper than
// writing and re-reading an output-sized tensor, and the recomputed values are the
// forward's bit for bit (same kernel, same tap order). The gradient of pre then exists
// only a plane at a time, in a scratch buffer that feeds the bias sum and the padded
// copy both convolution gradients read. GELU' is simd.DWGELUGradMul's.
func DepthwiseConv2dGELUBackward(dx, dw, db, gy, x, w, b []float32, g ConvGeom) {
	depthwiseGELUBackward(dx, dw, db, gy, x, w, b, g, true)
}

// DepthwiseConv2dGELUBackwardZeroDx is DepthwiseConv2dGELUBackward for a dx that holds
// only zeros (a gradient buffer just taken from the pool): it stores dx instead of
// adding to it, which saves reading an input-sized tensor back from memory. dw and db
// still accumulate.
func DepthwiseConv2dGELUBackwardZeroDx(dx, dw, db, gy, x, w, b []float32, g ConvGeom) {
	depthwiseGELUBackward(dx, dw, db, gy, x, w, b, g, false)
}

func depthwiseGELUBackward(dx, dw, db, gy, x, w, b []float32, g ConvGeom, dxAccum bool) {
	checkConvLens("depthwise conv2d gelu backward", g, gy, x, w, b)
	checkDWGELUBackward(dx, dw, db, gy, gy, x, w, g)
	if dx == nil && dw == nil && db == nil {
		return
	}
	if g.P.StrideH != 1 || g.P.StrideW != 1 {
		dpre := make([]float32, len(gy))
		depthwiseForwardStrided(dpre, x, w, b, g)
		simd.DWGELUGradMul(dpre, gy, dpre)
		Conv2dBackward(dx, dw, db, dpre, x, w, g)
		return
	}
	depthwiseBackwardAct(dx, dw, db, gy, nil, x, w, b, g, simd.DWGELUGradMul, dxAccum)
}

// geluBackwardOld is dst = g*GELU'(x) by GELUBackward (the derivative of simd.GELU).
func geluBackwardOld(dst, g, x []float32) {
	clear(dst)
	GELUBackward(dst, g, x)
}

// depthwiseGELUBackwardPre is the backward reading a kept pre-activation instead of
// recomputing it, with dact(dst, g, x) setting dst = g*GELU'(x): with geluBackwardOld
// it is the backward as it was (the A/B benchmark's baseline); with
// simd.DWGELUGradMul it must equal DepthwiseConv2dGELUBackward bit for bit (a test).
func depthwiseGELUBackwardPre(dx, dw, db, gy, pre, x, w []float32, g ConvGeom, dact func(dst, g, x []float32)) {
	checkConvLens("depthwise conv2d gelu backward", g, gy, x, w, db)
	checkDWGELUBackward(dx, dw, db, gy, pre, x, w, g)
	if dx == nil && dw == nil && db == nil {
		return
	}
	if g.P.StrideH != 1 || g.P.StrideW != 1 {
		dpre := make([]float32, len(gy))
		dact(dpre, gy, pre)
		Conv2dBackward(dx, dw, db, dpre, x, w, g)
		return
	}
	depthwiseBackwardAct(dx, dw, db, gy, pre, x, w, nil, g, dact, true)
}

func checkDWGELUBackward(dx, dw, db, gy, pre, x, w []float32, g ConvGeom) {
	if !g.depthwise() {
		panic(fmt.Sprintf("depthwise conv2d gelu backward: not a depthwise geometry: %d channels, %d groups, %d outputs", g.C, g.P.Groups, g.O))
	}
	if len(pre) != len(gy) {
		panic(fmt.Sprintf("depthwise conv2d gelu backward: pre has %d values, output has %d", len(pre), len(gy)))
	}
	if dx != nil && len(dx) != len(x) {
		panic(fmt.Sprintf("depthwise conv2d gelu backward: dx has %d values, input has %d", len(dx), len(x)))
	}
	if dw != nil && len(dw) != len(w) {
		panic(fmt.Sprintf("depthwise conv2d gelu backward: dw has %d values, weight has %d", len(dw), len(w)))
	}
	if db != nil && len(db) != g.O {
		panic(fmt.Sprintf("depthwise conv2d gelu backward: db has %d values, want %d", len(db), g.O))
	}
}

// depthwiseBackwardAct is the stride-1 backward. With dact set, gy is the gradient after
// an activation of pre = conv(x, w) + b, taken back through it plane by plane by dact
// (dst = g*act'(x), dst may be x) and db accumulated from that: pre is read from pre
// when given, else recomputed strip by strip from a padded copy of x (bias b, which
// may be nil). dx is added to if dxAccum, else overwritten.
func depthwiseBackwardAct(dx, dw, db, gy, pre, x, w, b []float32, g ConvGeom, dact func(dst, g, x []float32), dxAccum bool) {
	gelu := dact != nil
	if !gelu && (g.P.StrideH != 1 || g.P.StrideW != 1) {
		depthwiseBackwardStrided(dx, dw, gy, x, w, g)
		return
	}
	d := newDWStride1(g)
	hw, ohw, kk := g.H*g.W, g.OH*g.OW, g.KH*g.KW
	recompute := gelu && pre == nil
	// direct: the recomputed gradient of pre goes, strip by strip, straight into the
	// interior of the padded plane gp, whose border then stays zero from plane to plane,
	// and the filter gradient reads x where it sits in xp: the worker's planes (xp, gp
	// and a strip) then stay in L2. It needs gy's OH x OW to lie inside gp (padding
	// within the filter's reach, as in HALO).
	direct := recompute && d.gTop >= 0 && d.gLeft >= 0
	strip := dwStripRows(g.OW, g.P.DilH)
	simd.ParallelFor(g.C, 1, func(lo, hi int) {
		gp := getConvScratch(d.hg * d.wg)
		defer putConvScratch(gp)
		var dpre, xp []float32
		switch {
		case direct:
			clear(gp)
		case gelu:
			dpre = getConvScratch(ohw)
			defer putConvScratch(dpre)
		}
		if recompute {
			xp = getConvScratch(d.hp * d.wp)
			defer putConvScratch(xp)
		}
		var lanes, flipped []float32
		var acc []float64
		if dw != nil {
			lanes = make([]float32, kk*simd.DWGradLanes)
			acc = make([]float64, kk)
		}
		if dx != nil {
			flipped = make([]float32, kk)
		}
		for c := lo; c < hi; c++ {
			wc := w[c*kk : (c+1)*kk]
			for t := range flipped {
				flipped[t] = wc[kk-1-t]
			}
			var bias float32
			if b != nil {
				bias = b[c]
			}
			clear(acc)
			var dbAcc float64
			for n := 0; n < g.N; n++ {
				nc := n*g.C + c
				gyc := gy[nc*ohw : (nc+1)*ohw]
				switch {
				case direct:
					padPlane(xp, d.hp, d.wp, x[nc*hw:(nc+1)*hw], g.H, g.W, g.P.PadH, g.P.PadW)
					f := d.filter(wc)
					for r0 := 0; r0 < g.OH; r0 += strip {
						r1 := min(r0+strip, g.OH)
						// pre straight into its place in gp, then GELU' row by row
						// in place (the strip is in L1).
						o0 := (r0+d.gTop)*d.wg + d.gLeft
						simd.DWConvRows(gp[o0:], d.wg, xp[r0*d.wp:], d.wp, r1-r0, g.OW, f, bias, false)
						for r := r0; r < r1; r++ {
							row := gp[o0+(r-r0)*d.wg:][:g.OW]
							dact(row, gyc[r*g.OW:(r+1)*g.OW], row)
						}
						if db != nil { // strip sums in float64 (gp's zero border adds nothing)
							dbAcc += float64(simd.Sum(gp[o0-d.gLeft : o0-d.gLeft+(r1-r0)*d.wg]))
						}
					}
				case recompute:
					// Each strip of pre is made and consumed while it is in L1.
					padPlane(xp, d.hp, d.wp, x[nc*hw:(nc+1)*hw], g.H, g.W, g.P.PadH, g.P.PadW)
					f := d.filter(wc)
					for r0 := 0; r0 < g.OH; r0 += strip {
						r1 := min(r0+strip, g.OH)
						s := dpre[r0*g.OW : r1*g.OW]
						simd.DWConvRows(s, g.OW, xp[r0*d.wp:], d.wp, r1-r0, g.OW, f, bias, false)
						dact(s, gyc[r0*g.OW:r1*g.OW], s)
					}
					gyc = dpre
				case gelu:
					dact(dpre, gyc, pre[nc*ohw:(nc+1)*ohw])
					gyc = dpre
				}
				if gelu && !direct && db != nil {
					db[c] += simd.Sum(dpre)
				}
				if dx == nil && dw == nil {
					continue
				}
				if !direct {
					padPlane(gp, d.hg, d.wg, gyc, g.OH, g.OW, d.gTop, d.gLeft)
				}
				if dw != nil {
					clear(lanes)
					xs, xStride := x[nc*hw:(nc+1)*hw], g.W
					if recompute { // x as it sits in xp, in L2
						xs, xStride = xp[g.P.PadH*d.wp+g.P.PadW:], d.wp
					}
					simd.DWConvGradRows(lanes, xs, xStride, gp, d.wg, g.H, g.W, d.filter(nil))
					for t := range acc {
						acc[kk-1-t] += float64(simd.Sum(lanes[t*simd.DWGradLanes : (t+1)*simd.DWGradLanes]))
					}
				}
				if dx != nil {
					simd.DWConvRows(dx[nc*hw:(nc+1)*hw], g.W, gp, d.wg, g.H, g.W, d.filter(flipped), 0, dxAccum)
				}
			}
			if dw != nil {
				for t, v := range acc {
					dw[c*kk+t] += float32(v)
				}
			}
			if direct && db != nil {
				db[c] += float32(dbAcc)
			}
		}
	})
}

// padPlane fills dst [hd, wd] with src [hs, ws] placed with its first value at (top,
// left) and zeros elsewhere. top and left may be negative (src rows and columns that
// fall outside dst are dropped).
func padPlane(dst []float32, hd, wd int, src []float32, hs, ws, top, left int) {
	c0, c1 := max(0, -left), min(ws, wd-left)
	for r := 0; r < hd; r++ {
		row := dst[r*wd : (r+1)*wd]
		sr := r - top
		if sr < 0 || sr >= hs || c0 >= c1 {
			clear(row)
			continue
		}
		zeroShort(row[:c0+left])
		copy(row[c0+left:c1+left], src[sr*ws+c0:sr*ws+c1])
		zeroShort(row[c1+left:])
	}
}

// zeroShort clears s, in a plain loop when it is as short as a padding border (a
// call to the runtime's clear per border of every row costs more than the stores).
func zeroShort(s []float32) {
	if len(s) > 16 {
		clear(s)
		return
	}
	for i := 0; i < len(s); i++ {
		s[i] = 0
	}
}

// dwTapRanges returns, for every kernel column kw, the valid output column range and
// the input column offset kw*DilW - PadW.
func dwTapRanges(g ConvGeom) (lo, hi, off []int) {
	p := g.P
	lo, hi, off = make([]int, g.KW), make([]int, g.KW), make([]int, g.KW)
	for kw := range g.KW {
		off[kw] = kw*p.DilW - p.PadW
		lo[kw], hi[kw] = convValidRange(off[kw], p.StrideW, g.W, g.OW)
	}
	return lo, hi, off
}

// depthwiseForwardStrided finishes each output row while it sits in L1 (rows outer,
// kernel taps inner), with the inner loop over output columns.
func depthwiseForwardStrided(y, x, w, b []float32, g ConvGeom) {
	p := g.P
	hw, ohw, kk := g.H*g.W, g.OH*g.OW, g.KH*g.KW
	wLo, wHi, offW := dwTapRanges(g)
	simd.ParallelFor(g.N*g.C, 4, func(lo, hi int) {
		for nc := lo; nc < hi; nc++ {
			c := nc % g.C
			xc := x[nc*hw : (nc+1)*hw]
			yc := y[nc*ohw : (nc+1)*ohw]
			wc := w[c*kk : (c+1)*kk]
			var bias float32
			if b != nil {
				bias = b[c]
			}
			for oh := 0; oh < g.OH; oh++ {
				yrow := yc[oh*g.OW : (oh+1)*g.OW]
				convFill(yrow, bias)
				for kh := 0; kh < g.KH; kh++ {
					ih := oh*p.StrideH + kh*p.DilH - p.PadH
					if ih < 0 || ih >= g.H {
						continue
					}
					xrow := xc[ih*g.W : (ih+1)*g.W]
					for kw := 0; kw < g.KW; kw++ {
						wv, o := wc[kh*g.KW+kw], offW[kw]
						for ow := wLo[kw]; ow < wHi[kw]; ow++ {
							yrow[ow] += wv * xrow[ow*p.StrideW+o]
						}
					}
				}
			}
		}
	})
}

// depthwiseBackwardStrided mirrors depthwiseForwardStrided, channels in parallel.
func depthwiseBackwardStrided(dx, dw, gy, x, w []float32, g ConvGeom) {
	p := g.P
	hw, ohw, kk := g.H*g.W, g.OH*g.OW, g.KH*g.KW
	wLo, wHi, offW := dwTapRanges(g)
	simd.ParallelFor(g.C, 1, func(lo, hi int) {
		acc := make([]float64, kk)
		for c := lo; c < hi; c++ {
			clear(acc)
			wc := w[c*kk : (c+1)*kk]
			for n := 0; n < g.N; n++ {
				nc := n*g.C + c
				xc := x[nc*hw : (nc+1)*hw]
				gyc := gy[nc*ohw : (nc+1)*ohw]
				for oh := 0; oh < g.OH; oh++ {
					gyrow := gyc[oh*g.OW : (oh+1)*g.OW]
					for kh := 0; kh < g.KH; kh++ {
						ih := oh*p.StrideH + kh*p.DilH - p.PadH
						if ih < 0 || ih >= g.H {
							continue
						}
						xrow := xc[ih*g.W : (ih+1)*g.W]
						for kw := 0; kw < g.KW; kw++ {
							t, o := kh*g.KW+kw, offW[kw]
							if dx != nil {
								dxrow := dx[nc*hw+ih*g.W : nc*hw+(ih+1)*g.W]
								for ow := wLo[kw]; ow < wHi[kw]; ow++ {
									dxrow[ow*p.StrideW+o] += wc[t] * gyrow[ow]
								}
							}
							var s float32
							for ow := wLo[kw]; ow < wHi[kw]; ow++ {
								s += gyrow[ow] * xrow[ow*p.StrideW+o]
							}
							acc[t] += float64(s)
						}
					}
				}
			}
			if dw != nil {
				for t, v := range acc {
					dw[c*kk+t] += float32(v)
				}
			}
		}
	})
}
