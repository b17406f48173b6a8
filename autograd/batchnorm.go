package autograd

import (
	"fmt"

	"github.com/cvogl/halo/ops"
)

// BatchNorm2d normalises x [N, C, ...] per channel (statistics over N and the
// spatial axes) and applies weight and bias ([C] each, either may be nil).
//
// training: normalise with the batch mean and biased variance, and update runMean and
// runVar in place (when non-nil) with PyTorch's convention
// running = (1-momentum)*running + momentum*batch, using the unbiased variance
// (skipped while a Checkpoint recomputes: the first run did it).
// Otherwise normalise with runMean and runVar. Counting num_batches_tracked is the
// caller's business.
func BatchNorm2d(x, weight, bias *Tensor, runMean, runVar []float32, training bool, momentum, eps float32) *Tensor {
	if len(x.Shape) < 2 {
		panic(fmt.Sprintf("autograd.BatchNorm2d: input %v has no channel axis", x.Shape))
	}
	n, c := x.Shape[0], x.Shape[1]
	hw := Numel(x.Shape[2:])
	for _, p := range []struct {
		name string
		t    *Tensor
	}{{"weight", weight}, {"bias", bias}} {
		if p.t != nil && len(p.t.Data) != c {
			panic(fmt.Sprintf("autograd.BatchNorm2d: %s %v (%s) for %d channels of input %v", p.name, p.t.Shape, p.t.Name, c, x.Shape))
		}
	}
	for _, r := range [][]float32{runMean, runVar} {
		if r != nil && len(r) != c || r == nil && !training {
			panic(fmt.Sprintf("autograd.BatchNorm2d: running stats of %d/%d values for %d channels of input %v (eval mode needs both)",
				len(runMean), len(runVar), c, x.Shape))
		}
	}
	mean := make([]float32, c)
	invStd := make([]float32, c)
	if training {
		if n*hw <= 1 {
			panic(fmt.Sprintf("autograd.BatchNorm2d: train mode needs more than one value per channel, input %v", x.Shape))
		}
		variance := make([]float32, c)
		ops.BatchNormStats(mean, variance, x.Data, n, c, hw)
		if !Recomputing() { // a Checkpoint's second run already updated them once
			ops.BatchNormUpdateRunning(runMean, runVar, mean, variance, n*hw, momentum)
		}
		ops.BatchNormInvStd(invStd, variance, eps)
	} else {
		copy(mean, runMean)
		ops.BatchNormInvStd(invStd, runVar, eps)
	}
	var wd, bd []float32
	if weight != nil {
		wd = weight.Data
	}
	if bias != nil {
		bd = bias.Data
	}
	out := Empty(x.Shape...)
	ops.BatchNormForward(out.Data, x.Data, wd, bd, mean, invStd, n, c, hw)
	return Record("batchnorm2d", out, func(g []float32) {
		ops.BatchNormBackward(gradBuf(x), gradBuf(weight), gradBuf(bias), g, x.Data, wd, mean, invStd, n, c, hw, training)
	}, x, weight, bias)
}
