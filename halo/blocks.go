package halo

import (
	"math/rand/v2"

	"github.com/cvogl/halo/autograd"
	"github.com/cvogl/halo/nn"
)

// ConvBNLeakyReLU is the official ConvBatchNormReLU with leaky=True: a convolution
// without bias, BatchNorm with momentum 0.999 (PyTorch convention: the running
// statistics are almost exactly the last batch's) and LeakyReLU(0.1).
type ConvBNLeakyReLU struct {
	nn.Children
	Conv *nn.Conv2d
	BN   *nn.BatchNorm2d
}

// NewConvBNLeakyReLU builds the block (state_dict names conv.*, bn.*).
func NewConvBNLeakyReLU(rng *rand.Rand, in, out, k, stride, pad int) *ConvBNLeakyReLU {
	b := &ConvBNLeakyReLU{
		Conv: nn.NewConv2d(rng, in, out, k, k, nn.ConvOpts{StrideH: stride, StrideW: stride, PadH: pad, PadW: pad}),
		BN:   nn.NewBatchNorm2d(out, 0.999, 1e-5),
	}
	b.Children = nn.Children{{Name: "conv", M: b.Conv}, {Name: "bn", M: b.BN}}
	return b
}

// Forward applies conv, BN and LeakyReLU(0.1).
func (b *ConvBNLeakyReLU) Forward(x *autograd.Tensor) *autograd.Tensor {
	n := nn.ConvBN(b.Conv, b.BN, x)
	y := autograd.LeakyReLU(n, 0.1)
	n.Release()
	return y
}

// conv builds a square convolution with the given stride and padding.
func conv(rng *rand.Rand, in, out, k, stride, pad int, bias bool) *nn.Conv2d {
	return nn.NewConv2d(rng, in, out, k, k, nn.ConvOpts{StrideH: stride, StrideW: stride, PadH: pad, PadW: pad, Bias: bias})
}

// FPN fuses three backbone levels into one map at the middle level's resolution:
// conv_p3(p3) + bilinear(conv_p4(p4)) + downsample_p2(conv_p2(p2)).
type FPN struct {
	nn.Children
	ConvP2, ConvP3, ConvP4, DownsampleP2 *nn.Conv2d
}

// NewFPN builds an FPN from channel counts (c2, c3, c4) to out.
func NewFPN(rng *rand.Rand, c2, c3, c4, out int) *FPN {
	f := &FPN{
		ConvP2:       conv(rng, c2, out, 1, 1, 0, true),
		ConvP3:       conv(rng, c3, out, 1, 1, 0, true),
		ConvP4:       conv(rng, c4, out, 1, 1, 0, true),
		DownsampleP2: conv(rng, out, out, 3, 2, 1, true),
	}
	f.Children = nn.Children{{Name: "conv_p2", M: f.ConvP2}, {Name: "conv_p3", M: f.ConvP3},
		{Name: "conv_p4", M: f.ConvP4}, {Name: "downsample_p2", M: f.DownsampleP2}}
	return f
}

// Forward fuses p2 (stride s), p3 (2s) and p4 (4s) into a map of p3's size.
func (f *FPN) Forward(p2, p3, p4 *autograd.Tensor) *autograd.Tensor {
	a := f.ConvP2.Forward(p2)
	b := f.ConvP3.Forward(p3)
	c := f.ConvP4.Forward(p4)
	ci := autograd.Interpolate(c, b.Shape[2], b.Shape[3])
	c.Release()
	bc := autograd.Add(b, ci)
	release(b, ci)
	d := f.DownsampleP2.Forward(a)
	a.Release()
	y := autograd.Add(bc, d)
	release(bc, d)
	return y
}
