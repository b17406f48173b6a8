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
// sweep whole channel rows with vector kernels (reductions over channels into
// row-long accumulators per channel group) and never store the normalised map:
// 1/||v[:,p]|| is folded into per-pixel factors.

// fusionParts is the number of channel groups a reduction over channels is split into:
// each group streams its rows (contiguous memory) into accumulators of a whole row,
// and the groups are summed in a fixed order, so the result does not depend on the
// number of threads. (Column chunks walking all rows 16 KiB apart were up to 2x
// slower: short runs at a large stride defeat the prefetchers and crowd cache sets.)
const fusionParts = 8

// reduceChannels runs rows(s, j0, j1, acc, tmp) for every sample s and channel group
// [j0, j1) in parallel, with nacc zeroed accumulators of hw values and a scratch row,
// and returns the accumulators summed over the groups, [b][nacc][hw], in a pool
// buffer the caller puts back.
func reduceChannels(b, d, hw, nacc int, rows func(s, j0, j1 int, acc [][]float32, tmp []float32)) []float32 {
	parts := min(fusionParts, d)
	part := simd.GetZeroBuf(b * parts * nacc * hw)
	defer simd.PutBuf(part)
	simd.ParallelFor(b*parts, 1, func(lo, hi int) {
		tmp := simd.GetBuf(hw)
		defer simd.PutBuf(tmp)
		acc := make([][]float32, nacc)
		for t := lo; t < hi; t++ {
			s, g := t/parts, t%parts
			for k := range acc {
				acc[k] = part[((t*nacc)+k)*hw:][:hw]
			}
			rows(s, g*d/parts, (g+1)*d/parts, acc, tmp)
		}
	})
	out := simd.GetBuf(b * nacc * hw)
	for s := range b {
		for k := range nacc {
			o := out[(s*nacc+k)*hw:][:hw]
			copy(o, part[((s*parts)*nacc+k)*hw:][:hw])
			for g := 1; g < parts; g++ {
				simd.Add(o, o, part[(((s*parts+g)*nacc)+k)*hw:][:hw])
			}
		}
	}
	return out
}

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
	sums := reduceChannels(b, d, hw, 2, func(s, j0, j1 int, acc [][]float32, tmp []float32) {
		ss, dot := acc[0], acc[1]
		for j := j0; j < j1; j++ {
			row := v[(s*d+j)*hw:][:hw]
			simd.Mul(tmp, row, row)
			simd.Axpy(1, tmp, ss)
			simd.Axpy(qn[s*d+j], row, dot)
		}
	})
	defer simd.PutBuf(sums)
	for s := range b {
		ss, dot := sums[2*s*hw:][:hw], sums[(2*s+1)*hw:][:hw]
		for i := range hw {
			nrm := float32(math.Sqrt(float64(ss[i])))
			norms[s*hw+i] = nrm
			r, _ := fusionRinv(nrm, eps)
			score[s*hw+i] = dot[i] * r
		}
	}
}

// FusionDeferred is WeightedNormalizedBackward's map gradient left for
// CosineScoreBackward to apply in its own pass over the map: dv[:,p] += A[p]*G[:,p] +
// C[p]*v[:,p] (A, C [B, HW] from WeightedNormalizedGrad, G the weighted map's
// gradient [B, D, HW]).
type FusionDeferred struct{ A, C, G []float32 }

// CosineScoreBackward accumulates into dq and dv (either may be nil) the gradient of
// CosineScoreForward's score given gs, its gradient [B, HW], plus ext's deferred map
// gradient when ext is not nil; with storeDv, dv is stored instead (its old contents
// ignored). With v' = v[:,p]*rinv[p] (the normalised pixel) the score's gradient
// reaches v' as gs[p]*qn and qn as sum_p gs[p]*v'[:,p]; normalisation's backward then
// gives dv[:,p] += rinv*(gs*qn - v'*gs*score) (just gs*qn*rinv where the clamp is
// active), computed as dv row += qn[j]*b + c*v row with per-pixel b = gs*rinv and
// c = -gs*score*rinv^2. One pass by whole rows reads each row of v once for both dq
// and dv.
func CosineScoreBackward(dq, dv, gs, qn, qnorm, q, v, norms, score []float32, b, d, hw int, eps float32, ext *FusionDeferred, storeDv bool) {
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
		if ext != nil {
			cv[i] += ext.C[i]
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
			if dv == nil {
				continue
			}
			drow := dv[r*hw : (r+1)*hw]
			switch {
			case storeDv && ext != nil:
				simd.Mul(drow, ext.A[s*hw:(s+1)*hw], ext.G[r*hw:(r+1)*hw])
			case storeDv:
				clear(drow)
			case ext != nil:
				simd.Mul(tmp, ext.A[s*hw:(s+1)*hw], ext.G[r*hw:(r+1)*hw])
				simd.Add(drow, drow, tmp)
			}
			simd.Axpy(qn[r], bs, drow)
			simd.Mul(tmp, cs, row)
			simd.Add(drow, drow, tmp)
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
// clamp is active); with storeDv, dv is stored instead (its old contents ignored). A
// first pass (WeightedNormalizedGrad) sums s1, a second updates dv.
func WeightedNormalizedBackward(dw, dv, g, w, v, norms []float32, b, d, hw int, eps float32, storeDv bool) {
	a := simd.GetBuf(b * hw)
	cf := simd.GetBuf(b * hw)
	defer simd.PutBuf(a)
	defer simd.PutBuf(cf)
	WeightedNormalizedGrad(dw, a, cf, g, w, v, norms, b, d, hw, eps)
	if dv == nil {
		return
	}
	simd.ParallelFor(b*d, 8, func(lo, hi int) {
		tmp := simd.GetBuf(hw)
		defer simd.PutBuf(tmp)
		for r := lo; r < hi; r++ {
			s := r / d
			drow, grow, vrow := dv[r*hw:(r+1)*hw], g[r*hw:(r+1)*hw], v[r*hw:(r+1)*hw]
			if storeDv {
				simd.Mul(drow, a[s*hw:(s+1)*hw], grow)
			} else {
				simd.Mul(tmp, a[s*hw:(s+1)*hw], grow)
				simd.Add(drow, drow, tmp)
			}
			simd.Mul(tmp, cf[s*hw:(s+1)*hw], vrow)
			simd.Add(drow, drow, tmp)
		}
	})
}

// WeightedNormalizedGrad is WeightedNormalizedBackward's first pass: it accumulates
// dw (if not nil) and stores the per-pixel factors of the map gradient,
// dv[:,p] += a[p]*g[:,p] + cf[p]*v[:,p], into a and cf [B, HW].
func WeightedNormalizedGrad(dw, a, cf, g, w, v, norms []float32, b, d, hw int, eps float32) {
	sums := reduceChannels(b, d, hw, 1, func(s, j0, j1 int, acc [][]float32, tmp []float32) {
		for j := j0; j < j1; j++ {
			o := (s*d + j) * hw
			simd.Mul(tmp, g[o:o+hw], v[o:o+hw])
			simd.Axpy(1, tmp, acc[0])
		}
	})
	defer simd.PutBuf(sums)
	for k := range b * hw {
		r, clamped := fusionRinv(norms[k], eps)
		s1 := sums[k]
		if dw != nil {
			dw[k] += s1 * r
		}
		a[k] = w[k] * r
		cf[k] = 0
		if !clamped {
			cf[k] = -w[k] * s1 * r * r * r
		}
	}
}
