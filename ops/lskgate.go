package ops

import (
	"fmt"

	"github.com/cvogl/halo/simd"
)

// The LSK gate (LSKblock's spatial selection) as one op. Composed of framework ops it
// is two concatenations, a channel mean, a channel max, a 2->2 "same" convolution
// through im2col and a two-row GEMM, a sigmoid, a split and three broadcast
// products/sums: about a dozen trips over channel-sized tensors for a few MACs per
// pixel. Here the forward reads a1 and a2 twice (once for the channel statistics, once
// for the mix) and the backward reads them once; the convolution runs on two padded
// planes per image through the depthwise row kernels (a 2->2 dense filter is four
// single-plane correlations).

// LSKGateGeom is the shape of an LSK gate: a1 and a2 are [N, C, H, W] each; the squeeze
// convolution maps the two aggregate planes (channel mean and channel max over the 2C
// channels of both) to two gate planes with a KH x KW filter [2, 2, KH, KW] (odd
// sides, zero "same" padding: (KH-1)/2, (KW-1)/2).
type LSKGateGeom struct {
	N, C, H, W int
	KH, KW     int
}

// lskGrain is about how many pixels one worker handles per channel sweep: the
// per-pixel accumulators (float64 sums, maxima and argmaxes, or gate gradients) stay
// in L1/L2 while every channel's run of that many values streams past them.
const lskGrain = 2048

// AggLen is the length of the buffer holding the aggregate planes: N x 2 planes of
// (H+KH-1) x (W+KW-1), the statistics zero-padded for the convolution.
func (g LSKGateGeom) AggLen() int { return g.N * 2 * g.padPlane() }

func (g LSKGateGeom) hp() int       { return g.H + g.KH - 1 }
func (g LSKGateGeom) wp() int       { return g.W + g.KW - 1 }
func (g LSKGateGeom) padPlane() int { return g.hp() * g.wp() }

func (g LSKGateGeom) check(op string) {
	if g.N < 0 || g.C < 1 || g.H < 0 || g.W < 0 || g.KH < 1 || g.KW < 1 || g.KH%2 == 0 || g.KW%2 == 0 {
		panic(fmt.Sprintf("ops.%s: bad geometry %+v (need C >= 1 and odd filter sides)", op, g))
	}
}

// LSKGate computes the gate of LSKNet's LSKblock:
//
//	agg  = [mean_k cat(a1, a2)[k], max_k cat(a1, a2)[k]]          (per pixel, k over 2C)
//	sig  = sigmoid(conv(agg, w) + b)                               (2 -> 2, same padding)
//	out  = a1 * sig[0] + a2 * sig[1]                               (broadcast over C)
//
// out is [N, C, H, W]; sig ([N, 2, H, W]), agg (AggLen values, padded aggregate planes)
// and arg ([N, H, W], the first channel of cat(a1, a2) attaining the maximum; a NaN
// counts as the maximum) are written for LSKGateBackward. b may be nil. The mean is
// summed in float64 in channel order and the mix rounds each product, so both match
// SumAxis/MaxAxis and the broadcast Mul/Add to the bit; only the convolution sums its
// taps in another order than im2col's GEMM.
func LSKGate(out, sig, agg []float32, arg []int32, a1, a2, w, b []float32, g LSKGateGeom) {
	g.check("LSKGate")
	hw := g.H * g.W
	checkLen("LSKGate out", len(out), g.N*g.C*hw)
	checkLen("LSKGate a1", len(a1), g.N*g.C*hw)
	checkLen("LSKGate a2", len(a2), g.N*g.C*hw)
	checkLen("LSKGate sig", len(sig), g.N*2*hw)
	checkLen("LSKGate agg", len(agg), g.AggLen())
	checkLen("LSKGate arg", len(arg), g.N*hw)
	checkLen("LSKGate w", len(w), 4*g.KH*g.KW)
	if b != nil {
		checkLen("LSKGate b", len(b), 2)
	}
	if hw == 0 || g.N == 0 {
		return
	}
	clear(agg) // the padding; the interior is overwritten
	lskGateStats(agg, arg, a1, a2, g)
	lskGateSqueeze(sig, agg, w, b, g)
	lskGateMix(out, a1, a2, sig, g)
}

