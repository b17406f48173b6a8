package halo

import (
	"math/rand/v2"
	"strconv"

	"github.com/cvogl/halo/autograd"
	"github.com/cvogl/halo/nn"
)

// LSKblock is the large selective kernel: two depthwise convolutions with growing
// receptive fields (5x5, then 7x7 with dilation 3), each reduced to dim/2 channels; a
// spatial gate computed from the channel mean and max of both picks, per pixel, how
// much of each to use; the mix is projected back to dim and multiplies the input.
type LSKblock struct {
	nn.Children
	Conv0, ConvSpatial, Conv1, Conv2, ConvSqueeze, Conv *nn.Conv2d
}

// NewLSKblock builds the block for dim channels.
func NewLSKblock(rng *rand.Rand, dim int) *LSKblock {
	b := &LSKblock{
		Conv0:       nn.NewConv2d(rng, dim, dim, 5, 5, nn.ConvOpts{PadH: 2, PadW: 2, Groups: dim, Bias: true}),
		ConvSpatial: nn.NewConv2d(rng, dim, dim, 7, 7, nn.ConvOpts{PadH: 9, PadW: 9, DilH: 3, DilW: 3, Groups: dim, Bias: true}),
		Conv1:       conv(rng, dim, dim/2, 1, 1, 0, true),
		Conv2:       conv(rng, dim, dim/2, 1, 1, 0, true),
		ConvSqueeze: conv(rng, 2, 2, 7, 1, 3, true),
		Conv:        conv(rng, dim/2, dim, 1, 1, 0, true),
	}
	b.Children = nn.Children{{Name: "conv0", M: b.Conv0}, {Name: "conv_spatial", M: b.ConvSpatial},
		{Name: "conv1", M: b.Conv1}, {Name: "conv2", M: b.Conv2}, {Name: "conv_squeeze", M: b.ConvSqueeze},
		{Name: "conv", M: b.Conv}}
	return b
}

// Forward applies the block to x [B, dim, H, W].
func (b *LSKblock) Forward(x *autograd.Tensor) *autograd.Tensor { return b.forward(x, nil) }

func (b *LSKblock) forward(x *autograd.Tensor, hook partHook) *autograd.Tensor {
	d1 := hook.at("dw5x5", b.Conv0.Forward(x))
	d2 := hook.at("dw7x7d3", b.ConvSpatial.Forward(d1))
	a1 := b.Conv1.Forward(d1)
	d1.Release()
	a2 := hook.at("conv1+conv2", b.Conv2.Forward(d2), a1)
	d2.Release()
	mix := hook.at("gate", b.gate(a1, a2))
	a1.Release()
	a2.Release()
	// conv, then the product with the block input: in inference one fused op
	// (the product applied to each block of conv's output as it is made).
	cv := b.Conv
	y := hook.at("conv", autograd.Conv2dMul(mix, cv.Weight, cv.Bias, x, cv.P))
	mix.Release()
	return y
}

// gate is the spatial selection: per pixel, the channel mean and max of both picks
// through conv_squeeze and a sigmoid weigh a1 against a2. It runs as the fused
// autograd.LSKGate (same values and gradients to float32 rounding, a fraction of the
// memory traffic) when conv_squeeze is the official 2 -> 2 "same" convolution.
func (b *LSKblock) gate(a1, a2 *autograd.Tensor) *autograd.Tensor {
	sq := b.ConvSqueeze
	if lskGateFusable(sq) && autograd.SameShape(a1.Shape, a2.Shape) && len(a1.Shape) == 4 {
		return autograd.LSKGate(a1, a2, sq.Weight, sq.Bias)
	}
	both := autograd.Concat(1, a1, a2)
	agg := autograd.Concat(1, autograd.Mean(both, 1, true), autograd.Max(both, 1, true))
	sig := autograd.Sigmoid(sq.Forward(agg))
	s := autograd.Split(sig, 1, 1, 1)
	return autograd.Add(autograd.Mul(a1, s[0]), autograd.Mul(a2, s[1]))
}

