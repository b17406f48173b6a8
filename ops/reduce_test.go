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
