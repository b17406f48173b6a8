// Package autograd holds the float32 Tensor, the reverse-mode tape that records
// differentiable operations, and the differentiable functions HALO is built from.
//
// Every function records at most one node on the tape. A node keeps its inputs and
// a closure that, given the gradient of its output, accumulates the gradients of its
// inputs; the closure is written right after the forward computation it undoes, so a
// reader sees each op's maths and its derivative side by side. Backward walks the
// tape in reverse topological order from a scalar.
//
// In NoGrad mode nothing is recorded and no intermediate is kept alive, which is how
// inference runs.
//
// Memory: Zeros and Empty draw their buffers from the simd buffer pool, Backward
// returns the gradients of intermediate tensors to it as soon as their node has run,
// and model code calls Release on intermediates it will not read again. Release is
// safe in both modes: in NoGrad the buffer goes back at once, in grad mode only after
// every recorded node that reads it has run its backward (release.go has the rules).
// So a steady-state training step or inference pass reuses last step's buffers
// instead of faulting in and zeroing fresh memory.
package autograd