// lskGateFusable reports whether c is a convolution autograd.LSKGate computes: 2 -> 2
// channels, odd kernel sides, stride and dilation 1, padding that keeps the size.
func lskGateFusable(c *nn.Conv2d) bool {
	p, w := c.P, c.Weight.Shape
	return len(w) == 4 && w[0] == 2 && w[1] == 2 && w[2]%2 == 1 && w[3]%2 == 1 &&
		p.StrideH <= 1 && p.StrideW <= 1 && p.DilH <= 1 && p.DilW <= 1 && p.Groups <= 1 &&
		p.PadH == (w[2]-1)/2 && p.PadW == (w[3]-1)/2
}

// partHook, when set, receives the outputs of each part of an LSKNet block as the
// block's forward finishes it (the parts of lskBlockParts, by name, in order): the
// staged forward of halo bench times the parts through it, so it runs exactly the
// block's own code. A nil hook does nothing.
type partHook func(part string, outs ...*autograd.Tensor)

// at reports t (and also, further outputs of the part that t's graph does not reach)
// as part's outputs and returns t.
func (h partHook) at(part string, t *autograd.Tensor, also ...*autograd.Tensor) *autograd.Tensor {
	if h != nil {
		h(part, append([]*autograd.Tensor{t}, also...)...)
	}
	return t
}

// LSKAttention is LSKNet's Attention: 1x1 -> GELU -> LSKblock -> 1x1, plus the input.
type LSKAttention struct {
	nn.Children
	Proj1, Proj2 *nn.Conv2d
	SGU          *LSKblock
}

// NewLSKAttention builds the attention for dim channels.
func NewLSKAttention(rng *rand.Rand, dim int) *LSKAttention {
	a := &LSKAttention{Proj1: conv(rng, dim, dim, 1, 1, 0, true)}
	a.SGU = NewLSKblock(rng, dim)
	a.Proj2 = conv(rng, dim, dim, 1, 1, 0, true)
	a.Children = nn.Children{{Name: "proj_1", M: a.Proj1}, {Name: "spatial_gating_unit", M: a.SGU}, {Name: "proj_2", M: a.Proj2}}
	return a
}

// Forward applies the attention with its shortcut.
func (a *LSKAttention) Forward(x *autograd.Tensor) *autograd.Tensor { return a.forward(x, nil) }

// In inference (nothing recorded) proj_1's GELU and proj_2's shortcut run inside the
// convolutions (autograd.Conv2dGELU, Conv2dAdd: the same values, a pass less over the
// map each); the staged profile then charges the GELU to "proj_1", and "gelu_1"
// reports the same output at once. With a graph recorded they are the plain ops, and
// "gelu_1" is the GELU alone.
func (a *LSKAttention) forward(x *autograd.Tensor, hook partHook) *autograd.Tensor {
	p1 := a.Proj1
	var y *autograd.Tensor
	if autograd.Records(x, p1.Weight, p1.Bias) {
		p := hook.at("proj_1", p1.Forward(x))
		y = hook.at("gelu_1", autograd.GELU(p))
		p.Release()
	} else {
		y = hook.at("gelu_1", hook.at("proj_1", autograd.Conv2dGELU(x, p1.Weight, p1.Bias, p1.P)))
	}
	s := a.SGU.forward(y, hook)
	y.Release()
	p2 := a.Proj2
	out := hook.at("proj_2", autograd.Conv2dAdd(s, p2.Weight, p2.Bias, x, p2.P))
	s.Release()
	return out
}

// LSKMlp is 1x1 -> depthwise 3x3 -> GELU -> dropout -> 1x1 -> dropout.
type LSKMlp struct {
	nn.Children
	FC1, DWConv, FC2 *nn.Conv2d
	Drop             *nn.Dropout
}

