package halo

import (
	"strconv"

	"github.com/cvogl/halo/autograd"
	"github.com/cvogl/halo/nn"
)

// Releasing intermediates.
//
// A module's forward releases (autograd.Tensor.Release) each tensor it made once its
// own code has no further use for it, so the buffer goes back to the pool: at once in
// inference (NoGrad), and in training as soon as the backward pass is done with it
// (autograd keeps a released tensor alive while a recorded op may still read it). A
// module never releases its inputs (the caller's) or what it returns; where an op may
// hand back its input unchanged (dropout in eval mode), releasing the input would
// release the result, so such pairs go through releaseUnless.

// release releases every tensor in ts (nil entries allowed).
func release(ts ...*autograd.Tensor) {
	for _, t := range ts {
		t.Release()
	}
}

// releaseUnless releases t unless it is one of keep.
func releaseUnless(t *autograd.Tensor, keep ...*autograd.Tensor) {
	for _, k := range keep {
		if t == k {
			return
		}
	}
	t.Release()
}

// forwardSeq is s.Forward(x) that releases each child's output once the next child
// has consumed it (nn.Sequential keeps them all to the end of the forward).
func forwardSeq(s *nn.Sequential, x *autograd.Tensor) *autograd.Tensor {
	cur := x
	for i, m := range s.Layers {
		f, ok := m.(nn.Forwarder)
		if !ok {
			panic("halo: Sequential child " + strconv.Itoa(i) + " has no Forward method")
		}
		y := f.Forward(cur)
		if cur != x {
			releaseUnless(cur, y)
		}
		cur = y
	}
	return cur
}
