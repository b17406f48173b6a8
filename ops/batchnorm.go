package ops

import (
	"math"

	"github.com/cvogl/halo/simd"
)

// BatchNorm kernels work on x viewed as [N, C, HW] (NCHW with the spatial axes
// flattened); statistics are per channel over N and HW. weight and bias may be nil
// (scale 1, shift 0).
//
// Sums run in float32 vector kernels over chunks of normChunk values and in float64
// across chunks: a channel of a 256x256 map over a batch of 16 has a million values,
// enough for one float32 accumulator to lose digits the running statistics keep for
// ever, while per-element float64 arithmetic would make BatchNorm cost more than the
// convolutions around it.
const normChunk = 1024

// chunks calls fn on consecutive pieces of x of at most normChunk values.
func chunks(x []float32, fn func(lo, hi int)) {
	for lo := 0; lo < len(x); lo += normChunk {
		fn(lo, min(lo+normChunk, len(x)))
	}
}

// centredMoments returns sum(x - shift) and sum((x - shift)^2) for the channel runs
// x[(i*c+ch)*hw:][:hw], i < n, using tmp (normChunk values) as scratch.
func centredMoments(x []float32, n, c, hw, ch int, shift float32, tmp []float32) (s1, s2 float64) {
	for i := 0; i < n; i++ {
		run := x[(i*c+ch)*hw : (i*c+ch+1)*hw]
		chunks(run, func(lo, hi int) {
			t := tmp[:hi-lo]
			simd.AddScalar(t, run[lo:hi], -shift)
			s1 += float64(simd.Sum(t))
			s2 += float64(simd.Dot(t, t))
		})
	}
	return s1, s2
}

// BatchNormStats computes each channel's mean and biased variance of x.
func BatchNormStats(mean, variance []float32, x []float32, n, c, hw int) {
	cnt := float64(n * hw)
	simd.ParallelFor(c, 1, func(lo, hi int) {
		tmp := make([]float32, normChunk)
		for ch := lo; ch < hi; ch++ {
			s, _ := centredMoments(x, n, c, hw, ch, 0, tmp)
			m := float32(s / cnt)
			// Second pass around the rounded mean; the first moment about it corrects
			// for the rounding exactly: var = E[(x-m)^2] - E[x-m]^2.
			s1, s2 := centredMoments(x, n, c, hw, ch, m, tmp)
			d := s1 / cnt
			mean[ch] = float32(float64(m) + d)
			variance[ch] = float32(max(s2/cnt-d*d, 0))
		}
	})
}

// BatchNormUpdateRunning applies PyTorch's running-statistics update after a
// train-mode forward over count values per channel:
// running = (1-momentum)*running + momentum*batch, the variance term unbiased
// (count/(count-1)); count must exceed 1 (PyTorch refuses such a batch too).
// Either running slice may be nil.
func BatchNormUpdateRunning(runMean, runVar, mean, variance []float32, count int, momentum float32) {
	m := float64(momentum)
	unbias := float64(count) / float64(count-1)
	for ch := range mean {
		if runMean != nil {
			runMean[ch] = float32((1-m)*float64(runMean[ch]) + m*float64(mean[ch]))
		}
		if runVar != nil {
			runVar[ch] = float32((1-m)*float64(runVar[ch]) + m*float64(variance[ch])*unbias)
		}
	}
}

// BatchNormInvStd returns 1/sqrt(variance + eps) per channel.
func BatchNormInvStd(invStd, variance []float32, eps float32) {
	for ch, v := range variance {
		invStd[ch] = float32(1 / math.Sqrt(float64(v)+float64(eps)))
	}
}

// BatchNormForward computes y = (x - mean)*invStd*weight + bias per channel, with the
// batch statistics (train mode) or the running ones (eval mode) passed as mean and
// invStd.
func BatchNormForward(y, x, weight, bias, mean, invStd []float32, n, c, hw int) {
	simd.ParallelFor(n*c, 1, func(lo, hi int) {
		for nc := lo; nc < hi; nc++ {
			ch := nc % c
			scale := float64(invStd[ch])
			if weight != nil {
				scale *= float64(weight[ch])
			}
			shift := -float64(mean[ch]) * scale
			if bias != nil {
				shift += float64(bias[ch])
			}
			sc, sh := float32(scale), float32(shift)
			ys := y[nc*hw : (nc+1)*hw]
			for i, v := range x[nc*hw : (nc+1)*hw] {
				ys[i] = v*sc + sh
			}
		}
	})
}

// BatchNormBackward accumulates the gradients of BatchNormForward given gy. In train
// mode mean and invStd depend on x, which adds the two projection terms of
//
//	dx = weight*invStd * (gy - mean(gy) - xhat*mean(gy*xhat));
//
// in eval mode they are constants and dx = weight*invStd*gy. dweight gets
// sum(gy*xhat), dbias sum(gy). Nil destinations are skipped.
func BatchNormBackward(dx, dweight, dbias, gy, x, weight, mean, invStd []float32, n, c, hw int, training bool) {
	cnt := float64(n * hw)
	simd.ParallelFor(c, 1, func(lo, hi int) {
		tmp := make([]float32, normChunk)
		for ch := lo; ch < hi; ch++ {
			m, is := mean[ch], float64(invStd[ch])
			var sg, sgx float64 // sum(gy), sum(gy*(x-mean))
			for i := 0; i < n; i++ {
				off := (i*c + ch) * hw
				gs, xs := gy[off:off+hw], x[off:off+hw]
				chunks(gs, func(lo, hi int) {
					t := tmp[:hi-lo]
					simd.AddScalar(t, xs[lo:hi], -m)
					sg += float64(simd.Sum(gs[lo:hi]))
					sgx += float64(simd.Dot(gs[lo:hi], t))
				})
			}
			sgx *= is // now sum(gy*xhat)
			if dweight != nil {
				dweight[ch] += float32(sgx)
			}
			if dbias != nil {
				dbias[ch] += float32(sg)
			}
			if dx == nil {
				continue
			}
			w := 1.0
			if weight != nil {
				w = float64(weight[ch])
			}
			k := w * is
			// dx = k*gy + a*(x-mean) + b
			var a, b float64
			if training {
				a = -k * sgx / cnt * is
				b = -k * sg / cnt
			}
			k32, a32, b32 := float32(k), float32(a), float32(b)
			for i := 0; i < n; i++ {
				off := (i*c + ch) * hw
				gs, xs, ds := gy[off:off+hw], x[off:off+hw], dx[off:off+hw]
				if !training {
					simd.Axpy(k32, gs, ds)
					continue
				}
				chunks(gs, func(lo, hi int) {
					t := tmp[:hi-lo]
					simd.AddScalar(t, xs[lo:hi], -m)
					simd.Axpy(k32, gs[lo:hi], ds[lo:hi])
					simd.Axpy(a32, t, ds[lo:hi])
					simd.AddScalar(ds[lo:hi], ds[lo:hi], b32)
				})
			}
		}
	})
}
