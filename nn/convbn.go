package nn

import (
	"math"

	"github.com/cvogl/halo/autograd"
	"github.com/cvogl/halo/simd"
)

// ConvBN applies conv and then bn to x. In inference (bn in eval mode and no graph
// being recorded) the BatchNorm is folded into the convolution: with
// s = weight/sqrt(running_var+eps), the convolution runs once with weights w*s (per
// output channel) and bias (b-running_mean)*s + bias_bn, so the normalisation costs no
// pass over the output. The folded parameters are computed per call, in float64 and
// rounded once; they differ from the two-step result by float32 rounding only. In
// training, or when gradients are recorded, it is exactly bn.Forward(conv.Forward(x)).
func ConvBN(conv *Conv2d, bn *BatchNorm2d, x *autograd.Tensor) *autograd.Tensor {
	if bn.Training || autograd.GradEnabled() || conv.Weight.Shape[0] != len(bn.RunningMean.Data) {
		c := conv.Forward(x)
		y := bn.Forward(c)
		c.Release()
		return y
	}
	w, b := foldBatchNorm(conv, bn)
	y := autograd.Conv2d(x, w, b, conv.P)
	w.Release()
	b.Release()
	return y
}

// foldBatchNorm returns the weight and bias of conv followed by bn in eval mode.
func foldBatchNorm(conv *Conv2d, bn *BatchNorm2d) (w, b *autograd.Tensor) {
	out := conv.Weight.Shape[0]
	per := len(conv.Weight.Data) / out
	w = autograd.Empty(conv.Weight.Shape...)
	b = autograd.Empty(out)
	// Every inference pass folds afresh (ResNet18 alone has 11M weights), so the
	// output channels are spread over the worker pool.
	simd.ParallelFor(out, max(1, (1<<14)/max(per, 1)), func(lo, hi int) {
		for o := lo; o < hi; o++ {
			s := 1 / math.Sqrt(float64(bn.RunningVar.Data[o])+float64(bn.Eps))
			if bn.Weight != nil {
				s *= float64(bn.Weight.Data[o])
			}
			for i, v := range conv.Weight.Data[o*per : (o+1)*per] {
				w.Data[o*per+i] = float32(float64(v) * s)
			}
			var cb float64
			if conv.Bias != nil {
				cb = float64(conv.Bias.Data[o])
			}
			sh := (cb - float64(bn.RunningMean.Data[o])) * s
			if bn.Bias != nil {
				sh += float64(bn.Bias.Data[o])
			}
			b.Data[o] = float32(sh)
		}
	})
	return w, b
}
