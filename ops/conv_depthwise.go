package ops

import "github.com/cvogl/halo/simd"

// Depthwise convolution (groups == in == out channels) as direct loops: an im2col
// matrix per channel would copy each input KH*KW times to feed a one-row GEMM.
//
// Stride 1 (every depthwise conv in HALO) uses a "wide" layout: the input plane is
// copied once into a zero-padded buffer of width Wp = W + 2*PadW, and the output is
// computed on rows of the same width Wp. Then every kernel tap is one constant offset
// into the padded plane, and a tap's whole contribution is a single long Axpy (forward,
// dx) or Dot (dw) over the plane instead of one short call per output row. The Wp-OW
// extra columns per row hold garbage and are dropped (forward) or held at zero (backward).
// Other strides use plain row loops.

func depthwiseForward(y, x, w, b []float32, g ConvGeom) {
	if g.P.StrideH != 1 || g.P.StrideW != 1 {
		depthwiseForwardStrided(y, x, w, b, g)
		return
	}
	wg := newWideGeom(g)
	hw, ohw, kk := g.H*g.W, g.OH*g.OW, g.KH*g.KW
	simd.ParallelFor(g.N*g.C, 2, func(lo, hi int) {
		xp := getConvScratch(wg.hp * wg.wp)
		yw := getConvScratch(wg.l)
		defer putConvScratch(xp)
		defer putConvScratch(yw)
		for nc := lo; nc < hi; nc++ {
			c := nc % g.C
			wg.pad(xp, x[nc*hw:(nc+1)*hw])
			var bias float32
			if b != nil {
				bias = b[c]
			}
			convFill(yw, bias)
			for t, wv := range w[c*kk : (c+1)*kk] {
				o := wg.tapOff[t]
				simd.Axpy(wv, xp[o:o+wg.l], yw)
			}
			yc := y[nc*ohw : (nc+1)*ohw]
			for oh := 0; oh < g.OH; oh++ {
				copy(yc[oh*g.OW:(oh+1)*g.OW], yw[oh*wg.wp:])
			}
		}
	})
}

// depthwiseBackward runs channels in parallel (images inner), so each worker owns its
// channels' dx planes and dw taps and nothing is shared. Tap sums of dw are carried in
// float64 across images.
func depthwiseBackward(dx, dw, gy, x, w []float32, g ConvGeom) {
	if g.P.StrideH != 1 || g.P.StrideW != 1 {
		depthwiseBackwardStrided(dx, dw, gy, x, w, g)
		return
	}
	wg := newWideGeom(g)
	hw, ohw, kk := g.H*g.W, g.OH*g.OW, g.KH*g.KW
	simd.ParallelFor(g.C, 1, func(lo, hi int) {
		xp := getConvScratch(wg.hp * wg.wp)
		dxp := getConvScratch(wg.hp * wg.wp)
		gw := getConvScratch(wg.l)
		defer putConvScratch(xp)
		defer putConvScratch(dxp)
		defer putConvScratch(gw)
		acc := make([]float64, kk)
		for c := lo; c < hi; c++ {
			clear(acc)
			wc := w[c*kk : (c+1)*kk]
			for n := 0; n < g.N; n++ {
				nc := n*g.C + c
				// gy in the wide layout, zero in the extra columns so the garbage
				// they would pair with contributes nothing.
				gyc := gy[nc*ohw : (nc+1)*ohw]
				clear(gw)
				for oh := 0; oh < g.OH; oh++ {
					copy(gw[oh*wg.wp:], gyc[oh*g.OW:(oh+1)*g.OW])
				}
				if dw != nil {
					wg.pad(xp, x[nc*hw:(nc+1)*hw])
					for t, o := range wg.tapOff {
						acc[t] += float64(simd.Dot(gw, xp[o:o+wg.l]))
					}
				}
				if dx != nil {
					clear(dxp)
					for t, o := range wg.tapOff {
						simd.Axpy(wc[t], gw, dxp[o:o+wg.l])
					}
					wg.unpadAdd(dx[nc*hw:(nc+1)*hw], dxp)
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

// wideGeom describes the padded plane [hp, wp] and the wide output of l values
// ((OH-1)*wp + OW: the last row stops at OW so no tap reads past the plane).
type wideGeom struct {
	g         ConvGeom
	hp, wp, l int
	tapOff    []int // offset of tap (kh, kw) in the padded plane
}

func newWideGeom(g ConvGeom) wideGeom {
	p := g.P
	wg := wideGeom{g: g, hp: g.H + 2*p.PadH, wp: g.W + 2*p.PadW}
	wg.l = (g.OH-1)*wg.wp + g.OW
	wg.tapOff = make([]int, 0, g.KH*g.KW)
	for kh := range g.KH {
		for kw := range g.KW {
			wg.tapOff = append(wg.tapOff, kh*p.DilH*wg.wp+kw*p.DilW)
		}
	}
	return wg
}

// pad copies the plane x [H, W] into the middle of xp [hp, wp], zeroing the border.
func (wg wideGeom) pad(xp, x []float32) {
	g, ph, pw := wg.g, wg.g.P.PadH, wg.g.P.PadW
	clear(xp[:ph*wg.wp])
	clear(xp[(ph+g.H)*wg.wp:])
	for ih := 0; ih < g.H; ih++ {
		row := xp[(ih+ph)*wg.wp : (ih+ph+1)*wg.wp]
		clear(row[:pw])
		copy(row[pw:pw+g.W], x[ih*g.W:(ih+1)*g.W])
		clear(row[pw+g.W:])
	}
}

// unpadAdd adds the middle of the padded plane dxp into dx [H, W].
func (wg wideGeom) unpadAdd(dx, dxp []float32) {
	g, ph, pw := wg.g, wg.g.P.PadH, wg.g.P.PadW
	for ih := 0; ih < g.H; ih++ {
		simd.Axpy(1, dxp[(ih+ph)*wg.wp+pw:(ih+ph)*wg.wp+pw+g.W], dx[ih*g.W:(ih+1)*g.W])
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
