package nn

import (
	"github.com/cvogl/halo/autograd"
)

// BatchNorm2d is torch.nn.BatchNorm2d (affine, tracking running statistics).
// Momentum follows PyTorch's convention: running = (1-momentum)*running +
// momentum*batch (HALO's ConvBatchNormReLU uses 0.999).
type BatchNorm2d struct {
	Weight, Bias            *autograd.Tensor
	RunningMean, RunningVar *autograd.Tensor // buffers
	NumBatchesTracked       int64
	Momentum, Eps           float32
	Training                bool
}

// NewBatchNorm2d returns a batch norm over c channels in training mode: weight 1,
// bias 0, running mean 0, running variance 1 (PyTorch defaults: momentum 0.1,
// eps 1e-5).
func NewBatchNorm2d(c int, momentum, eps float32) *BatchNorm2d {
	return &BatchNorm2d{
		Weight:      autograd.Param(autograd.Full(1, c).Data, c),
		Bias:        autograd.Param(make([]float32, c), c),
		RunningMean: autograd.Zeros(c),
		RunningVar:  autograd.Full(1, c),
		Momentum:    momentum, Eps: eps, Training: true,
	}
}

// Forward normalises an NCHW batch: with batch statistics (updating the running
// ones and the batch counter) in training mode, with the running ones in eval mode.
func (b *BatchNorm2d) Forward(x *autograd.Tensor) *autograd.Tensor {
	// A recomputation (autograd.Checkpoint's backward) replays a forward that was
	// already counted.
	if b.Training && !autograd.Recomputing() {
		b.NumBatchesTracked++
	}
	return autograd.BatchNorm2d(x, b.Weight, b.Bias, b.RunningMean.Data, b.RunningVar.Data,
		b.Training, b.Momentum, b.Eps)
}

// Visit reports weight, bias, running_mean, running_var, num_batches_tracked.
func (b *BatchNorm2d) Visit(prefix string, fn func(string, *Entry)) {
	if b.Weight != nil {
		fn(Join(prefix, "weight"), &Entry{T: b.Weight})
	}
	if b.Bias != nil {
		fn(Join(prefix, "bias"), &Entry{T: b.Bias})
	}
	fn(Join(prefix, "running_mean"), &Entry{T: b.RunningMean, Buffer: true})
	fn(Join(prefix, "running_var"), &Entry{T: b.RunningVar, Buffer: true})
	fn(Join(prefix, "num_batches_tracked"), &Entry{Buffer: true, Count: &b.NumBatchesTracked})
}

// SetTraining selects batch (true) or running (false) statistics.
func (b *BatchNorm2d) SetTraining(train bool) { b.Training = train }

// LayerNorm is torch.nn.LayerNorm over the last axis (elementwise affine).
type LayerNorm struct {
	Weight, Bias *autograd.Tensor
	Eps          float32
}

// NewLayerNorm returns a layer norm over the last axis of size c: weight 1, bias 0.
func NewLayerNorm(c int, eps float32) *LayerNorm {
	return &LayerNorm{
		Weight: autograd.Param(autograd.Full(1, c).Data, c),
		Bias:   autograd.Param(make([]float32, c), c),
		Eps:    eps,
	}
}

// Forward normalises over the last axis.
func (l *LayerNorm) Forward(x *autograd.Tensor) *autograd.Tensor {
	return autograd.LayerNorm(x, l.Weight, l.Bias, l.Eps)
}

// Visit reports weight then bias.
func (l *LayerNorm) Visit(prefix string, fn func(string, *Entry)) {
	if l.Weight != nil {
		fn(Join(prefix, "weight"), &Entry{T: l.Weight})
	}
	if l.Bias != nil {
		fn(Join(prefix, "bias"), &Entry{T: l.Bias})
	}
}

// SetTraining does nothing: layer norm behaves the same in both modes.
func (l *LayerNorm) SetTraining(bool) {}
