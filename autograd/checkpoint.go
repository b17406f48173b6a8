package autograd

import (
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/cvogl/halo/ops"
)

// recomputing counts Checkpoint recomputations in progress (they may nest).
var recomputing atomic.Int32

// Recomputing reports whether a Checkpoint is re-running its function to build the
// graph for the backward pass. The forward already happened once, so side effects of
// a forward (BatchNorm's running statistics, batch counters) must be skipped now or
// they would be applied twice. Like NoGrad, the flag is process-wide: train one model
// at a time while checkpoints recompute.
func Recomputing() bool { return recomputing.Load() > 0 }

// Checkpoint computes fn(inputs) without keeping its intermediate activations
// (activation recomputation, torch.utils.checkpoint): the forward runs fn under
// NoGrad, so only the inputs and the result stay alive; the backward pass runs fn
// again with recording on, from detached copies of the inputs, and sends the incoming
// gradient through that subgraph into the inputs and into every parameter fn uses
// (captured leaves accumulate their gradients as usual). Memory drops from all of
// fn's activations to the largest single recomputed fn; time grows by one forward.
//
// fn must compute the same values when run twice: ops are deterministic, BatchNorm
// skips its running-statistics update while Recomputing, and random draws (dropout)
// need CheckpointState to replay the generator. With recording off (NoGrad) this is
// just fn(inputs). With it on, the result requires a gradient whatever the inputs,
// since fn's parameters are invisible here. fn's result belongs to the checkpoint
// (which releases it once copied into its own header): fn returns a fresh tensor or
// one of its inputs, never one it keeps elsewhere.
func Checkpoint(fn func(in []*Tensor) *Tensor, inputs ...*Tensor) *Tensor {
	return CheckpointState(nil, fn, inputs...)
}

// CheckpointState is Checkpoint for an fn that changes state outside its inputs, such
// as a random generator. save, when non-nil, captures that state and returns a
// function restoring it. It is called before the forward; before the recomputation
// the state is saved again, rewound to the forward's, and after it put back, so the
// recomputation draws exactly the forward's numbers (the same dropout masks) and
// whatever draws come after the backward are unchanged.
func CheckpointState(save func() (restore func()), fn func(in []*Tensor) *Tensor, inputs ...*Tensor) *Tensor {
	if !GradEnabled() {
		return fn(inputs)
	}
	var rewind func()
	if save != nil {
		rewind = save()
	}
	var out *Tensor
	NoGrad(func() {
		y := fn(inputs)
		// A new header: fn may have returned one of its inputs (an identity in eval
		// mode), whose own graph must stay untouched. As a view it keeps y's buffer
		// alive, so y itself, fn's fresh result, is released (in NoGrad, at once).
		out = y.view(y.Shape, y.Data)
		out.Name = ""
		if !slices.Contains(inputs, y) {
			y.Release()
		}
	})
	attach(out, "checkpoint", func(g []float32) {
		recompute(g, rewind, save, fn, inputs)
	}, inputs)
	return out
}

// recompute rebuilds fn's graph and backpropagates g through it into inputs.
func recompute(g []float32, rewind func(), save func() func(), fn func([]*Tensor) *Tensor, inputs []*Tensor) {
	// Leaves sharing the inputs' data without a reference of their own: they live only
	// during this call, while the checkpoint node (a reader of inputs) keeps the
	// inputs' buffers alive, and Release on them does nothing.
	det := make([]*Tensor, len(inputs))
	for i, in := range inputs {
		if in != nil {
			det[i] = &Tensor{Shape: in.Shape, Data: in.Data, Name: in.Name, requiresGrad: in.requiresGrad}
		}
	}
	var back func()
	if save != nil {
		back = save()
		rewind()
	}
	// Backward may be running inside NoGrad (a caller's choice); the rebuilt graph
	// needs recording regardless.
	y := rerun(func() *Tensor { return fn(det) })
	if back != nil {
		back()
	}
	backwardRecomputed(y, det, g)
	for i, in := range inputs {
		d := det[i]
		if in == nil || !in.requiresGrad || d.Grad == nil {
			continue
		}
		if in.Grad == nil {
			// Hand the buffer over instead of adding into zeros (with its pool
			// ownership: in's Backward returns it).
			in.Grad, in.poolGrad = d.Grad, d.poolGrad
			continue
		}
		ops.AddTo(in.Grad, d.Grad)
		d.dropGrad()
	}
}

