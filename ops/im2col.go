package ops

import "sync"

// convValidRange returns the half-open range [lo, hi) of output positions o in [0, out)
// whose input position o*stride + off lies inside [0, in). off is k*dil - pad for
// kernel tap k. Positions outside the range read padding.
func convValidRange(off, stride, in, out int) (lo, hi int) {
	if off < 0 {
		lo = (-off + stride - 1) / stride
	}
	if last := in - 1 - off; last >= 0 {
		hi = min(last/stride+1, out)
	}
	if lo > hi {
		lo = hi
	}
	return lo, hi
}

// im2col writes the column matrix of one image's group of cg channels (x holds exactly
// those channels, [cg, H, W]) into cols, laid out [cg*KH*KW, OH*OW] with row
// (c*KH+kh)*KW+kw. Padding taps are zero.
func im2col(cols, x []float32, cg int, g ConvGeom) {
	p := g.P
	ohw := g.OH * g.OW
	for c := 0; c < cg; c++ {
		xc := x[c*g.H*g.W : (c+1)*g.H*g.W]
		for kh := 0; kh < g.KH; kh++ {
			offH := kh*p.DilH - p.PadH
			hLo, hHi := convValidRange(offH, p.StrideH, g.H, g.OH)
			for kw := 0; kw < g.KW; kw++ {
				offW := kw*p.DilW - p.PadW
				wLo, wHi := convValidRange(offW, p.StrideW, g.W, g.OW)
				row := cols[((c*g.KH+kh)*g.KW+kw)*ohw : ((c*g.KH+kh)*g.KW+kw+1)*ohw]
				clear(row[:hLo*g.OW])
				clear(row[hHi*g.OW:])
				for oh := hLo; oh < hHi; oh++ {
					dst := row[oh*g.OW : (oh+1)*g.OW]
					src := xc[(oh*p.StrideH+offH)*g.W : (oh*p.StrideH+offH+1)*g.W]
					clear(dst[:wLo])
					clear(dst[wHi:])
					if wLo >= wHi {
						continue
					}
					if p.StrideW == 1 {
						copy(dst[wLo:wHi], src[wLo+offW:wHi+offW])
					} else {
						for ow := wLo; ow < wHi; ow++ {
							dst[ow] = src[ow*p.StrideW+offW]
						}
					}
				}
			}
		}
	}
}

// col2im is the adjoint of im2col: it adds every column entry back onto the input
// position it was read from (dx += col2im(cols)); padding taps are dropped.
func col2im(dx, cols []float32, cg int, g ConvGeom) {
	p := g.P
	ohw := g.OH * g.OW
	for c := 0; c < cg; c++ {
		dxc := dx[c*g.H*g.W : (c+1)*g.H*g.W]
		for kh := 0; kh < g.KH; kh++ {
			offH := kh*p.DilH - p.PadH
			hLo, hHi := convValidRange(offH, p.StrideH, g.H, g.OH)
			for kw := 0; kw < g.KW; kw++ {
				offW := kw*p.DilW - p.PadW
				wLo, wHi := convValidRange(offW, p.StrideW, g.W, g.OW)
				if wLo >= wHi {
					continue
				}
				row := cols[((c*g.KH+kh)*g.KW+kw)*ohw : ((c*g.KH+kh)*g.KW+kw+1)*ohw]
				for oh := hLo; oh < hHi; oh++ {
					src := row[oh*g.OW : (oh+1)*g.OW]
					dst := dxc[(oh*p.StrideH+offH)*g.W : (oh*p.StrideH+offH+1)*g.W]
					if p.StrideW == 1 {
						d := dst[wLo+offW : wHi+offW]
						for i, v := range src[wLo:wHi] {
							d[i] += v
						}
					} else {
						for ow := wLo; ow < wHi; ow++ {
							dst[ow*p.StrideW+offW] += src[ow]
						}
					}
				}
			}
		}
	}
}

// convScratch recycles the large im2col buffers between calls; a training step would
// otherwise allocate (and the GC clear) tens of megabytes per convolution.
var convScratch sync.Pool

// getConvScratch returns a buffer of n float32 with unspecified contents.
func getConvScratch(n int) []float32 {
	if v, ok := convScratch.Get().(*[]float32); ok && cap(*v) >= n {
		return (*v)[:n]
	}
	return make([]float32, n)
}

func putConvScratch(s []float32) {
	convScratch.Put(&s)
}
