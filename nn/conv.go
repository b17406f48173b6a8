package nn

import (
	"math"
	"math/rand/v2"

	"github.com/cvogl/halo/autograd"
	"github.com/cvogl/halo/ops"
)

// ConvOpts configures a Conv2d. Zero strides, dilations and groups mean 1.
type ConvOpts struct {
	StrideH, StrideW int
	PadH, PadW       int
	DilH, DilW       int
	Groups           int
	Bias             bool
}

// Conv2d is torch.nn.Conv2d: weight [out, in/groups, kh, kw], optional bias [out].
type Conv2d struct {
	Weight, Bias *autograd.Tensor
	P            ops.ConvParams
}

// NewConv2d returns a convolution with PyTorch's default initialisation:
// kaiming_uniform(a=sqrt(5)) for the weight and U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for
// the bias, which both come to the bound 1/sqrt(fan_in), fan_in = in/groups*kh*kw.
func NewConv2d(rng *rand.Rand, in, out, kh, kw int, o ConvOpts) *Conv2d {
	p := ops.ConvParams{StrideH: one(o.StrideH), StrideW: one(o.StrideW), PadH: o.PadH, PadW: o.PadW,
		DilH: one(o.DilH), DilW: one(o.DilW), Groups: one(o.Groups)}
	if in%p.Groups != 0 || out%p.Groups != 0 {
		panic("nn.NewConv2d: channels not divisible by groups")
	}
	fanIn := in / p.Groups * kh * kw
	c := &Conv2d{P: p, Weight: autograd.Param(uniform(rng, out*fanIn, kaimingBound(fanIn)), out, in/p.Groups, kh, kw)}
	if o.Bias {
		c.Bias = autograd.Param(uniform(rng, out, biasBound(fanIn)), out)
	}
	return c
}

// Forward convolves an NCHW batch.
func (c *Conv2d) Forward(x *autograd.Tensor) *autograd.Tensor {
	return autograd.Conv2d(x, c.Weight, c.Bias, c.P)
}

// Visit reports weight then bias.
func (c *Conv2d) Visit(prefix string, fn func(string, *Entry)) {
	fn(Join(prefix, "weight"), &Entry{T: c.Weight})
	if c.Bias != nil {
		fn(Join(prefix, "bias"), &Entry{T: c.Bias})
	}
}

// SetTraining does nothing: a convolution behaves the same in both modes.
func (c *Conv2d) SetTraining(bool) {}

func one(v int) int {
	if v == 0 {
		return 1
	}
	return v
}

// kaimingBound is the bound of kaiming_uniform_(a=sqrt(5)), fan_in mode, leaky_relu
// gain: gain = sqrt(2/(1+a²)) = sqrt(1/3), bound = sqrt(3)*gain/sqrt(fan_in).
func kaimingBound(fanIn int) float64 {
	gain := math.Sqrt(2 / (1 + 5.0))
	return math.Sqrt(3) * gain / math.Sqrt(float64(fanIn))
}

// biasBound is PyTorch's bias bound 1/sqrt(fan_in) (0 for fan_in 0).
func biasBound(fanIn int) float64 {
	if fanIn <= 0 {
		return 0
	}
	return 1 / math.Sqrt(float64(fanIn))
}

// uniform returns n samples of U(-bound, bound) in float32.
func uniform(rng *rand.Rand, n int, bound float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32((2*rng.Float64() - 1) * bound)
	}
	return v
}
