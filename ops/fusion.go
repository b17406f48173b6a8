package ops

import (
	"math"

	"github.com/cvogl/halo/simd"
)

// Cross-view fusion kernels.
//
// HALO's fusion scores every pixel p of a map v [B, D, HW] by the cosine of its
// channel vector with a query q [B, D]: score[p] = dot(qn, v[:,p]) / max(||v[:,p]||, eps)
// with qn = q / max(||q||, eps), and weights the normalised map by the rescaled scores.
// The unfused composition walks v channel-strided line by line (one line per pixel,
// stride HW) three times and materialises the normalised map; these kernels instead
// sweep whole channel rows with vector kernels, over column chunks of fusionChunk
// pixels whose D rows stay in L2 between the passes of one chunk, and never store the
// normalised map: v[:,p]/n[p] is folded into per-pixel factors.

// fusionChunk is the number of pixels a chunk covers: with D = 512 channels, three
// arrays of a chunk (gradient, map and map gradient) take 768 KiB, inside an L2.
const fusionChunk = 128

// fusionRinv returns 1/max(norm, eps) and whether the clamp is active (norm < eps, in
// which case the normalisation passes no gradient to the norm), as NormalizeForward
// decides it.
func fusionRinv(norm, eps float32) (float32, bool) {
	d := math.Max(float64(norm), float64(eps))
	return float32(1 / d), float64(norm) < float64(eps)
}

// CosineScoreForward computes, per sample, qn (the normalised query [B, D]) with its
// norms qnorm [B], the pixel norms norms [B, HW] (before clamping) and
// score[p] = dot(qn, v[:,p]) * rinv[p] with rinv = 1/max(norm, eps), for q [B, D] and
// v [B, D, HW].
func CosineScoreForward(score, norms, qn, qnorm, q, v []float32, b, d, hw int, eps float32) {
	checkLen("CosineScore q", len(q), b*d)
	checkLen("CosineScore v", len(v), b*d*hw)
	checkLen("CosineScore score", len(score), b*hw)
	checkLen("CosineScore norms", len(norms), b*hw)
	NormalizeForward(qn, qnorm, q, b, d, 1, eps)
	chunks := (hw + fusionChunk - 1) / fusionChunk
	simd.ParallelFor(b*chunks, 1, func(lo, hi int) {
		var ss, dot, sq [fusionChunk]float32
		for c := lo; c < hi; c++ {
			s, p0 := c/chunks, (c%chunks)*fusionChunk
			n := min(fusionChunk, hw-p0)
			clear(ss[:n])
			clear(dot[:n])
			qs := qn[s*d : (s+1)*d]
			for j, qj := range qs {
				row := v[(s*d+j)*hw+p0:][:n]
				simd.Mul(sq[:n], row, row)
				simd.Axpy(1, sq[:n], ss[:n])
				simd.Axpy(qj, row, dot[:n])
			}
			for i := range n {
				nrm := float32(math.Sqrt(float64(ss[i])))
				norms[s*hw+p0+i] = nrm
				r, _ := fusionRinv(nrm, eps)
				score[s*hw+p0+i] = dot[i] * r
			}
		}
	})
}