// forPixels runs fn(n, p0, p1) over runs [p0, p1) of the pixels of every image n, in
// parallel, runs of at most lskGrain pixels (shorter on small maps, down to 256, so
// every worker gets some: the last stage's maps are 32x32). rows, when set, keeps runs
// to whole rows.
func (g LSKGateGeom) forPixels(rows bool, fn func(n, p0, p1 int)) {
	hw := g.H * g.W
	run := lskGrain
	if t := simd.Threads(); g.N*hw < 2*t*run {
		run = max(256, (g.N*hw+2*t-1)/(2*t))
	}
	if rows {
		run = max(1, run/g.W) * g.W
	}
	per := (hw + run - 1) / run
	simd.ParallelFor(g.N*per, 1, func(lo, hi int) {
		for u := lo; u < hi; u++ {
			n, p0 := u/per, u%per*run
			fn(n, p0, min(p0+run, hw))
		}
	})
}

// lskGateStats writes the channel mean and max of cat(a1, a2) into the interiors of
// the padded aggregate planes and the argmax into arg (simd.ChanStatsStep folds in one
// channel run at a time).
func lskGateStats(agg []float32, arg []int32, a1, a2 []float32, g LSKGateGeom) {
	hw, wp, pp := g.H*g.W, g.wp(), g.padPlane()
	ph, pw := (g.KH-1)/2, (g.KW-1)/2
	scale := 1 / float32(2*g.C)
	g.forPixels(true, func(n, p0, p1 int) {
		np := p1 - p0
		sum := make([]float64, np)
		mx := make([]float32, np)
		ar := arg[n*hw+p0 : n*hw+p1]
		copy(mx, a1[n*g.C*hw+p0:])
		for i, v := range mx {
			sum[i] = float64(v)
		}
		clear(ar)
		for k := 1; k < 2*g.C; k++ {
			var src []float32
			if k < g.C {
				src = a1[(n*g.C+k)*hw+p0 : (n*g.C+k)*hw+p1]
			} else {
				src = a2[(n*g.C+k-g.C)*hw+p0 : (n*g.C+k-g.C)*hw+p1]
			}
			simd.ChanStatsStep(sum, mx, ar, src, int32(k))
		}
		mean := agg[n*2*pp:]
		maxp := agg[(n*2+1)*pp:]
		for r := p0 / g.W; r < p1/g.W; r++ {
			at := (r+ph)*wp + pw
			i0 := r*g.W - p0
			for x := range g.W {
				mean[at+x] = float32(sum[i0+x]) * scale
			}
			copy(maxp[at:at+g.W], mx[i0:i0+g.W])
		}
	})
}

// lskGateSqueeze computes sig = sigmoid(conv(agg, w) + b), each output plane as two
// accumulating single-plane correlations, in strips of rows.
func lskGateSqueeze(sig, agg, w, b []float32, g LSKGateGeom) {
	hw, wp, pp, kk := g.H*g.W, g.wp(), g.padPlane(), g.KH*g.KW
	strip := max(2, 4096/max(1, g.W)/2*2)
	strips := (g.H + strip - 1) / strip
	simd.ParallelFor(g.N*2*strips, 1, func(lo, hi int) {
		for u := lo; u < hi; u++ {
			no, r0 := u/strips, u%strips*strip
			n, o := no/2, no%2
			r1 := min(r0+strip, g.H)
			dst := sig[no*hw+r0*g.W : no*hw+r1*g.W]
			var bias float32
			if b != nil {
				bias = b[o]
			}
			for i := range 2 {
				f := simd.DWFilter{W: w[(o*2+i)*kk : (o*2+i+1)*kk], KH: g.KH, KW: g.KW, DilH: 1, DilW: 1}
				simd.DWConvRows(dst, g.W, agg[(n*2+i)*pp+r0*wp:], wp, r1-r0, g.W, f, bias, i > 0)
			}
			simd.Sigmoid(dst, dst)
		}
	})
}