// CheckpointChunks is Checkpoint for a samplewise fn, one that treats the samples
// along axis 0 of every input independently and returns one output sample per input
// sample (no BatchNorm inside, no reduction over the batch). It runs fn on chunks of
// chunk samples at a time (chunk <= 0 means 1), in the forward and in the
// recomputation, so the activations alive at once are those of one chunk whatever
// the batch size; under NoGrad that lowers the forward's peak too.
//
// prepare, when non-nil, is called before each run of fn on samples [start, end) and
// returns a function called after it: the place to position a random generator so
// that the chunk draws exactly the numbers the whole batch would have drawn for its
// samples. Gradients of parameters are sums over chunks, so they can differ from a
// whole-batch run by float rounding; outputs and input gradients are per sample.
func CheckpointChunks(chunk int, prepare func(start, end int) (done func()), fn func(in []*Tensor) *Tensor, inputs ...*Tensor) *Tensor {
	b := -1
	for _, in := range inputs {
		if in == nil {
			continue
		}
		if len(in.Shape) == 0 || b >= 0 && in.Shape[0] != b {
			panic(fmt.Sprintf("autograd.CheckpointChunks: input %s has no sample axis of length %d", tensorLabel(in), b))
		}
		b = in.Shape[0]
	}
	if b < 0 {
		panic("autograd.CheckpointChunks: no input")
	}
	if chunk <= 0 {
		chunk = 1
	}
	slices := func(start, end int, leaf bool) []*Tensor {
		cs := make([]*Tensor, len(inputs))
		for i, in := range inputs {
			if in == nil {
				continue
			}
			per := len(in.Data) / b
			shape := append([]int{end - start}, in.Shape[1:]...)
			// No buffer reference, as for Checkpoint's detached inputs: the slices live
			// only while fn runs on them, and the caller (forward) or the node (backward)
			// holds the inputs meanwhile.
			cs[i] = &Tensor{Shape: shape, Data: in.Data[start*per : end*per : end*per], Name: in.Name}
			if leaf {
				cs[i].requiresGrad = in.requiresGrad
			}
		}
		return cs
	}
	run := func(start, end int, in []*Tensor) *Tensor {
		if prepare != nil {
			defer prepare(start, end)()
		}
		return fn(in)
	}
	var out *Tensor
	NoGrad(func() {
		for s := 0; s < b; s += chunk {
			e := min(s+chunk, b)
			y := run(s, e, slices(s, e, false))
			if len(y.Shape) == 0 || y.Shape[0] != e-s {
				panic(fmt.Sprintf("autograd.CheckpointChunks: fn gave %v for %d samples", y.Shape, e-s))
			}
			if out == nil {
				out = Empty(append([]int{b}, y.Shape[1:]...)...) // the chunks cover it
			}
			per := len(out.Data) / b
			copy(out.Data[s*per:e*per], y.Data)
			y.Release() // a no-op where fn returned (a view of) its input slice
		}
	})
	if !GradEnabled() {
		return out
	}
	attach(out, "checkpoint_chunks", func(g []float32) {
		per := len(out.Data) / b
		for s := 0; s < b; s += chunk {
			e := min(s+chunk, b)
			det := slices(s, e, true)
			y := rerun(func() *Tensor { return run(s, e, det) })
			backwardRecomputed(y, det, g[s*per:e*per])
			for i, in := range inputs {
				if in == nil || !in.requiresGrad || det[i].Grad == nil {
					continue
				}
				ip := len(in.Data) / b
				ops.AddTo(in.GradBuf()[s*ip:e*ip], det[i].Grad)
				det[i].dropGrad()
			}
		}
	}, inputs)
	return out
}

// rerun runs f with recording on (Backward may be running inside a caller's NoGrad)
// and Recomputing reporting true, and restores both.
func rerun(f func() *Tensor) *Tensor {
	off := noGrad.Swap(0)
	recomputing.Add(1)
	defer func() {
		recomputing.Add(-1)
		noGrad.Add(off)
	}()
	return f()
}

// backwardRecomputed sends g back through the recomputed result y into the detached
// inputs det (and the parameters fn used).
func backwardRecomputed(y *Tensor, det []*Tensor, g []float32) {
	if y.requiresGrad {
		releaseResult(y, det)
		Backward([]*Tensor{y}, [][]float32{g})
	}
}

// releaseResult releases a recomputed result y before its backward pass, so the tape
// returns its buffer to the pool once y's node has run (a Release after Backward would
// come too late: y is then indistinguishable from a leaf). y may be one of the detached
// inputs (fn returned its input), which stay the caller's.
func releaseResult(y *Tensor, det []*Tensor) {
	for _, d := range det {
		if y == d {
			return
		}
	}
	y.Release()
}
