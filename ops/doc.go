// Package ops holds forward and backward kernels on raw float32 buffers with explicit
// shapes: convolution, pooling, normalisation, activations, interpolation, reductions
// and attention. Nothing here knows about autograd; package autograd wraps these
// kernels into differentiable functions. Hot inner loops call package simd.
package ops
