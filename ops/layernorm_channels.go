package ops

import (
	"math"

	"github.com/cvogl/halo/simd"
)

// The channel LayerNorm works on a strip of positions at a time: every pass over the
// channels of a strip then runs on data the first pass brought into L2, so the map is
// read from memory once forward (twice backward) instead of being permuted to
// channels-last, normalised and permuted back.
const lnStripBytes = 256 << 10

// lnStrip is the number of positions per strip for c channels: a multiple of 16 (whole
// vectors), at least 64 so the per-call overhead of the vector kernels stays small.
func lnStrip(c, p int) int {
	s := lnStripBytes / 4 / max(c, 1)
	s = max(64, s&^15)
	return min(s, p)
}

// LayerNormChannelsForward normalises x [n, c, p] over its c channels at each of its
// n*p positions (biased variance, as LayerNorm over the last axis of the
// channels-last permutation), then applies weight and bias [c] (either may be nil).
// It stores each position's mean and 1/sqrt(var+eps) in mean, invStd [n*p].
//
// The statistics follow LayerNormForward: the sum is centred on its rounded mean and
// the rounding corrected by the mean of the residuals, the variance is taken from the
// centred values, and the scalar arithmetic per position is float64.
func LayerNormChannelsForward(y, x, weight, bias, mean, invStd []float32, n, c, p int, eps float32) {
	if n*c*p == 0 {
		return
	}
	strip := lnStrip(c, p)
	strips := (p + strip - 1) / strip
	simd.ParallelFor(n*strips, 1, func(lo, hi int) {
		acc := make([]float32, 4*strip)
		for task := lo; task < hi; task++ {
			b, p0 := task/strips, task%strips*strip
			w := min(strip, p-p0)
			s1, s2, t, nm := acc[:w], acc[strip:strip+w], acc[2*strip:2*strip+w], acc[3*strip:3*strip+w]
			clear(s1)
			at := func(ch int) []float32 { return x[(b*c+ch)*p+p0 : (b*c+ch)*p+p0+w] }
			for ch := range c {
				simd.Add(s1, s1, at(ch))
			}
			for i, s := range s1 {
				nm[i] = -float32(float64(s) / float64(c))
			}
			// Residuals about the rounded mean: their sum corrects it, their squares
			// give the variance.
			clear(s1)
			clear(s2)
			for ch := range c {
				simd.Add(t, at(ch), nm)
				simd.Add(s1, s1, t)
				simd.Mul(t, t, t)
				simd.Add(s2, s2, t)
			}
			m, is := mean[b*p+p0:b*p+p0+w], invStd[b*p+p0:b*p+p0+w]
			for i := range w {
				d1, d2 := float64(s1[i])/float64(c), float64(s2[i])/float64(c)
				is[i] = float32(1 / math.Sqrt(max(d2-d1*d1, 0)+float64(eps)))
				m[i] = float32(d1 - float64(nm[i]))
				nm[i] = -m[i]
			}
			for ch := range c {
				ys := y[(b*c+ch)*p+p0 : (b*c+ch)*p+p0+w]
				simd.Add(ys, at(ch), nm)
				simd.Mul(ys, ys, is)
				if weight != nil {
					simd.Scale(weight[ch], ys)
				}
				if bias != nil {
					simd.AddScalar(ys, ys, bias[ch])
				}
			}
		}
	})
}

// LayerNormChannelsBackward accumulates the gradients of LayerNormChannelsForward
// given gy: with xhat = (x-mean)*invStd and gh = gy*weight[c], at every position
// dx += invStd*(gh - mean_c(gh) - xhat*mean_c(gh*xhat)); dweight[c] += sum gy*xhat and
// dbias[c] += sum gy over all positions. Any of dx, dweight, dbias may be nil.
//
// The weight and bias sums are taken per strip and added in strip order, so the result
// does not depend on how the strips were scheduled.
func LayerNormChannelsBackward(dx, dweight, dbias, gy, x, weight, mean, invStd []float32, n, c, p int) {
	if n*c*p == 0 {
		return
	}
	strip := lnStrip(c, p)
	strips := (p + strip - 1) / strip
	tasks := n * strips
	var partW, partB []float32
	if dweight != nil {
		partW = make([]float32, tasks*c)
	}
	if dbias != nil {
		partB = make([]float32, tasks*c)
	}
	simd.ParallelFor(tasks, 1, func(lo, hi int) {
		buf := make([]float32, 5*strip)
		for task := lo; task < hi; task++ {
			b, p0 := task/strips, task%strips*strip
			w := min(strip, p-p0)
			sg, sgx, xh, gh, nm := buf[:w], buf[strip:strip+w], buf[2*strip:2*strip+w], buf[3*strip:3*strip+w], buf[4*strip:4*strip+w]
			m, is := mean[b*p+p0:b*p+p0+w], invStd[b*p+p0:b*p+p0+w]
			for i, v := range m {
				nm[i] = -v
			}
			off := func(ch int) int { return (b*c+ch)*p + p0 }
			clear(sg)
			clear(sgx)
			for ch := range c {
				xs, gs := x[off(ch):off(ch)+w], gy[off(ch):off(ch)+w]
				simd.Add(xh, xs, nm)
				simd.Mul(xh, xh, is)
				if partW != nil {
					partW[task*c+ch] = simd.Dot(gs, xh)
				}
				if partB != nil {
					partB[task*c+ch] = simd.Sum(gs)
				}
				if dx == nil {
					continue
				}
				copy(gh, gs)
				if weight != nil {
					simd.Scale(weight[ch], gh)
				}
				simd.Add(sg, sg, gh)
				simd.Mul(xh, xh, gh)
				simd.Add(sgx, sgx, xh)
			}
			if dx == nil {
				continue
			}
			// Negated means, so each term below is one vector add.
			inv := -1 / float32(c)
			simd.Scale(inv, sg)
			simd.Scale(inv, sgx)
			for ch := range c {
				xs, gs, ds := x[off(ch):off(ch)+w], gy[off(ch):off(ch)+w], dx[off(ch):off(ch)+w]
				// d = gh - mean(gh) - xhat*mean(gh*xhat), then dx += d*invStd.
				simd.Add(xh, xs, nm)
				simd.Mul(xh, xh, is)
				simd.Mul(xh, xh, sgx)
				copy(gh, gs)
				if weight != nil {
					simd.Scale(weight[ch], gh)
				}
				simd.Add(gh, gh, sg)
				simd.Add(gh, gh, xh)
				simd.Mul(gh, gh, is)
				simd.Add(ds, ds, gh)
			}
		}
	})
	reduce := func(dst, part []float32) {
		if dst == nil {
			return
		}
		simd.ParallelFor(c, 16, func(lo, hi int) {
			for ch := lo; ch < hi; ch++ {
				var s float64
				for task := range tasks {
					s += float64(part[task*c+ch])
				}
				dst[ch] += float32(s)
			}
		})
	}
	reduce(dweight, partW)
	reduce(dbias, partB)
}
