package autograd

import (
	"fmt"

	"github.com/cvogl/halo/ops"
)

// LayerNorm normalises x over its last axis (biased variance) and applies weight and
// bias (each nil or of the last axis' size).
func LayerNorm(x, weight, bias *Tensor, eps float32) *Tensor {
	if len(x.Shape) == 0 {
		panic("autograd.LayerNorm: scalar input")
	}
	d := x.Shape[len(x.Shape)-1]
	for _, p := range []*Tensor{weight, bias} {
		if p != nil && len(p.Data) != d {
			panic(fmt.Sprintf("autograd.LayerNorm: parameter %q %v for input %v", p.Name, p.Shape, x.Shape))
		}
	}
	rows := Numel(x.Shape[:len(x.Shape)-1])
	var wd, bd []float32
	if weight != nil {
		wd = weight.Data
	}
	if bias != nil {
		bd = bias.Data
	}
	out := Empty(x.Shape...)
	mean := make([]float32, rows)
	invStd := make([]float32, rows)
	ops.LayerNormForward(out.Data, x.Data, wd, bd, mean, invStd, rows, d, eps)
	return Record("layernorm", out, func(g []float32) {
		ops.LayerNormBackward(gradBuf(x), gradBuf(weight), gradBuf(bias), g, x.Data, wd, mean, invStd, rows, d)
	}, x, weight, bias)
}
