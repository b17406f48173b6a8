package ops

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestConvValidRange(t *testing.T) {
	for off := -10; off <= 10; off++ {
		for s := 1; s <= 4; s++ {
			for in := 1; in <= 8; in++ {
				for out := 1; out <= 8; out++ {
					lo, hi := convValidRange(off, s, in, out)
					for o := 0; o < out; o++ {
						inside := o*s+off >= 0 && o*s+off < in
						if inside != (o >= lo && o < hi) {
							t.Fatalf("off %d stride %d in %d out %d: range [%d,%d) wrong at %d", off, s, in, out, lo, hi, o)
						}
					}
				}
			}
		}
	}
}

func convRandSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = 2*rng.Float32() - 1
	}
	return s
}

func convCloseSlices(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range want {
		if d := math.Abs(float64(got[i] - want[i])); !(d <= tol*(1+math.Abs(float64(want[i])))) {
			t.Fatalf("%s[%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}

// convRun holds one forward and backward through a chosen path, starting from the
// same non-zero gradient buffers so that accumulation (+=) is checked too.
type convRun struct{ y, dx, dw, db []float32 }

func runConvPath(g ConvGeom, nx, nw int, seed uint64, forward func(y []float32), backward func(dx, dw []float32)) convRun {
	rng := rand.New(rand.NewPCG(seed, 1))
	r := convRun{y: make([]float32, g.N*g.O*g.OH*g.OW), dx: convRandSlice(rng, nx), dw: convRandSlice(rng, nw), db: convRandSlice(rng, g.O)}
	forward(r.y)
	backward(r.dx, r.dw)
	return r
}

// TestConvPathsAgree runs the direct depthwise and pointwise kernels and the im2col
// path on the same problems, with several images so the parallel per-chunk weight
// gradients are merged.
func TestConvPathsAgree(t *testing.T) {
	for _, tc := range []struct {
		name   string
		x, w   []int
		p      ConvParams
		direct bool // pointwise: compare the no-copy GEMM with im2col
	}{
		{"depthwise 7x7 d3", []int{6, 5, 13, 17}, []int{5, 1, 7, 7}, ConvParams{PadH: 9, PadW: 9, DilH: 3, DilW: 3, Groups: 5}, false},
		{"depthwise 3x3 s2", []int{7, 4, 12, 11}, []int{4, 1, 3, 3}, ConvParams{StrideH: 2, StrideW: 2, PadH: 1, PadW: 1, Groups: 4}, false},
		{"depthwise 5x5 p2", []int{5, 3, 9, 30}, []int{3, 1, 5, 5}, ConvParams{PadH: 2, PadW: 2, Groups: 3}, false},
		{"depthwise 3x5 asymmetric", []int{3, 4, 10, 9}, []int{4, 1, 3, 5}, ConvParams{PadW: 4, DilH: 2, Groups: 4}, false},
		{"depthwise 3x3 stride 2x1", []int{3, 4, 10, 9}, []int{4, 1, 3, 3}, ConvParams{StrideH: 2, PadH: 1, PadW: 1, Groups: 4}, false},
		{"pointwise", []int{6, 8, 7, 9}, []int{6, 8, 1, 1}, ConvParams{}, true},
		{"pointwise groups 2", []int{5, 8, 4, 5}, []int{4, 4, 1, 1}, ConvParams{Groups: 2}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewConvGeom(tc.x, tc.w, []int{tc.w[0]}, tc.p)
			if g.depthwise() == tc.direct || g.pointwise() != tc.direct {
				t.Fatalf("geometry %+v is not the case under test", g)
			}
			rng := rand.New(rand.NewPCG(3, 4))
			x, w, b := convRandSlice(rng, g.N*g.C*g.H*g.W), convRandSlice(rng, g.O*(g.C/g.P.Groups)*g.KH*g.KW), convRandSlice(rng, g.O)
			gy := convRandSlice(rng, g.N*g.O*g.OH*g.OW)
			fast := runConvPath(g, len(x), len(w), 9,
				func(y []float32) { Conv2d(y, x, w, b, g) },
				func(dx, dw []float32) { Conv2dBackward(dx, dw, nil, gy, x, w, g) })
			slow := runConvPath(g, len(x), len(w), 9,
				func(y []float32) { gemmConvForward(y, x, w, b, g, false) },
				func(dx, dw []float32) { gemmConvGrads(dx, dw, nil, gy, x, w, g, false, 1) })
			convCloseSlices(t, "y", fast.y, slow.y, 1e-5)
			convCloseSlices(t, "dx", fast.dx, slow.dx, 1e-5)
			convCloseSlices(t, "dw", fast.dw, slow.dw, 1e-4)
		})
	}
}

// TestConvBatchSplit checks the merged per-chunk weight gradients of the GEMM path
// against the same images run one at a time, and that dx and db accumulate.
func TestConvBatchSplit(t *testing.T) {
	xs, ws := []int{9, 6, 11, 10}, []int{8, 3, 3, 3}
	p := ConvParams{StrideH: 2, StrideW: 1, PadH: 1, PadW: 2, DilW: 2, Groups: 2}
	g := NewConvGeom(xs, ws, []int{8}, p)
	rng := rand.New(rand.NewPCG(5, 6))
	x, w := convRandSlice(rng, g.N*g.C*g.H*g.W), convRandSlice(rng, 8*3*3*3)
	gy := convRandSlice(rng, g.N*g.O*g.OH*g.OW)
	dx, dw, db := make([]float32, len(x)), make([]float32, len(w)), make([]float32, 8)
	Conv2dBackward(dx, dw, db, gy, x, w, g)
	Conv2dBackward(dx, dw, db, gy, x, w, g) // twice: everything doubles

	one := NewConvGeom([]int{1, 6, 11, 10}, ws, nil, p)
	ix, iy := g.C*g.H*g.W, g.O*g.OH*g.OW
	wantDx, wantDw, wantDb := make([]float32, len(x)), make([]float32, len(w)), make([]float32, 8)
	for n := 0; n < g.N; n++ {
		Conv2dBackward(wantDx[n*ix:(n+1)*ix], wantDw, wantDb, gy[n*iy:(n+1)*iy], x[n*ix:(n+1)*ix], w, one)
	}
	for _, s := range [][]float32{wantDx, wantDw, wantDb} {
		for i := range s {
			s[i] *= 2
		}
	}
	convCloseSlices(t, "dx", dx, wantDx, 1e-5)
	convCloseSlices(t, "dw", dw, wantDw, 1e-4)
	convCloseSlices(t, "db", db, wantDb, 1e-4)
}

// TestConvRowBlocks runs the im2col path with a column budget of a few output rows
// (leaving a short last block) and checks it against one block per image.
func TestConvRowBlocks(t *testing.T) {
	xs, ws := []int{3, 4, 13, 9}, []int{6, 2, 3, 3}
	p := ConvParams{StrideH: 2, PadH: 2, PadW: 1, DilH: 2, Groups: 2}
	g := NewConvGeom(xs, ws, []int{6}, p)
	rng := rand.New(rand.NewPCG(7, 8))
	x, w, b := convRandSlice(rng, g.N*g.C*g.H*g.W), convRandSlice(rng, 6*2*3*3), convRandSlice(rng, 6)
	gy := convRandSlice(rng, g.N*g.O*g.OH*g.OW)
	run := func() convRun {
		return runConvPath(g, len(x), len(w), 11,
			func(y []float32) { Conv2d(y, x, w, b, g) },
			func(dx, dw []float32) { Conv2dBackward(dx, dw, nil, gy, x, w, g) })
	}
	whole := run()
	defer func(v int) { convColsBudget = v }(convColsBudget)
	convColsBudget = 2*2*3*3*g.OW + 5 // two rows per block
	if pl := newConvPlan(g, false, 1); pl.rb != 2 || g.OH%pl.rb == 0 {
		t.Fatalf("block of %d rows for OH %d", pl.rb, g.OH)
	}
	blocked := run()
	convCloseSlices(t, "y", blocked.y, whole.y, 1e-6)
	convCloseSlices(t, "dx", blocked.dx, whole.dx, 1e-6)
	convCloseSlices(t, "dw", blocked.dw, whole.dw, 1e-5)
}
