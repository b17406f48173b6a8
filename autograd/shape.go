package autograd

import (
	"fmt"

	"github.com/cvogl/halo/ops"
)

// Concat joins tensors along axis (negative counts from the end). All inputs need the
// same number of dimensions and equal sizes on every other axis.
func Concat(axis int, xs ...*Tensor) *Tensor {
	if len(xs) == 0 {
		panic("autograd.Concat: no tensors")
	}
	first := xs[0]
	nd := len(first.Shape)
	if nd == 0 {
		panic("autograd.Concat: cannot concatenate 0-dimensional tensors; Reshape them to [1] first")
	}
	axis = ops.NormAxis("autograd.Concat", axis, nd)
	sizes := make([]int, len(xs))
	srcs := make([][]float32, len(xs))
	total := 0
	for j, x := range xs {
		if len(x.Shape) != nd {
			panic(fmt.Sprintf("autograd.Concat: tensor %d is %s, tensor 0 is %s: ranks differ", j, tensorLabel(x), tensorLabel(first)))
		}
		for d := range nd {
			if d != axis && x.Shape[d] != first.Shape[d] {
				panic(fmt.Sprintf("autograd.Concat along axis %d: tensor %d is %s, tensor 0 is %s", axis, j, tensorLabel(x), tensorLabel(first)))
			}
		}
		sizes[j] = x.Shape[axis]
		srcs[j] = x.Data
		total += sizes[j]
	}
	shape := append([]int(nil), first.Shape...)
	shape[axis] = total
	outer, _, inner := ops.AxisSplit(shape, axis)
	out := Empty(shape...)
	ops.Concat(out.Data, srcs, sizes, outer, inner)
	return Record("concat", out, func(g []float32) {
		grads := make([][]float32, len(xs))
		for j, x := range xs {
			if x.requiresGrad {
				grads[j] = x.GradBuf()
			}
		}
		ops.ConcatBackward(grads, g, sizes, outer, inner)
	}, xs...)
}

// Stack joins tensors of one shape along a new axis inserted at axis (negative counts
// from the end of the result's axes), as torch.stack.
func Stack(axis int, xs ...*Tensor) *Tensor {
	if len(xs) == 0 {
		panic("autograd.Stack: no tensors")
	}
	nd := len(xs[0].Shape)
	axis = ops.NormAxis("autograd.Stack", axis, nd+1)
	views := make([]*Tensor, len(xs))
	for j, x := range xs {
		if !SameShape(x.Shape, xs[0].Shape) {
			panic(fmt.Sprintf("autograd.Stack: tensor %d is %s, tensor 0 is %s", j, tensorLabel(x), tensorLabel(xs[0])))
		}
		shape := append(append(append([]int(nil), x.Shape[:axis]...), 1), x.Shape[axis:]...)
		views[j] = Reshape(x, shape...)
	}
	return Concat(axis, views...)
}

// Split cuts x along axis into consecutive pieces of the given sizes, which must add up
// to the axis length.
func Split(x *Tensor, axis int, sizes ...int) []*Tensor {
	axis = ops.NormAxis("autograd.Split of "+tensorLabel(x), axis, len(x.Shape))
	total := 0
	for _, s := range sizes {
		if s < 0 {
			panic(fmt.Sprintf("autograd.Split of %s: negative size in %v", tensorLabel(x), sizes))
		}
		total += s
	}
	if total != x.Shape[axis] {
		panic(fmt.Sprintf("autograd.Split of %s: sizes %v add up to %d, axis %d has %d", tensorLabel(x), sizes, total, axis, x.Shape[axis]))
	}
	out := make([]*Tensor, len(sizes))
	start := 0
	for j, s := range sizes {
		out[j] = Slice(x, axis, start, start+s)
		start += s
	}
	return out
}

// Slice returns x[..., start:end, ...] along axis (negative counts from the end);
// start and end must satisfy 0 <= start <= end <= the axis length.
func Slice(x *Tensor, axis, start, end int) *Tensor {
	axis = ops.NormAxis("autograd.Slice of "+tensorLabel(x), axis, len(x.Shape))
	outer, n, inner := ops.AxisSplit(x.Shape, axis)
	if start < 0 || end > n || start > end {
		panic(fmt.Sprintf("autograd.Slice of %s: range [%d, %d) outside axis %d of size %d", tensorLabel(x), start, end, axis, n))
	}
	shape := append([]int(nil), x.Shape...)
	shape[axis] = end - start
	out := Empty(shape...)
	ops.SliceAxis(out.Data, x.Data, outer, n, inner, start, end)
	return Record("slice", out, func(g []float32) {
		if x.requiresGrad {
			ops.SliceAxisBackward(x.GradBuf(), g, outer, n, inner, start, end)
		}
	}, x)
}

