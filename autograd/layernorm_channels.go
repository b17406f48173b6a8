package autograd

import (
	"fmt"

	"github.com/cvogl/halo/ops"
)

// LayerNormChannels normalises x [N, C, ...] over its channel axis at every position
// and applies weight and bias [C] (each may be nil): the same values and gradients as
// Permute(LayerNorm(Permute(x, 0, 2, ..., 1), weight, bias, eps), 0, last, 1, ...),
// LSKNet's per-stage norm on an NCHW map, without the two transposed copies.
func LayerNormChannels(x, weight, bias *Tensor, eps float32) *Tensor {
	if len(x.Shape) < 2 {
		panic(fmt.Sprintf("autograd.LayerNormChannels: input %v has no channel axis", x.Shape))
	}
	n, c := x.Shape[0], x.Shape[1]
	p := Numel(x.Shape[2:])
	for _, t := range []*Tensor{weight, bias} {
		if t != nil && len(t.Data) != c {
			panic(fmt.Sprintf("autograd.LayerNormChannels: parameter %q %v for input %v", t.Name, t.Shape, x.Shape))
		}
	}
	var wd, bd []float32
	if weight != nil {
		wd = weight.Data
	}
	if bias != nil {
		bd = bias.Data
	}
	out := Empty(x.Shape...) // every strip of every channel is written
	mean, invStd := make([]float32, n*p), make([]float32, n*p)
	ops.LayerNormChannelsForward(out.Data, x.Data, wd, bd, mean, invStd, n, c, p, eps)
	return Record("layernorm_channels", out, func(g []float32) {
		ops.LayerNormChannelsBackward(gradBuf(x), gradBuf(weight), gradBuf(bias), g, x.Data, wd, mean, invStd, n, c, p)
	}, x, weight, bias)
}