// NewLSKMlp builds the MLP dim -> hidden -> dim.
func NewLSKMlp(rng *rand.Rand, dim, hidden int, drop float32, dropRng *rand.Rand) *LSKMlp {
	m := &LSKMlp{FC1: conv(rng, dim, hidden, 1, 1, 0, true)}
	m.DWConv = nn.NewConv2d(rng, hidden, hidden, 3, 3, nn.ConvOpts{PadH: 1, PadW: 1, Groups: hidden, Bias: true})
	m.FC2 = conv(rng, hidden, dim, 1, 1, 0, true)
	m.Drop = nn.NewDropout(drop, dropRng)
	m.Children = nn.Children{{Name: "fc1", M: m.FC1}, {Name: "dwconv", M: nn.Children{{Name: "dwconv", M: m.DWConv}}},
		{Name: "fc2", M: m.FC2}, {Name: "drop", M: m.Drop}}
	return m
}

// Forward applies the MLP. The depthwise conv and the GELU run as one fused op
// (identical values and gradients, one pass less over the hidden activation each way).
func (m *LSKMlp) Forward(x *autograd.Tensor) *autograd.Tensor { return m.forward(x, nil) }

func (m *LSKMlp) forward(x *autograd.Tensor, hook partHook) *autograd.Tensor {
	f := hook.at("fc1", m.FC1.Forward(x))
	var h *autograd.Tensor
	dw := m.DWConv
	if dw.P.Groups == f.Shape[1] && dw.Weight.Shape[0] == f.Shape[1] {
		h = autograd.DepthwiseConv2dGELU(f, dw.Weight, dw.Bias, dw.P)
	} else {
		c := dw.Forward(f)
		h = autograd.GELU(c)
		c.Release()
	}
	f.Release()
	h = hook.at("dwconv3x3+gelu", h)
	d := hook.at("dropout_1", m.Drop.Forward(h)) // h itself in eval mode
	y := hook.at("fc2", m.FC2.Forward(d))
	release(h)
	releaseUnless(d, h)
	out := hook.at("dropout_2", m.Drop.Forward(y))
	releaseUnless(y, out)
	return out
}

// LSKBlock is one LSKNet block: x + ls1*Attn(BN(x)), then x + ls2*Mlp(BN(x)), each
// branch through stochastic depth.
type LSKBlock struct {
	nn.Children
	LayerScale1, LayerScale2 *autograd.Tensor
	Norm1, Norm2             *nn.BatchNorm2d
	Attn                     *LSKAttention
	Mlp                      *LSKMlp
	DropPath                 *nn.DropPath
}

// NewLSKBlock builds a block; layer scales start at 1e-2 as in the official code.
func NewLSKBlock(rng *rand.Rand, dim, mlpRatio int, drop, dropPath float32, dropRng *rand.Rand) *LSKBlock {
	b := &LSKBlock{
		LayerScale1: autograd.Param(autograd.Full(1e-2, dim).Data, dim),
		LayerScale2: autograd.Param(autograd.Full(1e-2, dim).Data, dim),
		Norm1:       nn.NewBatchNorm2d(dim, 0.1, 1e-5),
		Norm2:       nn.NewBatchNorm2d(dim, 0.1, 1e-5),
	}
	b.Attn = NewLSKAttention(rng, dim)
	b.Mlp = NewLSKMlp(rng, dim, dim*mlpRatio, drop, dropRng)
	b.DropPath = nn.NewDropPath(dropPath, dropRng)
	// PyTorch puts a module's own parameters before its children's.
	b.Children = nn.Children{{Name: "layer_scale_1", M: nn.ParamEntry{T: b.LayerScale1}},
		{Name: "layer_scale_2", M: nn.ParamEntry{T: b.LayerScale2}},
		{Name: "norm1", M: b.Norm1}, {Name: "norm2", M: b.Norm2}, {Name: "attn", M: b.Attn},
		{Name: "drop_path", M: b.DropPath}, {Name: "mlp", M: b.Mlp}}
	return b
}

// Forward applies the block to x [B, dim, H, W].
func (b *LSKBlock) Forward(x *autograd.Tensor) *autograd.Tensor {
	return b.ForwardMlp(b.ForwardAttn(x))
}