// IndexSelect picks the entries idx of x along axis (negative counts from the end);
// indices may repeat, and the gradients of repeated picks add up.
func IndexSelect(x *Tensor, axis int, idx []int) *Tensor {
	axis = ops.NormAxis("autograd.IndexSelect of "+tensorLabel(x), axis, len(x.Shape))
	outer, n, inner := ops.AxisSplit(x.Shape, axis)
	for j, k := range idx {
		if k < 0 || k >= n {
			panic(fmt.Sprintf("autograd.IndexSelect of %s: index %d (position %d) outside axis %d of size %d", tensorLabel(x), k, j, axis, n))
		}
	}
	idx = append([]int(nil), idx...)
	shape := append([]int(nil), x.Shape...)
	shape[axis] = len(idx)
	out := Empty(shape...)
	ops.IndexSelect(out.Data, x.Data, outer, n, inner, idx)
	return Record("index_select", out, func(g []float32) {
		if x.requiresGrad {
			ops.IndexSelectBackward(x.GradBuf(), g, outer, n, inner, idx)
		}
	}, x)
}

// Reshape returns x with a new shape of the same element count; one size may be -1
// and is then inferred. The result is a view: it shares x's Data (not its gradient),
// so writing into one changes the other.
func Reshape(x *Tensor, shape ...int) *Tensor {
	shape = append([]int(nil), shape...)
	infer, known := -1, 1
	for i, d := range shape {
		switch {
		case d == -1 && infer < 0:
			infer = i
		case d < 0:
			panic(fmt.Sprintf("autograd.Reshape of %s to %v: bad size %d", tensorLabel(x), shape, d))
		default:
			known *= d
		}
	}
	if infer >= 0 {
		if known == 0 || len(x.Data)%known != 0 {
			panic(fmt.Sprintf("autograd.Reshape of %s to %v: cannot infer the -1 size", tensorLabel(x), shape))
		}
		shape[infer] = len(x.Data) / known
	} else if known != len(x.Data) {
		panic(fmt.Sprintf("autograd.Reshape of %s to %v: %d elements vs %d", tensorLabel(x), shape, len(x.Data), known))
	}
	out := x.view(shape, x.Data) // shares x's buffer: see release.go
	out.Name = ""
	return Record("reshape", out, func(g []float32) {
		if x.requiresGrad {
			ops.AddTo(x.GradBuf(), g)
		}
	}, x)
}

// Flatten merges the axes from `from` (negative counts from the end) to the last into
// one, as torch.flatten(x, from).
func Flatten(x *Tensor, from int) *Tensor {
	if len(x.Shape) == 0 {
		return Reshape(x, 1)
	}
	from = ops.NormAxis("autograd.Flatten of "+tensorLabel(x), from, len(x.Shape))
	shape := append(append([]int(nil), x.Shape[:from]...), Numel(x.Shape[from:]))
	return Reshape(x, shape...)
}

// Permute reorders the axes of x: output axis i is input axis perm[i] (negative entries
// count from the end). The result is a contiguous copy.
func Permute(x *Tensor, perm ...int) *Tensor {
	nd := len(x.Shape)
	p := make([]int, len(perm))
	for i, a := range perm {
		if a < -nd || a >= nd {
			panic(fmt.Sprintf("autograd.Permute of %s: %v is not a permutation of %d axes", tensorLabel(x), perm, nd))
		}
		p[i] = (a + nd) % nd
	}
	shape, err := ops.PermuteShape(x.Shape, p)
	if err != nil {
		panic(fmt.Sprintf("autograd.Permute of %s: %v", tensorLabel(x), err))
	}
	inv := make([]int, nd)
	for i, a := range p {
		inv[a] = i
	}
	out := Empty(shape...)
	ops.Permute(out.Data, x.Data, x.Shape, p, false)
	return Record("permute", out, func(g []float32) {
		if x.requiresGrad {
			ops.Permute(x.GradBuf(), g, shape, inv, true)
		}
	}, x)
}

// Transpose swaps axes a and b of x (negative counts from the end).
func Transpose(x *Tensor, a, b int) *Tensor {
	nd := len(x.Shape)
	a = ops.NormAxis("autograd.Transpose of "+tensorLabel(x), a, nd)
	b = ops.NormAxis("autograd.Transpose of "+tensorLabel(x), b, nd)
	perm := make([]int, nd)
	for i := range perm {
		perm[i] = i
	}
	perm[a], perm[b] = b, a
	return Permute(x, perm...)
}
