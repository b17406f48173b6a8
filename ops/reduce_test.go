package ops

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestSumAxisAgainstFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	shapes := []struct{ outer, n, inner int }{{3, 7, 1}, {2, 5, 9}, {1, 100000, 1}, {4, 3000, 3}}
	for _, s := range shapes {
		x := ewRand(rng, s.outer*s.n*s.inner, 0, 1)
		dst := make([]float32, s.outer*s.inner)
		SumAxis(dst, x, s.outer, s.n, s.inner, 0.5)
		for o := range s.outer {
			for i := range s.inner {
				var want float64
				for k := range s.n {
					want += float64(x[(o*s.n+k)*s.inner+i])
				}
				want *= 0.5
				// A float32 running sum of 1e5 values would be off by ~1e-3 relative.
				if d := math.Abs(float64(dst[o*s.inner+i]) - want); d > 1e-6*want {
					t.Fatalf("%v: sum[%d,%d] = %v, want %v", s, o, i, dst[o*s.inner+i], want)
				}
			}
		}
		g := ewRand(rng, len(dst), -1, 1)
		dx := make([]float32, len(x))
		SumAxisBackward(dx, g, s.outer, s.n, s.inner, 0.5)
		for j, v := range dx {
			o, i := j/(s.n*s.inner), j%s.inner
			if v != 0.5*g[o*s.inner+i] {
				t.Fatalf("%v: dx[%d] = %v", s, j, v)
			}
		}
	}
}

func TestMaxAxisFirstArgmaxAndNaN(t *testing.T) {
	nan := float32(math.NaN())
	// [outer=1, n=4, inner=3]: column 0 has a tie, column 1 a NaN, column 2 all -Inf.
	inf := float32(math.Inf(-1))
	x := []float32{
		1, 0, inf,
		5, nan, inf,
		5, 9, inf,
		2, nan, inf,
	}
	dst := make([]float32, 3)
	arg := make([]int32, 3)
	MaxAxis(dst, arg, x, 1, 4, 3)
	if dst[0] != 5 || arg[0] != 1 || !math.IsNaN(float64(dst[1])) || arg[1] != 1 || dst[2] != inf || arg[2] != 0 {
		t.Fatalf("max %v arg %v", dst, arg)
	}
	MinAxis(dst, arg, x, 1, 4, 3)
	if dst[0] != 1 || arg[0] != 0 || !math.IsNaN(float64(dst[1])) || arg[1] != 1 || dst[2] != inf || arg[2] != 0 {
		t.Fatalf("min %v arg %v", dst, arg)
	}
	MaxAxis(dst, arg, x, 1, 4, 3)
	dx := make([]float32, len(x))
	MaxAxisBackward(dx, []float32{1, 2, 3}, arg, 1, 4, 3)
	want := []float32{0, 0, 3, 1, 2, 0, 0, 0, 0, 0, 0, 0}
	for i := range want {
		if dx[i] != want[i] {
			t.Fatalf("dx = %v, want %v", dx, want)
		}
	}
}

// One image's channel reduction: too few outer entries, so the inner axis is split.
func TestAxisKernelsSplitInner(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	const outer, n, inner = 1, 6, 50000
	x := ewRand(rng, outer*n*inner, -1, 1)
	sum := make([]float32, inner)
	mx := make([]float32, inner)
	arg := make([]int32, inner)
	SumAxis(sum, x, outer, n, inner, 1)
	MaxAxis(mx, arg, x, outer, n, inner)
	dx := make([]float32, len(x))
	MaxAxisBackward(dx, sum, arg, outer, n, inner)
	SumAxisBackward(dx, mx, outer, n, inner, 2)
	for i := range inner {
		var s float64
		m, a := x[i], 0
		for k := range n {
			v := x[k*inner+i]
			s += float64(v)
			if v > m {
				m, a = v, k
			}
		}
		if math.Abs(float64(sum[i])-s) > 1e-6 || mx[i] != m || int(arg[i]) != a {
			t.Fatalf("column %d: sum %v max %v@%d, want %v %v@%d", i, sum[i], mx[i], arg[i], s, m, a)
		}
		for k := range n {
			want := 2 * mx[i]
			if k == a {
				want += sum[i]
			}
			if got := dx[k*inner+i]; math.Abs(float64(got-want)) > 1e-6 {
				t.Fatalf("dx[%d,%d] = %v, want %v", k, i, got, want)
			}
		}
	}
}
