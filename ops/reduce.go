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

// SumAxis writes dst[o,i] = scale * sum_k x[o,k,i] for x viewed as [outer, n, inner].
// Sums are carried in float64 so long reductions keep float32 accuracy.
func SumAxis(dst, x []float32, outer, n, inner int, scale float32) {
	checkLen("SumAxis dst", len(dst), outer*inner)
	checkLen("SumAxis x", len(x), outer*n*inner)
	if inner == 1 {
		simd.ParallelFor(outer, max(1, elemGrain/max(n, 1)), func(lo, hi int) {
			for o := lo; o < hi; o++ {
				var s float64
				for _, v := range x[o*n : o*n+n] {
					s += float64(v)
				}
				dst[o] = float32(s) * scale
			}
		})
		return
	}
	simd.ParallelFor(outer, max(1, elemGrain/max(n*inner, 1)), func(lo, hi int) {
		acc := make([]float64, inner)
		for o := lo; o < hi; o++ {
			clear(acc)
			for k := range n {
				row := x[(o*n+k)*inner : (o*n+k+1)*inner]
				for i, v := range row {
					acc[i] += float64(v)
				}
			}
			d := dst[o*inner : (o+1)*inner]
			for i, s := range acc {
				d[i] = float32(s) * scale
			}
		}
	})
}

// SumAxisBackward accumulates dx[o,k,i] += scale * g[o,i]: the gradient of SumAxis.
func SumAxisBackward(dx, g []float32, outer, n, inner int, scale float32) {
	checkLen("SumAxisBackward dx", len(dx), outer*n*inner)
	checkLen("SumAxisBackward g", len(g), outer*inner)
	simd.ParallelFor(outer, max(1, elemGrain/max(n*inner, 1)), func(lo, hi int) {
		for o := lo; o < hi; o++ {
			gr := g[o*inner : (o+1)*inner]
			for k := range n {
				d := dx[(o*n+k)*inner : (o*n+k+1)*inner]
				for i, v := range gr {
					d[i] += scale * v
				}
			}
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
	simd.ParallelFor(outer, max(1, elemGrain/max(n*inner, 1)), func(lo, hi int) {
		for o := lo; o < hi; o++ {
			d := dst[o*inner : (o+1)*inner]
			a := arg[o*inner : (o+1)*inner]
			copy(d, x[o*n*inner:])
			clear(a)
			for k := 1; k < n; k++ {
				row := x[(o*n+k)*inner : (o*n+k+1)*inner]
				for i, v := range row {
					better := v > d[i]
					if least {
						better = v < d[i]
					}
					if better || v != v && d[i] == d[i] {
						d[i], a[i] = v, int32(k)
					}
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
	for o := range outer {
		for i := range inner {
			j := o*inner + i
			dx[(o*n+int(arg[j]))*inner+i] += g[j]
		}
	}
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
