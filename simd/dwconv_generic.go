package simd

import (
	"fmt"
	"sync"
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
	a := dwArgsPool.Get().(*dwArgs)
	*a = dwArgs{dst: &dst[0], src: &src[0], w: &f.W[0], n: n, rows: rows,
		dstStride: 4 * dstStride, srcStride: 4 * srcStride, kh: f.KH, kw: f.KW,
		dilH: 4 * f.DilH * srcStride, dilW: 4 * f.DilW, bias: bias}
	if accumulate {
		a.accum = 1
	}
	k := dwFor()
	dwPaired(a, &a.dst, f.DilH, k.rows, k.pairs)
	dwArgsPool.Put(a)
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
	a := dwArgsPool.Get().(*dwArgs)
	*a = dwArgs{dst: &acc[0], src: &src[0], w: &g[0], n: n, rows: rows,
		dstStride: 4 * gStride, srcStride: 4 * srcStride, kh: f.KH, kw: f.KW,
		dilH: 4 * f.DilH * srcStride, dilW: 4 * f.DilW}
	k := dwFor()
	dwPaired(a, &a.w, f.DilH, k.grad, k.gradPairs)
	dwArgsPool.Put(a)
}

// dwArgsPool recycles argument blocks: one passed to a kernel through a func value
// escapes, and a fresh one per call would be an allocation per plane.
var dwArgsPool = sync.Pool{New: func() any { return new(dwArgs) }}

// dwPaired runs a's rows through pair (rows r and r+dilH together: with dilH == 1
// every two rows, else each block of 2*dilH rows as dilH pairs) and what is left
// (under 2*dilH rows) through single. rowSide points at a's field holding the
// row-major output side (dst, or g for the gradient), which steps with dstStride.
// a is reused and left changed.
func dwPaired(a *dwArgs, rowSide **float32, dilH int, single, pair func(*dwArgs)) {
	rows := a.rows
	if a.kh < 2 || rows < 2*dilH {
		single(a)
		return
	}
	side0, src0, dStride, sStride := *rowSide, a.src, a.dstStride, a.srcStride
	at := func(r int) {
		*rowSide = (*float32)(unsafe.Add(unsafe.Pointer(side0), r*dStride))
		a.src = (*float32)(unsafe.Add(unsafe.Pointer(src0), r*sStride))
	}
	a.pairOff = dilH * dStride
	run := func(r0, npairs, step int) {
		at(r0)
		a.rows, a.dstStride, a.srcStride = npairs, step*dStride, step*sStride
		pair(a)
	}
	r := 0
	if dilH == 1 {
		run(0, rows/2, 2)
		r = rows / 2 * 2
	} else {
		for ; r+2*dilH <= rows; r += 2 * dilH {
			run(r, dilH, 1)
		}
	}
	if r < rows {
		at(r)
		a.rows, a.dstStride, a.srcStride = rows-r, dStride, sStride
		single(a)
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
// order, a tap at a time over the row (simple loops the compiler keeps bounds-check free).
func dwRowsGeneric(a *dwArgs) {
	taps := dwSlice(a.w, 0, a.kh*a.kw)
	dilH, dilW := a.dilH/4, a.dilW/4
	span := (a.kh-1)*dilH + (a.kw-1)*dilW + a.n
	for r := 0; r < a.rows; r++ {
		d := dwSlice(a.dst, r*a.dstStride, a.n)
		s := dwSlice(a.src, r*a.srcStride, span)
		if a.accum == 0 {
			for x := range d {
				d[x] = a.bias
			}
		}
		for ky := 0; ky < a.kh; ky++ {
			for kx, w := range taps[ky*a.kw : (ky+1)*a.kw] {
				row := s[ky*dilH+kx*dilW:][:len(d)]
				for x, v := range row {
					d[x] += w * v
				}
			}
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

// dwGradGeneric is the pure-Go twin of the gradient kernel: four partial sums per tap
// and row, added into the tap's first four lanes.
func dwGradGeneric(a *dwArgs) {
	acc := dwSlice(a.dst, 0, a.kh*a.kw*DWGradLanes)
	dilH, dilW := a.dilH/4, a.dilW/4
	span := (a.kh-1)*dilH + (a.kw-1)*dilW + a.n
	for r := 0; r < a.rows; r++ {
		g := dwSlice(a.w, r*a.dstStride, a.n)
		s := dwSlice(a.src, r*a.srcStride, span)
		for ky := 0; ky < a.kh; ky++ {
			for kx := 0; kx < a.kw; kx++ {
				row := s[ky*dilH+kx*dilW:][:len(g)]
				var s0, s1, s2, s3 float32
				x := 0
				for ; x+4 <= len(g); x += 4 {
					s0 += g[x] * row[x]
					s1 += g[x+1] * row[x+1]
					s2 += g[x+2] * row[x+2]
					s3 += g[x+3] * row[x+3]
				}
				for ; x < len(g); x++ {
					s0 += g[x] * row[x]
				}
				lanes := acc[(ky*a.kw+kx)*DWGradLanes:][:4]
				lanes[0] += s0
				lanes[1] += s1
				lanes[2] += s2
				lanes[3] += s3
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
