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
package autograd
