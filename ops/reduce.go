package ops

import (
	"fmt"

	"github.com/cvogl/halo/simd"
)

// NormAxis turns a possibly negative axis into an index into a shape of ndim axes,
// panicking with op's name when it is out of range.
func NormAxis(op string, axis, ndim int) int {
	if axis < -ndim || axis >= ndim {
		panic(fmt.Sprintf("%s: axis %d out of range for %d dimensions", op, axis, ndim))
	}
	if axis < 0 {
		axis += ndim
	}
	return axis
}

// AxisSplit views shape as [outer, n, inner] around axis (already normalised): n is
// the axis length, outer and inner the products of the axes before and after it.
func AxisSplit(shape []int, axis int) (outer, n, inner int) {
	outer, inner = 1, 1
	for _, d := range shape[:axis] {
		outer *= d
	}
	for _, d := range shape[axis+1:] {
		inner *= d
	}
	return outer, shape[axis], inner
}

// forAxis runs fn(o, i0, i1) over the blocks [o, :, i0:i1] of a tensor viewed as
// [outer, n, inner], in parallel. Blocks touch disjoint output columns, and the inner
// axis is cut into pieces when there are too few outer entries to keep workers busy
// (a channel reduction of one image, say).
func forAxis(outer, n, inner int, fn func(o, i0, i1 int)) {
	const minPiece = 64
	parts := 1
	if t := simd.Threads(); outer < 4*t && inner >= 2*minPiece {
		parts = min((4*t+outer-1)/outer, inner/minPiece)
	}
	piece := (inner + parts - 1) / parts
	simd.ParallelFor(outer*parts, max(1, elemGrain/max(n*piece, 1)), func(lo, hi int) {
		for u := lo; u < hi; u++ {
			o, p := u/parts, u%parts
			if i0, i1 := p*piece, min((p+1)*piece, inner); i0 < i1 {
				fn(o, i0, i1)
			}
		}
	})
}

// SumAxis writes dst[o,i] = scale * sum_k x[o,k,i] for x viewed as [outer, n, inner].
// Sums are carried in float64 so long reductions keep float32 accuracy.
func SumAxis(dst, x []float32, outer, n, inner int, scale float32) {
	checkLen("SumAxis dst", len(dst), outer*inner)
	checkLen("SumAxis x", len(x), outer*n*inner)
	if inner == 1 {
		forAxis(outer, n, 1, func(o, _, _ int) {
			var s float64
			for _, v := range x[o*n : o*n+n] {
				s += float64(v)
			}
			dst[o] = float32(s) * scale
		})
		return
	}
	forAxis(outer, n, inner, func(o, i0, i1 int) {
		acc := make([]float64, i1-i0)
		for k := range n {
			base := (o*n + k) * inner
			for i, v := range x[base+i0 : base+i1] {
				acc[i] += float64(v)
			}
		}
		d := dst[o*inner+i0 : o*inner+i1]
		for i, s := range acc {
			d[i] = float32(s) * scale
		}
	})
}

// SumAxisBackward accumulates dx[o,k,i] += scale * g[o,i]: the gradient of SumAxis.
func SumAxisBackward(dx, g []float32, outer, n, inner int, scale float32) {
	checkLen("SumAxisBackward dx", len(dx), outer*n*inner)
	checkLen("SumAxisBackward g", len(g), outer*inner)
	forAxis(outer, n, inner, func(o, i0, i1 int) {
		gr := g[o*inner+i0 : o*inner+i1]
		for k := range n {
			base := (o*n + k) * inner
			simd.Axpy(scale, gr, dx[base+i0:base+i1])
		}
	})
}

// MaxAxis writes dst[o,i] = max_k x[o,k,i] and arg[o,i] = the first k attaining it
// (a NaN counts as the maximum, as in PyTorch). n must be positive.
func MaxAxis(dst []float32, arg []int32, x []float32, outer, n, inner int) {
	extremeAxis("MaxAxis", dst, arg, x, outer, n, inner, false)
}

// MinAxis is MaxAxis for the minimum (a NaN still wins).
func MinAxis(dst []float32, arg []int32, x []float32, outer, n, inner int) {
	extremeAxis("MinAxis", dst, arg, x, outer, n, inner, true)
}

func extremeAxis(name string, dst []float32, arg []int32, x []float32, outer, n, inner int, least bool) {
	checkLen(name+" dst", len(dst), outer*inner)
	checkLen(name+" arg", len(arg), outer*inner)
	checkLen(name+" x", len(x), outer*n*inner)
	if n <= 0 {
		panic("ops." + name + ": reduction over an empty axis")
	}
	forAxis(outer, n, inner, func(o, i0, i1 int) {
		d := dst[o*inner+i0 : o*inner+i1]
		a := arg[o*inner+i0 : o*inner+i1]
		copy(d, x[o*n*inner+i0:])
		clear(a)
		for k := 1; k < n; k++ {
			base := (o*n + k) * inner
			for i, v := range x[base+i0 : base+i1] {
				better := v > d[i]
				if least {
					better = v < d[i]
				}
				if better || v != v && d[i] == d[i] {
					d[i], a[i] = v, int32(k)
				}
			}
		}
	})
}

// MaxAxisBackward accumulates dx[o,arg[o,i],i] += g[o,i]: the gradient of MaxAxis (or
// MinAxis) goes to the chosen (first) extremum only.
func MaxAxisBackward(dx, g []float32, arg []int32, outer, n, inner int) {
	checkLen("MaxAxisBackward dx", len(dx), outer*n*inner)
	checkLen("MaxAxisBackward g", len(g), outer*inner)
	checkLen("MaxAxisBackward arg", len(arg), outer*inner)
	forAxis(outer, 1, inner, func(o, i0, i1 int) {
		for i := i0; i < i1; i++ {
			j := o*inner + i
			dx[(o*n+int(arg[j]))*inner+i] += g[j]
		}
	})
}

// SumAll returns the sum of x carried in float64.
func SumAll(x []float32) float64 {
	var s float64
	for _, v := range x {
		s += float64(v)
	}
	return s
}

// AddConst accumulates dst += v.
func AddConst(dst []float32, v float32) {
	for i := range dst {
		dst[i] += v
	}
}

func checkLen(what string, got, want int) {
	if got != want {
		panic(fmt.Sprintf("ops.%s: %d values, want %d", what, got, want))
	}
}
