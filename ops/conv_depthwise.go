package ops

import "github.com/cvogl/halo/simd"

// Depthwise convolution (groups == in == out channels) as direct loops: an im2col
// matrix per channel would copy each input KH*KW times to feed a one-row GEMM.
// Each output row is finished while it sits in L1 (rows outer, kernel taps inner), and
// the innermost loops run over contiguous output columns.

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

func depthwiseForward(y, x, w, b []float32, g ConvGeom) {
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
						l, h, o := wLo[kw], wHi[kw], offW[kw]
						if l >= h {
							continue
						}
						wv := wc[kh*g.KW+kw]
						if p.StrideW == 1 {
							simd.Axpy(wv, xrow[l+o:h+o], yrow[l:h])
						} else {
							for ow := l; ow < h; ow++ {
								yrow[ow] += wv * xrow[ow*p.StrideW+o]
							}
						}
					}
				}
			}
		}
	})
}

// depthwiseBackward runs channels in parallel (images inner), so each worker owns its
// channels' dx planes and dw taps and nothing is shared. Tap sums of dw are carried in
// float64 across rows and images.
func depthwiseBackward(dx, dw, gy, x, w []float32, g ConvGeom) {
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
				var dxc []float32
				if dx != nil {
					dxc = dx[nc*hw : (nc+1)*hw]
				}
				for oh := 0; oh < g.OH; oh++ {
					gyrow := gyc[oh*g.OW : (oh+1)*g.OW]
					for kh := 0; kh < g.KH; kh++ {
						ih := oh*p.StrideH + kh*p.DilH - p.PadH
						if ih < 0 || ih >= g.H {
							continue
						}
						xrow := xc[ih*g.W : (ih+1)*g.W]
						for kw := 0; kw < g.KW; kw++ {
							l, h, o := wLo[kw], wHi[kw], offW[kw]
							if l >= h {
								continue
							}
							t := kh*g.KW + kw
							if p.StrideW == 1 {
								if dxc != nil {
									simd.Axpy(wc[t], gyrow[l:h], dxc[ih*g.W+l+o:ih*g.W+h+o])
								}
								if dw != nil {
									acc[t] += float64(simd.Dot(gyrow[l:h], xrow[l+o:h+o]))
								}
								continue
							}
							var s float32
							for ow := l; ow < h; ow++ {
								iw := ow*p.StrideW + o
								if dxc != nil {
									dxc[ih*g.W+iw] += wc[t] * gyrow[ow]
								}
								s += gyrow[ow] * xrow[iw]
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