// ForwardAttn is the block's first residual half, x + ls1*Attn(BN(x)).
func (b *LSKBlock) ForwardAttn(x *autograd.Tensor) *autograd.Tensor { return b.attnHalf(x, nil, nil) }

// ForwardMlp is the block's second residual half, x + ls2*Mlp(BN(x)).
func (b *LSKBlock) ForwardMlp(x *autograd.Tensor) *autograd.Tensor { return b.mlpHalf(x, nil, nil) }

// samplewiseRunner runs f, the forward of module m (a branch without batch
// statistics), on x; nil means f(x).
type samplewiseRunner func(m nn.Module, f func(*autograd.Tensor) *autograd.Tensor, x *autograd.Tensor) *autograd.Tensor

func (r samplewiseRunner) run(m nn.Module, f func(*autograd.Tensor) *autograd.Tensor, x *autograd.Tensor) *autograd.Tensor {
	if r == nil {
		return f(x)
	}
	return r(m, f, x)
}

// attnHalf is x + DropPath(ls1 * Attn(BN(x))), the branch run through sw and its parts
// reported to hook.
func (b *LSKBlock) attnHalf(x *autograd.Tensor, sw samplewiseRunner, hook partHook) *autograd.Tensor {
	in := hook.at("norm1", b.Norm1.Forward(x))
	a := sw.run(b.Attn, func(y *autograd.Tensor) *autograd.Tensor { return b.Attn.forward(y, hook) }, in)
	out := hook.at("scale_1", b.scaleResidual(x, a, b.LayerScale1))
	release(in)
	releaseUnless(a, in) // a is in only if the branch handed back its input
	return out
}

// mlpHalf is x + DropPath(ls2 * Mlp(BN(x))), as attnHalf.
func (b *LSKBlock) mlpHalf(x *autograd.Tensor, sw samplewiseRunner, hook partHook) *autograd.Tensor {
	in := hook.at("norm2", b.Norm2.Forward(x))
	a := sw.run(b.Mlp, func(y *autograd.Tensor) *autograd.Tensor { return b.Mlp.forward(y, hook) }, in)
	out := hook.at("scale_2", b.scaleResidual(x, a, b.LayerScale2))
	release(in)
	releaseUnless(a, in) // a is in only if the branch handed back its input
	return out
}

// scaleResidual is x + DropPath(ls * a) (ls per channel) as one fused op. The drop-path
// factors are drawn here, after the branch's own dropout draws, where DropPath drew
// them.
func (b *LSKBlock) scaleResidual(x, a, ls *autograd.Tensor) *autograd.Tensor {
	d := b.DropPath
	keep := autograd.DropPathKeep(x.Shape[0], d.P, d.Rng, d.Training)
	return autograd.ScaleResidual(x, a, ls, keep)
}

// PatchEmbed is OverlapPatchEmbed: a strided convolution (bias, padding k/2) and BN.
type PatchEmbed struct {
	nn.Children
	Proj *nn.Conv2d
	Norm *nn.BatchNorm2d
}

// NewPatchEmbed builds a patch embedding with kernel k and stride s.
func NewPatchEmbed(rng *rand.Rand, in, out, k, s int) *PatchEmbed {
	p := &PatchEmbed{Proj: conv(rng, in, out, k, s, k/2, true), Norm: nn.NewBatchNorm2d(out, 0.1, 1e-5)}
	p.Children = nn.Children{{Name: "proj", M: p.Proj}, {Name: "norm", M: p.Norm}}
	return p
}

// Forward embeds x.
func (p *PatchEmbed) Forward(x *autograd.Tensor) *autograd.Tensor {
	return nn.ConvBN(p.Proj, p.Norm, x)
}

