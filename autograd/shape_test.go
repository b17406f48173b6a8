package autograd

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// ewGatherRef is a float64 reference for ops that only move values: output i is
// element index of input input, as src says.
func ewGatherRef(outLen int, src func(i int) (input, index int)) RefFn {
	return func(in [][]float64) [][]float64 {
		y := make([]float64, outLen)
		for i := range y {
			k, j := src(i)
			y[i] = in[k][j]
		}
		return [][]float64{y}
	}
}

func TestConcatGradCheck(t *testing.T) {
	shapes := [][]int{{2, 3, 4}, {2, 1, 4}, {2, 5, 4}}
	for _, axis := range []int{1, -2} {
		t.Run(fmt.Sprint(axis), func(t *testing.T) {
			var in []*Tensor
			for i, s := range shapes {
				in = append(in, RandTensor(uint64(40+i), -1, 1, s...))
			}
			in[1].SetRequiresGrad(false) // a constant input among trainable ones
			out := []int{2, 9, 4}
			GradCheck(t, in, func(in []*Tensor) []*Tensor {
				y := Concat(axis, in...)
				if !SameShape(y.Shape, out) {
					t.Fatalf("shape %v, want %v", y.Shape, out)
				}
				return []*Tensor{y}
			}, ewGatherRef(Numel(out), func(i int) (int, int) {
				idx := ewUnravel(i, out)
				c := idx[1]
				for k, s := range shapes {
					if c < s[1] {
						idx[1] = c
						return k, ewRavel(idx, s)
					}
					c -= s[1]
				}
				panic("unreachable")
			}))
		})
	}
	// Axis 0 and the last axis.
	a, b := RandTensor(43, -1, 1, 2, 3), RandTensor(44, -1, 1, 1, 3)
	GradCheck(t, []*Tensor{a, b}, func(in []*Tensor) []*Tensor {
		return []*Tensor{Concat(0, in...)}
	}, func(in [][]float64) [][]float64 { return [][]float64{append(slices.Clone(in[0]), in[1]...)} })
	c, d := RandTensor(45, -1, 1, 3, 2), RandTensor(46, -1, 1, 3, 1)
	GradCheck(t, []*Tensor{c, d}, func(in []*Tensor) []*Tensor {
		return []*Tensor{Concat(-1, in...)}
	}, ewGatherRef(9, func(i int) (int, int) {
		r, k := i/3, i%3
		if k < 2 {
			return 0, r*2 + k
		}
		return 1, r
	}))
}

func TestConcatShapeMismatchPanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "[2 4]") {
			t.Fatalf("panic %v, want one naming the bad shape", r)
		}
	}()
	Concat(0, Zeros(2, 3), Zeros(2, 4))
}

func TestSplitSliceGradCheck(t *testing.T) {
	shape := []int{2, 7, 3}
	x := RandTensor(50, -1, 1, shape...)
	sizes := []int{2, 0, 4, 1}
	GradCheck(t, []*Tensor{x}, func(in []*Tensor) []*Tensor {
		parts := Split(in[0], 1, sizes...)
		for j, p := range parts {
			if !SameShape(p.Shape, []int{2, sizes[j], 3}) {
				t.Fatalf("part %d shape %v", j, p.Shape)
			}
		}
		// Use each part differently so a mixed-up gradient shows.
		return []*Tensor{parts[0], MulScalar(parts[2], 3), parts[3], Slice(in[0], -1, 1, 3)}
	}, func(in [][]float64) [][]float64 {
		var out [][]float64
		start := 0
		for j, s := range sizes {
			var y []float64
			for o := range 2 {
				for k := start; k < start+s; k++ {
					for i := range 3 {
						v := in[0][(o*7+k)*3+i]
						if j == 2 {
							v *= 3
						}
						y = append(y, v)
					}
				}
			}
			if s > 0 {
				out = append(out, y)
			}
			start += s
		}
		var z []float64
		for r := range 14 {
			z = append(z, in[0][r*3+1], in[0][r*3+2])
		}
		return append(out, z)
	})
}

func TestIndexSelectRepeatedIndicesGradCheck(t *testing.T) {
	x := RandTensor(51, -1, 1, 2, 4, 3)
	idx := []int{3, 0, 3, 3, 1}
	GradCheck(t, []*Tensor{x}, func(in []*Tensor) []*Tensor {
		y := IndexSelect(in[0], 1, idx)
		if !SameShape(y.Shape, []int{2, 5, 3}) {
			t.Fatalf("shape %v", y.Shape)
		}
		return []*Tensor{y, IndexSelect(in[0], -1, []int{2, 2})}
	}, func(in [][]float64) [][]float64 {
		var y, z []float64
		for o := range 2 {
			for _, k := range idx {
				for i := range 3 {
					y = append(y, in[0][(o*4+k)*3+i])
				}
			}
		}
		for r := range 8 {
			z = append(z, in[0][r*3+2], in[0][r*3+2])
		}
		return [][]float64{y, z}
	})
}

