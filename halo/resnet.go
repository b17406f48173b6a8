package halo

import (
	"math/rand/v2"
	"strconv"

	"github.com/cvogl/halo/autograd"
	"github.com/cvogl/halo/nn"
)

// BasicBlock is torchvision's ResNet BasicBlock: two 3x3 convolutions without bias,
// each followed by BatchNorm, ReLU after the first and after the residual sum; the
// shortcut is a strided 1x1 conv + BN when the shape changes.
type BasicBlock struct {
	nn.Children
	Conv1, Conv2 *nn.Conv2d
	BN1, BN2     *nn.BatchNorm2d
	Downsample   *nn.Sequential // nil when the shortcut is the identity
}

// NewBasicBlock builds a block from in to out channels with the given stride.
func NewBasicBlock(rng *rand.Rand, in, out, stride int) *BasicBlock {
	b := &BasicBlock{
		Conv1: conv(rng, in, out, 3, stride, 1, false),
		BN1:   nn.NewBatchNorm2d(out, 0.1, 1e-5),
		Conv2: conv(rng, out, out, 3, 1, 1, false),
		BN2:   nn.NewBatchNorm2d(out, 0.1, 1e-5),
	}
	b.Children = nn.Children{{Name: "conv1", M: b.Conv1}, {Name: "bn1", M: b.BN1},
		{Name: "conv2", M: b.Conv2}, {Name: "bn2", M: b.BN2}}
	if stride != 1 || in != out {
		b.Downsample = nn.NewSequential(conv(rng, in, out, 1, stride, 0, false), nn.NewBatchNorm2d(out, 0.1, 1e-5))
		b.Children = append(b.Children, nn.Child{Name: "downsample", M: b.Downsample})
	}
	return b
}

// Forward applies the block.
func (b *BasicBlock) Forward(x *autograd.Tensor) *autograd.Tensor {
	n1 := nn.ConvBN(b.Conv1, b.BN1, x)
	r := autograd.ReLU(n1)
	n1.Release()
	n2 := nn.ConvBN(b.Conv2, b.BN2, r)
	r.Release()
	short := x
	if b.Downsample != nil {
		// The shortcut is Sequential(1x1 conv, BN), as torchvision names it.
		short = nn.ConvBN(b.Downsample.Layers[0].(*nn.Conv2d), b.Downsample.Layers[1].(*nn.BatchNorm2d), x)
	}
	sum := autograd.Add(n2, short)
	n2.Release()
	if short != x {
		short.Release()
	}
	y := autograd.ReLU(sum)
	sum.Release()
	return y
}

// ResNet is the query backbone: torchvision's ResNet18 without its pooling and
// classifier (state_dict names under base_model.*), returning layer2..layer4.
type ResNet struct {
	nn.Children
	Conv1  *nn.Conv2d
	BN1    *nn.BatchNorm2d
	Layers [4]*nn.Sequential
}

// NewResNet builds the backbone with the given widths and blocks per layer.
func NewResNet(rng *rand.Rand, widths, blocks [4]int) *ResNet {
	r := &ResNet{Conv1: conv(rng, 3, widths[0], 7, 2, 3, false), BN1: nn.NewBatchNorm2d(widths[0], 0.1, 1e-5)}
	base := nn.Children{{Name: "conv1", M: r.Conv1}, {Name: "bn1", M: r.BN1}}
	in := widths[0]
	for i := range 4 {
		stride := 2
		if i == 0 {
			stride = 1
		}
		var layer []nn.Module
		for j := range blocks[i] {
			s := 1
			if j == 0 {
				s = stride
			}
			layer = append(layer, NewBasicBlock(rng, in, widths[i], s))
			in = widths[i]
		}
		r.Layers[i] = nn.NewSequential(layer...)
		base = append(base, nn.Child{Name: "layer" + strconv.Itoa(i+1), M: r.Layers[i]})
	}
	r.Children = nn.Children{{Name: "base_model", M: base}}
	return r
}

// Forward returns the outputs of layer2, layer3 and layer4 (strides 8, 16, 32).
func (r *ResNet) Forward(x *autograd.Tensor) (x2, x3, x4 *autograd.Tensor) {
	n := nn.ConvBN(r.Conv1, r.BN1, x)
	a := autograd.ReLU(n)
	n.Release()
	p := autograd.MaxPool2d(a, 3, 2, 1)
	a.Release()
	x1 := forwardSeq(r.Layers[0], p)
	p.Release()
	x2 = forwardSeq(r.Layers[1], x1)
	x1.Release()
	x3 = forwardSeq(r.Layers[2], x2)
	x4 = forwardSeq(r.Layers[3], x3)
	return x2, x3, x4
}
