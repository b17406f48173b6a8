package simd

import (
	"fmt"
	"unsafe"
)

// Depthwise convolution kernels: one channel's stride-1 correlation of a padded plane
// with a small (possibly dilated) filter, a block of output rows per call. The caller
// pads the input once per plane, so the kernels have no border cases; they exist because
// a plane-long Axpy per tap streams the whole output through the cache once per tap,
// while these keep a strip of outputs in registers across all taps.

// DWGradLanes is the number of partial sums DWConvGradRows keeps per tap.
const DWGradLanes = 64

// DWFilter is one channel's filter: KH x KW taps W (row-major), DilH/DilW apart.
type DWFilter struct {
	W          []float32
	KH, KW     int
	DilH, DilW int
}

// DWConvRows computes rows output rows of n values,
//
//	dst[r*dstStride + x] = init + sum_{ky,kx} f.W[ky*f.KW+kx] * src[(r+ky*f.DilH)*srcStride + x+kx*f.DilW]
//
// where init is dst's old value if accumulate, else bias. src is the zero-padded input
// plane (the input gradient passes the padded output gradient and the flipped filter).
func DWConvRows(dst []float32, dstStride int, src []float32, srcStride int, rows, n int, f DWFilter, bias float32, accumulate bool) {
	if rows <= 0 || n <= 0 {
		return
	}
	dwCheck("DWConvRows", "dst", dst, dstStride, src, srcStride, rows, n, f)
	if len(f.W) < f.KH*f.KW {
		panic(fmt.Sprintf("simd.DWConvRows: filter has %d taps, want %dx%d", len(f.W), f.KH, f.KW))
	}
	a := dwArgs{dst: &dst[0], src: &src[0], w: &f.W[0], n: n, rows: rows,
		dstStride: 4 * dstStride, srcStride: 4 * srcStride, kh: f.KH, kw: f.KW,
		dilH: 4 * f.DilH * srcStride, dilW: 4 * f.DilW, bias: bias}
	if accumulate {
		a.accum = 1
	}
	k := dwFor()
	dwPaired(&a, f, rows, dstStride, srcStride, k.rows, k.pairs, func(b *dwArgs, r int) {
		b.dst, b.src = &dst[r*dstStride], &src[r*srcStride]
	})
}

// DWConvGradRows accumulates the filter gradient of rows output rows of n values:
// for every tap t = ky*KW+kx,
//
//	sum_l acc[t*DWGradLanes + l] += sum_{r,x} g[r*gStride + x] * src[(r+ky*DilH)*srcStride + x+kx*DilW]
//
// spread over the DWGradLanes partial sums in an unspecified way (f.W is not used).
// acc needs KH*KW*DWGradLanes values.
func DWConvGradRows(acc []float32, g []float32, gStride int, src []float32, srcStride int, rows, n int, f DWFilter) {
	if rows <= 0 || n <= 0 {
		return
	}
	dwCheck("DWConvGradRows", "g", g, gStride, src, srcStride, rows, n, f)
	if len(acc) < f.KH*f.KW*DWGradLanes {
		panic(fmt.Sprintf("simd.DWConvGradRows: acc has %d values, want %d", len(acc), f.KH*f.KW*DWGradLanes))
	}
	a := dwArgs{dst: &acc[0], src: &src[0], w: &g[0], n: n, rows: rows,
		dstStride: 4 * gStride, srcStride: 4 * srcStride, kh: f.KH, kw: f.KW,
		dilH: 4 * f.DilH * srcStride, dilW: 4 * f.DilW}
	k := dwFor()
	dwPaired(&a, f, rows, gStride, srcStride, k.grad, k.gradPairs, func(b *dwArgs, r int) {
		b.w, b.src = &g[r*gStride], &src[r*srcStride]
	})
}

// dwPaired runs rows output rows through pair (rows r and r+DilH together: with
// DilH == 1 every two rows, else each block of 2*DilH rows as DilH pairs) and what is
// left (under 2*DilH rows) through single. at points a copy of the arguments at row r
// (the strides are a's per-row strides; a.dst or a.w is the row-major output side).
func dwPaired(a *dwArgs, f DWFilter, rows, dStride, srcStride int, single, pair func(*dwArgs), at func(b *dwArgs, r int)) {
	d := f.DilH
	if f.KH < 2 || rows < 2*d {
		single(a)
		return
	}
	run := func(r0, npairs, step int) {
		b := *a
		at(&b, r0)
		b.rows = npairs
		b.dstStride, b.srcStride, b.pairOff = 4*step*dStride, 4*step*srcStride, 4*d*dStride
		pair(&b)
	}
	r := 0
	if d == 1 {
		run(0, rows/2, 2)
		r = rows / 2 * 2
	} else {
		for ; r+2*d <= rows; r += 2 * d {
			run(r, d, 1)
		}
	}
	if r < rows {
		b := *a
		at(&b, r)
		b.rows = rows - r
		single(&b)
	}
}