// lskGateMix writes out = a1*sig[0] + a2*sig[1], each product rounded (as the two
// broadcast Muls and the Add round them).
func lskGateMix(out, a1, a2, sig []float32, g LSKGateGeom) {
	hw := g.H * g.W
	g.forPixels(false, func(n, p0, p1 int) {
		tmp := make([]float32, p1-p0)
		s0 := sig[n*2*hw+p0 : n*2*hw+p1]
		s1 := sig[(n*2+1)*hw+p0 : (n*2+1)*hw+p1]
		for c := range g.C {
			at := (n*g.C+c)*hw + p0
			o := out[at : at+len(tmp)]
			simd.Mul(o, a1[at:at+len(tmp)], s0)
			simd.Mul(tmp, a2[at:at+len(tmp)], s1)
			simd.Add(o, o, tmp)
		}
	})
}

// LSKGateBackward accumulates the gradients of LSKGate's output gy into da1, da2 (each
// [N, C, H, W]), dw ([2, 2, KH, KW]) and db ([2]); any may be nil. sig, agg and arg are
// what the forward wrote. The maximum's gradient goes to the first argmax only.
func LSKGateBackward(da1, da2, dw, db, gy, a1, a2, w, sig, agg []float32, arg []int32, g LSKGateGeom) {
	g.check("LSKGateBackward")
	hw := g.H * g.W
	checkLen("LSKGateBackward gy", len(gy), g.N*g.C*hw)
	checkLen("LSKGateBackward a1", len(a1), g.N*g.C*hw)
	checkLen("LSKGateBackward a2", len(a2), g.N*g.C*hw)
	checkLen("LSKGateBackward sig", len(sig), g.N*2*hw)
	checkLen("LSKGateBackward agg", len(agg), g.AggLen())
	checkLen("LSKGateBackward arg", len(arg), g.N*hw)
	checkLen("LSKGateBackward w", len(w), 4*g.KH*g.KW)
	for _, d := range []struct {
		name string
		s    []float32
		n    int
	}{{"da1", da1, len(a1)}, {"da2", da2, len(a2)}, {"dw", dw, len(w)}, {"db", db, 2}} {
		if d.s != nil {
			checkLen("LSKGateBackward "+d.name, len(d.s), d.n)
		}
	}
	if da1 == nil && da2 == nil && dw == nil && db == nil || hw == 0 || g.N == 0 {
		return
	}
	// dpre: the gradient of the convolution's output, in padded planes (the input
	// gradient correlates them with the flipped filter).
	dpre := make([]float32, g.AggLen())
	lskGateDPre(dpre, gy, a1, a2, sig, g)
	if dw != nil || db != nil {
		lskGateFilterGrad(dw, db, dpre, agg, g)
	}
	if da1 == nil && da2 == nil {
		return
	}
	dagg := make([]float32, g.N*2*hw)
	lskGateAggGrad(dagg, dpre, w, g)
	lskGateInputGrad(da1, da2, gy, sig, dagg, arg, g)
}

// lskGateDPre writes, into the interiors of the padded planes dpre,
// dpre_o = (sum_c gy*a_o) * s_o * (1 - s_o): the mix's gradient of sig summed over the
// channels, then through the sigmoid.
func lskGateDPre(dpre, gy, a1, a2, sig []float32, g LSKGateGeom) {
	hw, wp, pp := g.H*g.W, g.wp(), g.padPlane()
	ph, pw := (g.KH-1)/2, (g.KW-1)/2
	g.forPixels(true, func(n, p0, p1 int) {
		np := p1 - p0
		ds := make([]float32, 3*np)
		ds, tmp := ds[:2*np], ds[2*np:]
		for o, a := range [2][]float32{a1, a2} {
			d := ds[o*np : (o+1)*np]
			for c := range g.C {
				at := (n*g.C+c)*hw + p0
				simd.Mul(tmp, gy[at:at+np], a[at:at+np])
				simd.Add(d, d, tmp)
			}
			s := sig[(n*2+o)*hw+p0 : (n*2+o)*hw+p1]
			plane := dpre[(n*2+o)*pp:]
			for r := p0 / g.W; r < p1/g.W; r++ {
				at := (r+ph)*wp + pw
				i0 := r*g.W - p0
				dr, sr := d[i0:i0+g.W], s[i0:i0+g.W]
				out := plane[at : at+g.W]
				for x, y := range sr {
					out[x] = dr[x] * y * (1 - y)
				}
			}
		}
	})
}