// CosineScoreBackward accumulates into dq and dv (either may be nil) the gradient of
// CosineScoreForward's score given gs, its gradient [B, HW]. With v' = v[:,p]*rinv[p]
// (the normalised pixel) the score's gradient reaches v' as gs[p]*qn and qn as
// sum_p gs[p]*v'[:,p]; normalisation's backward then gives
// dv[:,p] += rinv*(gs*qn - v'*gs*score) (just gs*qn*rinv where the clamp is active),
// computed as dv row += qn[j]*b + c*v row with per-pixel b = gs*rinv and
// c = -gs*score*rinv^2.
func CosineScoreBackward(dq, dv, gs, qn, qnorm, q, v, norms, score []float32, b, d, hw int, eps float32) {
	bv := simd.GetBuf(b * hw)
	cv := simd.GetBuf(b * hw)
	defer simd.PutBuf(bv)
	defer simd.PutBuf(cv)
	for i := range b * hw {
		r, clamped := fusionRinv(norms[i], eps)
		bv[i] = gs[i] * r
		cv[i] = 0
		if !clamped {
			cv[i] = -gs[i] * score[i] * r * r
		}
	}
	var gqn []float32
	if dq != nil {
		gqn = simd.GetBuf(b * d)
		defer simd.PutBuf(gqn)
	}
	simd.ParallelFor(b*d, 8, func(lo, hi int) {
		var tmp []float32
		if dv != nil {
			tmp = simd.GetBuf(hw)
			defer simd.PutBuf(tmp)
		}
		for r := lo; r < hi; r++ {
			s := r / d
			row := v[r*hw : (r+1)*hw]
			bs, cs := bv[s*hw:(s+1)*hw], cv[s*hw:(s+1)*hw]
			if gqn != nil {
				gqn[r] = simd.Dot(bs, row)
			}
			if dv != nil {
				drow := dv[r*hw : (r+1)*hw]
				simd.Axpy(qn[r], bs, drow)
				simd.Mul(tmp, cs, row)
				simd.Add(drow, drow, tmp)
			}
		}
	})
	if dq != nil {
		NormalizeBackward(dq, gqn, q, qnorm, b, d, 1, eps)
	}
}

// WeightedNormalizedForward computes out[:,p] = w[p] * v[:,p] / max(norm[p], eps) for
// v [B, D, HW], weights w [B, HW] and the pixel norms of CosineScoreForward: the
// normalised map weighted per pixel, in one pass.
func WeightedNormalizedForward(out, w, v, norms []float32, b, d, hw int, eps float32) {
	checkLen("WeightedNormalized v", len(v), b*d*hw)
	checkLen("WeightedNormalized out", len(out), b*d*hw)
	f := simd.GetBuf(b * hw)
	defer simd.PutBuf(f)
	for i := range b * hw {
		r, _ := fusionRinv(norms[i], eps)
		f[i] = w[i] * r
	}
	simd.ParallelFor(b*d, 8, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			s := r / d
			simd.Mul(out[r*hw:(r+1)*hw], v[r*hw:(r+1)*hw], f[s*hw:(s+1)*hw])
		}
	})
}

// WeightedNormalizedBackward accumulates into dw and dv (either may be nil) the
// gradient of WeightedNormalizedForward given g [B, D, HW]. With
// s1[p] = sum_j g[j,p]*v[j,p]: dw[p] += s1*rinv, and normalisation's backward of
// w*g gives dv[:,p] += w*rinv*g[:,p] - w*s1*rinv^3*v[:,p] (no second term where the
// clamp is active). One chunk of pixels sums s1 over its rows and then, its rows still
// in cache, updates dv.
func WeightedNormalizedBackward(dw, dv, g, w, v, norms []float32, b, d, hw int, eps float32) {
	chunks := (hw + fusionChunk - 1) / fusionChunk
	simd.ParallelFor(b*chunks, 1, func(lo, hi int) {
		var s1, tmp, a, cf [fusionChunk]float32
		for c := lo; c < hi; c++ {
			s, p0 := c/chunks, (c%chunks)*fusionChunk
			n := min(fusionChunk, hw-p0)
			clear(s1[:n])
			for j := range d {
				o := (s*d+j)*hw + p0
				simd.Mul(tmp[:n], g[o:o+n], v[o:o+n])
				simd.Axpy(1, tmp[:n], s1[:n])
			}
			for i := range n {
				k := s*hw + p0 + i
				r, clamped := fusionRinv(norms[k], eps)
				if dw != nil {
					dw[k] += s1[i] * r
				}
				a[i] = w[k] * r
				cf[i] = 0
				if !clamped {
					cf[i] = -w[k] * s1[i] * r * r * r
				}
			}
			if dv == nil {
				continue
			}
			for j := range d {
				o := (s*d+j)*hw + p0
				drow := dv[o : o+n]
				simd.Mul(tmp[:n], a[:n], g[o:o+n])
				simd.Add(drow, drow, tmp[:n])
				simd.Mul(tmp[:n], cf[:n], v[o:o+n])
				simd.Add(drow, drow, tmp[:n])
			}
		}
	})
}
