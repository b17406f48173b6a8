package ops

import "github.com/cvogl/halo/simd"

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

// im2col writes the column matrix of one image's group of channels (x holds the group,
// [cg, H, W]) for the output rows [oh0, oh1) into cols, laid out [cg*KH*KW,
// (oh1-oh0)*OW] with row (c*KH+kh)*KW+kw. Only the rows of channels [c0, c1) are
// written, so disjoint channel ranges can be filled in parallel. Padding taps are zero.
func im2col(cols, x []float32, c0, c1 int, g ConvGeom, oh0, oh1 int) {
	p := g.P
	nb := (oh1 - oh0) * g.OW
	for c := c0; c < c1; c++ {
		xc := x[c*g.H*g.W : (c+1)*g.H*g.W]
		for kh := 0; kh < g.KH; kh++ {
			offH := kh*p.DilH - p.PadH
			hLo, hHi := convValidRange(offH, p.StrideH, g.H, g.OH)
			hLo, hHi = min(max(hLo, oh0), oh1), max(min(hHi, oh1), oh0)
			for kw := 0; kw < g.KW; kw++ {
				offW := kw*p.DilW - p.PadW
				wLo, wHi := convValidRange(offW, p.StrideW, g.W, g.OW)
				r := (c*g.KH+kh)*g.KW + kw
				row := cols[r*nb : (r+1)*nb]
				clear(row[:(hLo-oh0)*g.OW])
				clear(row[(hHi-oh0)*g.OW:])
				for oh := hLo; oh < hHi; oh++ {
					dst := row[(oh-oh0)*g.OW : (oh-oh0+1)*g.OW]
					src := xc[(oh*p.StrideH+offH)*g.W : (oh*p.StrideH+offH+1)*g.W]
					clear(dst[:wLo])
					clear(dst[wHi:])
					if wLo >= wHi {
						continue
					}
					if p.StrideW == 1 {
						copy(dst[wLo:wHi], src[wLo+offW:wHi+offW])
					} else {
						gatherStrided(dst[wLo:wHi], src[wLo*p.StrideW+offW:], p.StrideW)
					}
				}
			}
		}
	}
}

// gatherStrided sets d[i] = s[i*st], four at a time (the strided rows of a stride-2 or
// stride-4 convolution's im2col; the plain loop spends more on the loop than the loads).
func gatherStrided(d, s []float32, st int) {
	n := len(d)
	if n == 0 {
		return
	}
	s = s[:(n-1)*st+1]
	i := 0
	for ; i+4 <= n; i += 4 {
		q := s[i*st : i*st+3*st+1]
		d4 := d[i : i+4 : i+4]
		d4[0], d4[1], d4[2], d4[3] = q[0], q[st], q[2*st], q[3*st]
	}
	for ; i < n; i++ {
		d[i] = s[i*st]
	}
}

// scatterAddStrided adds s[i] onto d[i*st], four at a time (gatherStrided's adjoint).
func scatterAddStrided(d, s []float32, st int) {
	n := len(s)
	if n == 0 {
		return
	}
	d = d[:(n-1)*st+1]
	i := 0
	for ; i+4 <= n; i += 4 {
		q := d[i*st : i*st+3*st+1]
		s4 := s[i : i+4 : i+4]
		q[0] += s4[0]
		q[st] += s4[1]
		q[2*st] += s4[2]
		q[3*st] += s4[3]
	}
	for ; i < n; i++ {
		d[i*st] += s[i]
	}
}

// col2im is the adjoint of im2col for the same output rows and channels [c0, c1): it
// adds every column entry back onto the input position it was read from
// (dx += col2im(cols)); padding taps are dropped. Disjoint channel ranges write disjoint
// parts of dx.
func col2im(dx, cols []float32, c0, c1 int, g ConvGeom, oh0, oh1 int) {
	p := g.P
	nb := (oh1 - oh0) * g.OW
	for c := c0; c < c1; c++ {
		dxc := dx[c*g.H*g.W : (c+1)*g.H*g.W]
		for kh := 0; kh < g.KH; kh++ {
			offH := kh*p.DilH - p.PadH
			hLo, hHi := convValidRange(offH, p.StrideH, g.H, g.OH)
			hLo, hHi = max(hLo, oh0), min(hHi, oh1)
			for kw := 0; kw < g.KW; kw++ {
				offW := kw*p.DilW - p.PadW
				wLo, wHi := convValidRange(offW, p.StrideW, g.W, g.OW)
				if wLo >= wHi {
					continue
				}
				r := (c*g.KH+kh)*g.KW + kw
				row := cols[r*nb : (r+1)*nb]
				for oh := hLo; oh < hHi; oh++ {
					src := row[(oh-oh0)*g.OW : (oh-oh0+1)*g.OW]
					dst := dxc[(oh*p.StrideH+offH)*g.W : (oh*p.StrideH+offH+1)*g.W]
					if p.StrideW == 1 {
						simd.Axpy(1, src[wLo:wHi], dst[wLo+offW:wHi+offW]) // 1*v is exact: a plain +=
					} else {
						scatterAddStrided(dst[wLo*p.StrideW+offW:], src[wLo:wHi], p.StrideW)
					}
				}
			}
		}
	}
}

// convColsBudget caps one im2col buffer (in float32): an item's block of output rows is
// cut down to fit it. It bounds memory per worker (the
// stage-1 convs of a 1024x1024 image would otherwise need tens of MB each) while
// keeping the GEMM's n dimension in the hundreds or more.
var convColsBudget = 1 << 21

// getConvScratch returns a buffer of n float32 with unspecified contents, from the
// shared buffer pool: the column blocks have the same sizes every step, and a fresh
// allocation would be cleared by the Go heap and fault its pages in each time.
func getConvScratch(n int) []float32 { return simd.GetBuf(n) }

func putConvScratch(s []float32) { simd.PutBuf(s) }
