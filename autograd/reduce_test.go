package autograd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cvogl/halo/loader/golden"
)

// ewReduceRef is a float64 reference reduction of shape along axis with f folding the
// values of one fibre (in axis order) into one number.
func ewReduceRef(shape []int, axis int, f func(v []float64) float64) RefFn {
	return func(in [][]float64) [][]float64 {
		outShape := append(append([]int(nil), shape[:axis]...), shape[axis+1:]...)
		y := make([]float64, Numel(outShape))
		for i := range y {
			idx := ewUnravel(i, outShape)
			full := append(append(append([]int(nil), idx[:axis]...), 0), idx[axis:]...)
			fibre := make([]float64, shape[axis])
			for k := range fibre {
				full[axis] = k
				fibre[k] = in[0][ewRavel(full, shape)]
			}
			y[i] = f(fibre)
		}
		return [][]float64{y}
	}
}

// ewRavel is the flat row-major index of a multi-index.
func ewRavel(idx, shape []int) int {
	k := 0
	for d, n := range shape {
		k = k*n + idx[d]
	}
	return k
}

func ewSum(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s
}

func ewMean(v []float64) float64 { return ewSum(v) / float64(len(v)) }

func ewMax(v []float64) float64 { return slices.Max(v) }

// ewDistinct returns a requires-grad tensor holding a random permutation of well
// separated values, so Max has no ties within finite-difference reach.
func ewDistinct(seed uint64, shape ...int) *Tensor {
	n := Numel(shape)
	rng := rand.New(rand.NewPCG(seed, 3))
	x := Zeros(shape...)
	for i, p := range rng.Perm(n) {
		x.Data[i] = float32(p)*0.05 - float32(n)*0.025
	}
	return x.SetRequiresGrad(true)
}

func TestReduceGradCheck(t *testing.T) {
	shape := []int{2, 3, 4}
	reductions := []struct {
		name string
		fn   func(x *Tensor, axis int, keepdim bool) *Tensor
		ref  func([]float64) float64
	}{{"sum", Sum, ewSum}, {"mean", Mean, ewMean}, {"max", Max, ewMax}}
	for _, r := range reductions {
		for axis := -3; axis < 3; axis++ {
			for _, keep := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s_axis%d_keep%v", r.name, axis, keep), func(t *testing.T) {
					x := ewDistinct(uint64(axis+10), shape...)
					a := (axis + 3) % 3
					want := append([]int(nil), shape...)
					if keep {
						want[a] = 1
					} else {
						want = slices.Delete(want, a, a+1)
					}
					GradCheck(t, []*Tensor{x}, func(in []*Tensor) []*Tensor {
						y := r.fn(in[0], axis, keep)
						if !SameShape(y.Shape, want) {
							t.Fatalf("shape %v, want %v", y.Shape, want)
						}
						return []*Tensor{y}
					}, ewReduceRef(shape, a, r.ref))
				})
			}
		}
	}
}

func TestReduceLongAxisGradCheck(t *testing.T) {
	// A 1-D reduction and a reduction with a long inner run.
	x := ewDistinct(20, 50)
	GradCheck(t, []*Tensor{x}, func(in []*Tensor) []*Tensor {
		return []*Tensor{Sum(in[0], 0, false), Max(in[0], -1, true)}
	}, func(in [][]float64) [][]float64 {
		return [][]float64{{ewSum(in[0])}, {ewMax(in[0])}}
	})
	y := ewDistinct(21, 3, 40)
	GradCheck(t, []*Tensor{y}, func(in []*Tensor) []*Tensor {
		return []*Tensor{Mean(in[0], 0, true)}
	}, ewReduceRef([]int{3, 40}, 0, ewMean))
}

func TestMaxGradientGoesToFirstArgmax(t *testing.T) {
	x := Param([]float32{1, 3, 3, 2, 5, 5, 5, 0}, 2, 4)
	y := Max(x, 1, false)
	if y.Data[0] != 3 || y.Data[1] != 5 {
		t.Fatalf("max = %v", y.Data)
	}
	y.BackwardWith([]float32{1, 2})
	want := []float32{0, 1, 0, 0, 2, 0, 0, 0}
	if !slices.Equal(x.Grad, want) {
		t.Fatalf("grad %v, want %v", x.Grad, want)
	}
	z := Max(New([]float32{1, float32(math.NaN()), 4}, 3), 0, false)
	if !math.IsNaN(float64(z.Data[0])) {
		t.Fatalf("max with a NaN = %v, want NaN", z.Data[0])
	}
}

func TestMeanAllGradCheck(t *testing.T) {
	x := RandTensor(22, -1, 1, 3, 4, 5)
	GradCheck(t, []*Tensor{x}, func(in []*Tensor) []*Tensor {
		y := MeanAll(in[0])
		if len(y.Shape) != 0 {
			t.Fatalf("MeanAll shape %v, want []", y.Shape)
		}
		return []*Tensor{y}
	}, func(in [][]float64) [][]float64 { return [][]float64{{ewMean(in[0])}} })
}

// The query global descriptor: mean over H*W of x viewed as [N, C, H*W].
func TestMeanGolden(t *testing.T) {
	for _, name := range golden.CasesOf(t, "mean") {
		t.Run(name, func(t *testing.T) {
			c := golden.Load(t, name)
			xd, xs := c.F32(t, "in.x")
			x := Param(xd, xs...)
			y := Reshape(x, xs[0], xs[1], -1)
			dims := c.Ints(t, "dims")
			slices.Sort(dims)
			for i := len(dims) - 1; i >= 0; i-- {
				y = Mean(y, dims[i], false)
			}
			c.Check(t, "out.y", y.Data)
			cot, _ := c.F32(t, "cot.y")
			Backward([]*Tensor{y}, [][]float32{cot})
			c.Check(t, "grad.in.x", x.Grad)
		})
	}
}

// LSKblock's channel mean and channel max.
func TestMeanMaxChannelGolden(t *testing.T) {
	for _, name := range golden.CasesOf(t, "mean_max_channel") {
		t.Run(name, func(t *testing.T) {
			c := golden.Load(t, name)
			xd, xs := c.F32(t, "in.x")
			x := Param(xd, xs...)
			mean := Mean(x, 1, true)
			mx := Max(x, 1, true)
			c.Check(t, "out.mean", mean.Data)
			c.Check(t, "out.max", mx.Data)
			cm, _ := c.F32(t, "cot.mean")
			cx, _ := c.F32(t, "cot.max")
			Backward([]*Tensor{mean, mx}, [][]float32{cm, cx})
			c.Check(t, "grad.in.x", x.Grad)
		})
	}
}

func TestMinGradCheck(t *testing.T) {
	shape := []int{3, 4, 2}
	for axis := -3; axis < 3; axis++ {
		x := ewDistinct(uint64(axis+30), shape...)
		GradCheck(t, []*Tensor{x}, func(in []*Tensor) []*Tensor {
			return []*Tensor{Min(in[0], axis, axis%2 == 0)}
		}, ewReduceRef(shape, (axis+3)%3, func(v []float64) float64 { return slices.Min(v) }))
	}
	x := Param([]float32{4, 1, 1, 2}, 4)
	Min(x, 0, false).Backward()
	if !slices.Equal(x.Grad, []float32{0, 1, 0, 0}) {
		t.Fatalf("grad %v, want the first minimum only", x.Grad)
	}
}