// lskGateFilterGrad accumulates dw[o,i] = sum_n corr(agg_i, dpre_o) and db[o] = sum
// dpre_o, one (o, i) filter per work item, taps summed in float64 over the images.
func lskGateFilterGrad(dw, db, dpre, agg []float32, g LSKGateGeom) {
	wp, pp, kk := g.wp(), g.padPlane(), g.KH*g.KW
	ph, pw := (g.KH-1)/2, (g.KW-1)/2
	f := simd.DWFilter{KH: g.KH, KW: g.KW, DilH: 1, DilW: 1}
	simd.ParallelFor(4, 1, func(lo, hi int) {
		lanes := make([]float32, kk*simd.DWGradLanes)
		acc := make([]float64, kk)
		for u := lo; u < hi; u++ {
			o, i := u/2, u%2
			clear(acc)
			var bsum float64
			for n := range g.N {
				d := dpre[(n*2+o)*pp+ph*wp+pw:]
				if dw != nil {
					clear(lanes)
					simd.DWConvGradRows(lanes, d, wp, agg[(n*2+i)*pp:], wp, g.H, g.W, f)
					for t := range acc {
						acc[t] += float64(simd.Sum(lanes[t*simd.DWGradLanes : (t+1)*simd.DWGradLanes]))
					}
				}
				if db != nil && i == 0 {
					for r := range g.H {
						bsum += float64(simd.Sum(d[r*wp : r*wp+g.W]))
					}
				}
			}
			if dw != nil {
				for t, v := range acc {
					dw[u*kk+t] += float32(v)
				}
			}
			if db != nil && i == 0 {
				db[o] += float32(bsum)
			}
		}
	})
}

// lskGateAggGrad writes dagg_i = sum_o corr(dpre_o, flip(w[o,i])): the gradient of the
// aggregate planes.
func lskGateAggGrad(dagg, dpre, w []float32, g LSKGateGeom) {
	hw, wp, pp, kk := g.H*g.W, g.wp(), g.padPlane(), g.KH*g.KW
	simd.ParallelFor(g.N*2, 1, func(lo, hi int) {
		flipped := make([]float32, kk)
		for u := lo; u < hi; u++ {
			n, i := u/2, u%2
			for o := range 2 {
				wc := w[(o*2+i)*kk : (o*2+i+1)*kk]
				for t := range flipped {
					flipped[t] = wc[kk-1-t]
				}
				f := simd.DWFilter{W: flipped, KH: g.KH, KW: g.KW, DilH: 1, DilW: 1}
				simd.DWConvRows(dagg[u*hw:(u+1)*hw], g.W, dpre[(n*2+o)*pp:], wp, g.H, g.W, f, 0, o > 0)
			}
		}
	})
}

// lskGateInputGrad accumulates da1 += gy*s0 + dmean/(2C) and da2 += gy*s1 + dmean/(2C),
// then dmax into the argmax channel of each pixel.
func lskGateInputGrad(da1, da2, gy, sig, dagg []float32, arg []int32, g LSKGateGeom) {
	hw := g.H * g.W
	scale := 1 / float32(2*g.C)
	g.forPixels(false, func(n, p0, p1 int) {
		np := p1 - p0
		buf := make([]float32, 2*np)
		dm, tmp := buf[:np], buf[np:]
		for i, v := range dagg[n*2*hw+p0 : n*2*hw+p1] {
			dm[i] = v * scale
		}
		for o, da := range [2][]float32{da1, da2} {
			if da == nil {
				continue
			}
			s := sig[(n*2+o)*hw+p0 : (n*2+o)*hw+p1]
			for c := range g.C {
				at := (n*g.C+c)*hw + p0
				simd.Mul(tmp, gy[at:at+np], s)
				simd.Add(tmp, tmp, dm)
				simd.Add(da[at:at+np], da[at:at+np], tmp)
			}
		}
		dmax := dagg[(n*2+1)*hw+p0 : (n*2+1)*hw+p1]
		for i, k := range arg[n*hw+p0 : n*hw+p1] {
			c, da := int(k), da1
			if c >= g.C {
				c, da = c-g.C, da2
			}
			if da != nil {
				da[(n*g.C+c)*hw+p0+i] += dmax[i]
			}
		}
	})
}