// LSKNet is the satellite backbone. Stage i: patch embedding (7x7/4 for the first
// stage, 3x3/2 after), blocks, then LayerNorm (eps 1e-6) over channels.
type LSKNet struct {
	nn.Children
	Embeds [4]*PatchEmbed
	Blocks [4][]*LSKBlock
	Norms  [4]*nn.LayerNorm
	// Checkpoint, when set, runs each block's two residual halves through it as
	// Checkpoint(block, half, x) (Config.Recompute); nil runs the blocks plainly.
	Checkpoint func(m nn.Module, f func(*autograd.Tensor) *autograd.Tensor, x *autograd.Tensor) *autograd.Tensor
	// Samplewise, when set, runs the attention and MLP branches of the blocks (no
	// batch statistics inside) as Samplewise(branch, branch.Forward, x), in chunks of
	// samples (Config.RecomputeChunk).
	Samplewise func(m nn.Module, f func(*autograd.Tensor) *autograd.Tensor, x *autograd.Tensor) *autograd.Tensor
}

// NewLSKNet builds the backbone. Drop-path rates grow linearly from 0 to
// dropPathRate over all blocks, as timm's stochastic-depth rule.
func NewLSKNet(rng *rand.Rand, dims, depths, mlpRatios [4]int, drop, dropPathRate float32, dropRng *rand.Rand) *LSKNet {
	n := &LSKNet{}
	total := depths[0] + depths[1] + depths[2] + depths[3]
	cur := 0
	in := 3
	for i := range 4 {
		k, s := 3, 2
		if i == 0 {
			k, s = 7, 4
		}
		n.Embeds[i] = NewPatchEmbed(rng, in, dims[i], k, s)
		var blocks []nn.Module
		for j := range depths[i] {
			dp := float32(0)
			if total > 1 {
				dp = float32(float64(dropPathRate) * float64(cur+j) / float64(total-1))
			}
			b := NewLSKBlock(rng, dims[i], mlpRatios[i], drop, dp, dropRng)
			n.Blocks[i] = append(n.Blocks[i], b)
			blocks = append(blocks, b)
		}
		cur += depths[i]
		n.Norms[i] = nn.NewLayerNorm(dims[i], 1e-6)
		si := strconv.Itoa(i + 1)
		n.Children = append(n.Children, nn.Child{Name: "patch_embed" + si, M: n.Embeds[i]},
			nn.Child{Name: "block" + si, M: nn.NewSequential(blocks...)}, nn.Child{Name: "norm" + si, M: n.Norms[i]})
		in = dims[i]
	}
	return n
}

// Forward returns the four stage outputs (strides 4, 8, 16, 32).
func (n *LSKNet) Forward(x *autograd.Tensor) [4]*autograd.Tensor {
	var outs [4]*autograd.Tensor
	for i := range 4 {
		// x is the caller's image or the previous stage's output (handed out): every
		// map after the embedding is this stage's own and released when consumed.
		x = n.Embeds[i].Forward(x)
		step := func(f func(*autograd.Tensor) *autograd.Tensor) {
			y := f(x)
			x.Release()
			x = y
		}
		for _, b := range n.Blocks[i] {
			sw := samplewiseRunner(n.Samplewise)
			attn := func(x *autograd.Tensor) *autograd.Tensor { return b.attnHalf(x, sw, nil) }
			mlp := func(x *autograd.Tensor) *autograd.Tensor { return b.mlpHalf(x, sw, nil) }
			if n.Checkpoint != nil {
				// Each residual half apart: the recomputation then holds one
				// branch's activations at a time (the MLP's, 8x wide, dominate).
				step(func(x *autograd.Tensor) *autograd.Tensor { return n.Checkpoint(b, attn, x) })
				step(func(x *autograd.Tensor) *autograd.Tensor { return n.Checkpoint(b, mlp, x) })
			} else {
				step(attn)
				step(mlp)
			}
		}
		step(func(x *autograd.Tensor) *autograd.Tensor { return channelLayerNorm(n.Norms[i], x) })
		outs[i] = x
	}
	return outs
}

// channelLayerNorm normalises an NCHW map over its channels at every pixel (the
// official code permutes to channels-last, applies the LayerNorm and permutes back).
func channelLayerNorm(ln *nn.LayerNorm, x *autograd.Tensor) *autograd.Tensor {
	return autograd.LayerNormChannels(x, ln.Weight, ln.Bias, ln.Eps)
}