func TestReshapeFlattenGradCheck(t *testing.T) {
	x := RandTensor(52, -1, 1, 2, 3, 4)
	GradCheck(t, []*Tensor{x}, func(in []*Tensor) []*Tensor {
		r := Reshape(in[0], 4, -1)
		f := Flatten(in[0], 1)
		f0 := Flatten(in[0], -2)
		if !SameShape(r.Shape, []int{4, 6}) || !SameShape(f.Shape, []int{2, 12}) || !SameShape(f0.Shape, []int{2, 12}) {
			t.Fatalf("shapes %v %v %v", r.Shape, f.Shape, f0.Shape)
		}
		// Reshape twice in a chain so the gradient must pass through both views.
		return []*Tensor{MulScalar(r, 2), Reshape(f, 24)}
	}, func(in [][]float64) [][]float64 {
		y := make([]float64, 24)
		for i, v := range in[0] {
			y[i] = 2 * v
		}
		return [][]float64{y, slices.Clone(in[0])}
	})
	for _, bad := range [][]int{{5, -1}, {-1, -1}, {2, 3}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Reshape of [2 3 4] to %v did not panic", bad)
				}
			}()
			Reshape(x, bad...)
		}()
	}
}

// ewPermRef permutes a tensor of shape shape by perm in float64.
func ewPermRef(shape, perm []int) RefFn {
	out := make([]int, len(perm))
	for i, p := range perm {
		out[i] = shape[p]
	}
	return ewGatherRef(Numel(shape), func(i int) (int, int) {
		oi := ewUnravel(i, out)
		src := make([]int, len(shape))
		for d, p := range perm {
			src[p] = oi[d]
		}
		return 0, ewRavel(src, shape)
	})
}

func TestPermuteTransposeGradCheck(t *testing.T) {
	cases := []struct{ shape, perm []int }{
		{[]int{2, 3, 4, 5}, []int{0, 2, 3, 1}}, // NCHW -> NHWC
		{[]int{2, 3, 4, 5}, []int{0, 3, 1, 2}}, // NHWC -> NCHW
		{[]int{2, 3, 4, 5}, []int{3, 1, 0, 2}},
		{[]int{2, 3, 4, 5}, []int{0, 2, 1, 3}}, // heads swap: inner run stays contiguous
		{[]int{2, 3, 4, 5}, []int{0, 1, 2, 3}},
		{[]int{2, 1, 4, 1}, []int{3, 2, 1, 0}},
		{[]int{2, 37, 45}, []int{0, 2, 1}}, // larger than one tile
		{[]int{7}, []int{0}},
	}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.shape, c.perm), func(t *testing.T) {
			x := RandTensor(53, -1, 1, c.shape...)
			GradCheck(t, []*Tensor{x}, func(in []*Tensor) []*Tensor {
				return []*Tensor{Permute(in[0], c.perm...)}
			}, ewPermRef(c.shape, c.perm))
		})
	}
	x := RandTensor(54, -1, 1, 2, 3, 4)
	GradCheck(t, []*Tensor{x}, func(in []*Tensor) []*Tensor {
		y := Transpose(in[0], -1, 0)
		if !SameShape(y.Shape, []int{4, 3, 2}) {
			t.Fatalf("shape %v", y.Shape)
		}
		return []*Tensor{y, Permute(in[0], -1, 0, 1)}
	}, func(in [][]float64) [][]float64 {
		return [][]float64{ewPermRef([]int{2, 3, 4}, []int{2, 1, 0})(in)[0], ewPermRef([]int{2, 3, 4}, []int{2, 0, 1})(in)[0]}
	})
	for _, bad := range [][]int{{0, 1}, {0, 0, 1}, {0, 1, 3}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Permute of [2 3 4] by %v did not panic", bad)
				}
			}()
			Permute(x, bad...)
		}()
	}
}

func TestStackGradCheck(t *testing.T) {
	a, b := RandTensor(55, -1, 1, 2, 3), RandTensor(56, -1, 1, 2, 3)
	for _, c := range []struct {
		axis  int
		shape []int
	}{{0, []int{2, 2, 3}}, {1, []int{2, 2, 3}}, {-1, []int{2, 3, 2}}} {
		ax := (c.axis + 3) % 3
		GradCheck(t, []*Tensor{a, b}, func(in []*Tensor) []*Tensor {
			y := Stack(c.axis, in...)
			if !SameShape(y.Shape, c.shape) {
				t.Fatalf("Stack(%d) shape %v, want %v", c.axis, y.Shape, c.shape)
			}
			return []*Tensor{y}
		}, ewGatherRef(12, func(i int) (int, int) {
			idx := ewUnravel(i, c.shape)
			k := idx[ax]
			rest := slices.Delete(slices.Clone(idx), ax, ax+1)
			return k, ewRavel(rest, []int{2, 3})
		}))
	}
}
