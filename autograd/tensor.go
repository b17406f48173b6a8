package autograd

import (
	"fmt"
	"math"
	"sync/atomic"
	"unsafe"

	"github.com/cvogl/halo/simd"
)

// Tensor is a contiguous, row-major float32 array with an optional gradient.
//
// Data and Grad are plain slices so kernels and optimisers can work on them
// directly. Grad is nil until a backward pass (or an optimiser) needs it.
type Tensor struct {
	Shape []int
	Data  []float32
	Grad  []float32

	// Name is optional and only used in error messages (parameters carry their
	// state_dict key here).
	Name string

	requiresGrad bool
	retainGrad   bool
	node         *node // the op that produced this tensor; nil for leaves

	// Buffer ownership (release.go): buf is the pooled buffer behind Data, shared by
	// every view of it; readers counts recorded nodes that read this tensor and have
	// not run their backward yet; rel is where Release has got to.
	buf      *bufRef
	readers  atomic.Int32
	rel      atomic.Int32
	poolGrad *float32 // Grad's first element when GradBuf took it from the pool
}

// New wraps data (not copied) in a tensor of the given shape.
func New(data []float32, shape ...int) *Tensor {
	if n := Numel(shape); n != len(data) {
		panic(fmt.Sprintf("autograd.New: %d values for shape %v (%d elements)", len(data), shape, n))
	}
	return &Tensor{Shape: append([]int(nil), shape...), Data: data}
}

// Zeros returns a zero-filled tensor. Large ones draw their buffer from the pool in
// package simd, so Release can hand it back for the next step.
func Zeros(shape ...int) *Tensor {
	return pooled(simd.GetZeroBuf(Numel(shape)), shape)
}

// Empty returns a tensor whose contents are undefined (a reused buffer holds whatever
// its last owner left): for op outputs that write every element before anyone reads.
func Empty(shape ...int) *Tensor {
	return pooled(simd.GetBuf(Numel(shape)), shape)
}

// Full returns a tensor filled with v.
func Full(v float32, shape ...int) *Tensor {
	t := Empty(shape...)
	for i := range t.Data {
		t.Data[i] = v
	}
	return t
}

// Scalar returns a 0-dimensional tensor holding v.
func Scalar(v float32) *Tensor { return &Tensor{Shape: []int{}, Data: []float32{v}} }

// Param returns a leaf tensor that requires a gradient (a trainable parameter).
func Param(data []float32, shape ...int) *Tensor {
	t := New(data, shape...)
	t.requiresGrad = true
	return t
}

// Numel returns the number of elements of a shape (1 for the scalar shape []).
func Numel(shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 0 {
			panic(fmt.Sprintf("autograd: negative dimension in shape %v", shape))
		}
		n *= d
	}
	return n
}

// Numel returns the number of elements.
func (t *Tensor) Numel() int { return len(t.Data) }

// Dims returns the number of dimensions.
func (t *Tensor) Dims() int { return len(t.Shape) }

// Item returns the value of a one-element tensor.
func (t *Tensor) Item() float32 {
	if len(t.Data) != 1 {
		panic(fmt.Sprintf("autograd: Item on a tensor of shape %v", t.Shape))
	}
	return t.Data[0]
}

// RequiresGrad reports whether gradients flow to this tensor.
func (t *Tensor) RequiresGrad() bool { return t.requiresGrad }

// SetRequiresGrad marks a leaf as trainable (or not). It panics on a non-leaf,
// whose requirement follows from its inputs.
func (t *Tensor) SetRequiresGrad(v bool) *Tensor {
	if t.node != nil {
		panic("autograd: SetRequiresGrad on a non-leaf tensor; use Detach first")
	}
	t.requiresGrad = v
	return t
}

// RetainGrad keeps this non-leaf tensor's gradient after Backward (leaves always
// keep theirs).
func (t *Tensor) RetainGrad() *Tensor { t.retainGrad = true; return t }

// IsLeaf reports whether the tensor was not produced by a recorded op.
func (t *Tensor) IsLeaf() bool { return t.node == nil }

// Detach returns a tensor sharing t's data that is cut from the graph. It is a view:
// t's buffer stays alive until both are released.
func (t *Tensor) Detach() *Tensor {
	return t.view(t.Shape, t.Data)
}

// Clone returns a detached deep copy of the data.
func (t *Tensor) Clone() *Tensor {
	return &Tensor{Shape: append([]int(nil), t.Shape...), Data: append([]float32(nil), t.Data...), Name: t.Name}
}

// ZeroGrad clears the gradient (keeping its buffer for reuse).
func (t *Tensor) ZeroGrad() {
	clear(t.Grad)
}

// GradBuf returns the gradient buffer, taking a zeroed one from the buffer pool on
// first use. Backward functions accumulate into it (+=), never overwrite: a tensor
// used twice receives the sum of both contributions. Backward returns the gradient
// buffers of intermediate tensors to the pool once their node has run.
func (t *Tensor) GradBuf() []float32 {
	if t.Grad == nil {
		t.Grad = simd.GetZeroBuf(len(t.Data))
		t.poolGrad = unsafe.SliceData(t.Grad)
	}
	return t.Grad
}

// dropGrad forgets t's gradient, returning its buffer to the pool when GradBuf took
// it from there (a Grad set from outside may still be held by whoever set it).
func (t *Tensor) dropGrad() {
	if t.poolGrad != nil && unsafe.SliceData(t.Grad) == t.poolGrad {
		simd.PutBuf(t.Grad)
	}
	t.Grad, t.poolGrad = nil, nil
}

// gradBuf is t.GradBuf() for a tensor that needs a gradient, nil for one that does not
// (or a nil t): the destination a backward passes to a kernel that skips nil ones.
func gradBuf(t *Tensor) []float32 {
	if t == nil || !t.requiresGrad {
		return nil
	}
	return t.GradBuf()
}

// String prints the shape and a few values.
func (t *Tensor) String() string {
	const show = 6
	s := fmt.Sprintf("Tensor%v[", t.Shape)
	for i, v := range t.Data {
		if i == show {
			s += " ..."
			break
		}
		if i > 0 {
			s += " "
		}
		s += fmt.Sprintf("%.4g", v)
	}
	return s + "]"
}

// SameShape reports whether two shapes are equal.
func SameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// FirstNonFinite returns the index of the first NaN or Inf in x, or -1.
func FirstNonFinite(x []float32) int {
	for i, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return i
		}
	}
	return -1
}
