package ops

import (
	"math"

	"github.com/cvogl/halo/simd"
)

// BatchNorm kernels work on x viewed as [N, C, HW] (NCHW with the spatial axes
// flattened); statistics are per channel over N and HW. weight and bias may be nil
// (scale 1, shift 0).

// BatchNormStats computes each channel's mean and biased variance of x. The sums run
// in float64: a channel of a 64x64 map over a batch of 16 has 65536 values, enough for
// float32 accumulation to lose digits the running statistics keep for ever.
func BatchNormStats(mean, variance []float32, x []float32, n, c, hw int) {
	simd.ParallelFor(c, 1, func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			var s float64
			for i := 0; i < n; i++ {
				for _, v := range x[(i*c+ch)*hw : (i*c+ch+1)*hw] {
					s += float64(v)
				}
			}
			cnt := float64(n * hw)
			m := s / cnt
			var ss float64
			for i := 0; i < n; i++ {
				for _, v := range x[(i*c+ch)*hw : (i*c+ch+1)*hw] {
					d := float64(v) - m
					ss += d * d
				}
			}
			mean[ch] = float32(m)
			variance[ch] = float32(ss / cnt)
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
			scale := invStd[ch]
			if weight != nil {
				scale *= weight[ch]
			}
			shift := -mean[ch] * scale
			if bias != nil {
				shift += bias[ch]
			}
			xs, ys := x[nc*hw:(nc+1)*hw], y[nc*hw:(nc+1)*hw]
			for i, v := range xs {
				ys[i] = v*scale + shift
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
		for ch := lo; ch < hi; ch++ {
			m, is := float64(mean[ch]), float64(invStd[ch])
			var sg, sgx float64 // sum(gy), sum(gy*xhat)
			for i := 0; i < n; i++ {
				off := (i*c + ch) * hw
				gs, xs := gy[off:off+hw], x[off:off+hw]
				for j, g := range gs {
					sg += float64(g)
					sgx += float64(g) * (float64(xs[j]) - m) * is
				}
			}
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
			var a, b float64 // dx = k*gy + a*xhat + b
			if training {
				a = -k * sgx / cnt
				b = -k * sg / cnt
			}
			for i := 0; i < n; i++ {
				off := (i*c + ch) * hw
				gs, xs, ds := gy[off:off+hw], x[off:off+hw], dx[off:off+hw]
				for j, g := range gs {
					xhat := (float64(xs[j]) - m) * is
					ds[j] += float32(k*float64(g) + a*xhat + b)
				}
			}
		}
	})
}