// dwCheck panics unless every value the kernels read or write lies inside the slices.
func dwCheck(fn, dname string, d []float32, dStride int, src []float32, srcStride, rows, n int, f DWFilter) {
	if f.KH < 1 || f.KW < 1 || f.DilH < 1 || f.DilW < 1 || dStride < n || srcStride < n+(f.KW-1)*f.DilW {
		panic(fmt.Sprintf("simd.%s: bad geometry: filter %dx%d dilation %dx%d, n %d, strides %s %d src %d",
			fn, f.KH, f.KW, f.DilH, f.DilW, n, dname, dStride, srcStride))
	}
	if need := (rows-1)*dStride + n; len(d) < need {
		panic(fmt.Sprintf("simd.%s: %s has %d values, %d rows of %d (stride %d) need %d", fn, dname, len(d), rows, n, dStride, need))
	}
	if need := (rows-1+(f.KH-1)*f.DilH)*srcStride + n + (f.KW-1)*f.DilW; len(src) < need {
		panic(fmt.Sprintf("simd.%s: src has %d values, %d rows of %d with a %dx%d filter (dilation %dx%d, stride %d) need %d",
			fn, len(src), rows, n, f.KH, f.KW, f.DilH, f.DilW, srcStride, need))
	}
}

// dwArgs is the kernels' argument block (the assembly reads it by offset: see
// dwconv_amd64.s). Strides and dilations are in bytes.
type dwArgs struct {
	dst, src, w          *float32
	n, rows              int
	dstStride, srcStride int
	kh, kw               int
	dilH, dilW           int
	bias                 float32
	accum                int32
	pairOff              int // pair kernels: bytes from a pair's first output (g) row to its second
}

type dwKernels struct {
	rows, pairs, grad, gradPairs func(a *dwArgs)
}

// dwImpls maps a dispatch path's name to its kernels; dwconv_amd64.go adds the assembly.
var dwImpls = map[string]dwKernels{"generic": {rows: dwRowsGeneric, pairs: dwPairsGeneric, grad: dwGradGeneric, gradPairs: dwGradPairsGeneric}}

// dwFor follows the active path (tests swap it).
func dwFor() dwKernels {
	if k, ok := dwImpls[active.name]; ok {
		return k
	}
	return dwImpls["generic"]
}

// dwSlice views n float32 at p, offset by off bytes.
func dwSlice(p *float32, off, n int) []float32 {
	return unsafe.Slice((*float32)(unsafe.Add(unsafe.Pointer(p), off)), n)
}

// dwRowsGeneric is the pure-Go twin of the assembly: the same sums in the same tap
// order, one output at a time.
func dwRowsGeneric(a *dwArgs) {
	taps := dwSlice(a.w, 0, a.kh*a.kw)
	dilH, dilW := a.dilH/4, a.dilW/4
	span := (a.kh-1)*dilH + (a.kw-1)*dilW + a.n
	for r := 0; r < a.rows; r++ {
		d := dwSlice(a.dst, r*a.dstStride, a.n)
		s := dwSlice(a.src, r*a.srcStride, span)
		for x := range d {
			acc := a.bias
			if a.accum != 0 {
				acc = d[x]
			}
			for ky := 0; ky < a.kh; ky++ {
				row := s[ky*dilH+x:]
				for kx, w := range taps[ky*a.kw : (ky+1)*a.kw] {
					acc += w * row[kx*dilW]
				}
			}
			d[x] = acc
		}
	}
}

// dwPairsGeneric is the twin of the pair kernel: each row of a pair as dwRowsGeneric,
// which sums a row's taps in the same order.
func dwPairsGeneric(a *dwArgs) {
	for r := 0; r < a.rows; r++ {
		b := *a
		b.rows = 1
		b.dst = (*float32)(unsafe.Add(unsafe.Pointer(a.dst), r*a.dstStride))
		b.src = (*float32)(unsafe.Add(unsafe.Pointer(a.src), r*a.srcStride))
		dwRowsGeneric(&b)
		b.dst = (*float32)(unsafe.Add(unsafe.Pointer(b.dst), a.pairOff))
		b.src = (*float32)(unsafe.Add(unsafe.Pointer(b.src), a.dilH))
		dwRowsGeneric(&b)
	}
}

// dwGradGeneric is the pure-Go twin of the gradient kernel: lane x mod DWGradLanes of each tap
// collects the products of column x.
func dwGradGeneric(a *dwArgs) {
	acc := dwSlice(a.dst, 0, a.kh*a.kw*DWGradLanes)
	dilH, dilW := a.dilH/4, a.dilW/4
	span := (a.kh-1)*dilH + (a.kw-1)*dilW + a.n
	for r := 0; r < a.rows; r++ {
		g := dwSlice(a.w, r*a.dstStride, a.n)
		s := dwSlice(a.src, r*a.srcStride, span)
		for ky := 0; ky < a.kh; ky++ {
			for kx := 0; kx < a.kw; kx++ {
				lanes := acc[(ky*a.kw+kx)*DWGradLanes:][:DWGradLanes]
				row := s[ky*dilH+kx*dilW:]
				for x, gv := range g {
					lanes[x%DWGradLanes] += gv * row[x]
				}
			}
		}
	}
}

// dwGradPairsGeneric is the twin of the pair gradient kernel: each g row of a pair as
// dwGradGeneric.
func dwGradPairsGeneric(a *dwArgs) {
	for r := 0; r < a.rows; r++ {
		b := *a
		b.rows = 1
		b.w = (*float32)(unsafe.Add(unsafe.Pointer(a.w), r*a.dstStride))
		b.src = (*float32)(unsafe.Add(unsafe.Pointer(a.src), r*a.srcStride))
		dwGradGeneric(&b)
		b.w = (*float32)(unsafe.Add(unsafe.Pointer(b.w), a.pairOff))
		b.src = (*float32)(unsafe.Add(unsafe.Pointer(b.src), a.dilH))
		dwGradGeneric(&b)
	}
}
