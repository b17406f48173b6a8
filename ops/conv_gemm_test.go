package ops

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cvogl/halo/simd"
)

// refConv is a float64 direct convolution and its gradients on flat NCHW data: y =
// conv(x, w) + b, and for a given gy the exact dx, dw and db.
func refConv(g ConvGeom, x, w, b, gy []float32) (y, dx, dw, db []float64) {
	p := g.P
	cg, og := g.C/p.Groups, g.O/p.Groups
	y = make([]float64, g.N*g.O*g.OH*g.OW)
	dx, dw, db = make([]float64, len(x)), make([]float64, len(w)), make([]float64, g.O)
	for n := 0; n < g.N; n++ {
		for o := 0; o < g.O; o++ {
			gi := o / og
			for i := 0; i < g.OH; i++ {
				for j := 0; j < g.OW; j++ {
					yi := ((n*g.O+o)*g.OH+i)*g.OW + j
					s := float64(b[o])
					gv := float64(gy[yi])
					db[o] += gv
					for c := 0; c < cg; c++ {
						for kh := 0; kh < g.KH; kh++ {
							ih := i*p.StrideH - p.PadH + kh*p.DilH
							if ih < 0 || ih >= g.H {
								continue
							}
							for kw := 0; kw < g.KW; kw++ {
								iw := j*p.StrideW - p.PadW + kw*p.DilW
								if iw < 0 || iw >= g.W {
									continue
								}
								xi := ((n*g.C+gi*cg+c)*g.H+ih)*g.W + iw
								wi := ((o*cg+c)*g.KH+kh)*g.KW + kw
								s += float64(x[xi]) * float64(w[wi])
								dx[xi] += gv * float64(w[wi])
								dw[wi] += gv * float64(x[xi])
							}
						}
					}
					y[yi] = s
				}
			}
		}
	}
	return y, dx, dw, db
}

// convCloseRef compares got with start + want (start: the buffer's values before an
// accumulating call; nil for an overwrite).
func convCloseRef(t *testing.T, what string, got, start []float32, want []float64, tol float64) {
	t.Helper()
	w := make([]float32, len(want))
	for i, v := range want {
		if start != nil {
			v += float64(start[i])
		}
		w[i] = float32(v)
	}
	convCloseSlices(t, what, got, w, tol)
}

// TestConvGemmReference holds every scheduling of the GEMM convolutions to a float64
// direct convolution: independent serial items (with and without per-slot weight
// gradients, with tiny items so that blocks, slots and both dx phases all have several
// members), shared products, and the automatic choice; on pointwise, strided, padded,
// dilated, grouped and batched geometries with odd sizes. Gradients accumulate into
// non-zero buffers, and dx, dw, db alone equal the fused pass bit for bit.
func TestConvGemmReference(t *testing.T) {
	geoms := []struct {
		name string
		x, w []int
		p    ConvParams
	}{
		{"pointwise", []int{1, 7, 11, 13}, []int{5, 7, 1, 1}, ConvParams{}},
		{"pointwise batch groups", []int{3, 6, 5, 9}, []int{9, 2, 1, 1}, ConvParams{Groups: 3}},
		{"1x1 stride 2", []int{2, 5, 9, 7}, []int{3, 5, 1, 1}, ConvParams{StrideH: 2, StrideW: 2}},
		{"1x1 pad 1", []int{1, 3, 6, 5}, []int{4, 3, 1, 1}, ConvParams{PadH: 1, PadW: 1}},
		{"3x3", []int{1, 4, 12, 10}, []int{6, 4, 3, 3}, ConvParams{PadH: 1, PadW: 1}},
		{"3x3 stride 2", []int{2, 5, 13, 11}, []int{7, 5, 3, 3}, ConvParams{StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}},
		{"7x7 stride 4", []int{1, 3, 29, 23}, []int{8, 3, 7, 7}, ConvParams{StrideH: 4, StrideW: 4, PadH: 3, PadW: 3}},
		{"5x3 dilation", []int{2, 4, 17, 12}, []int{6, 2, 5, 3}, ConvParams{StrideW: 2, PadH: 4, PadW: 1, DilH: 2, DilW: 3, Groups: 2}},
		{"2x2 stride 1x3 no pad", []int{3, 2, 8, 14}, []int{3, 2, 2, 2}, ConvParams{StrideW: 3}},
		{"3x3 groups", []int{2, 6, 7, 8}, []int{4, 3, 3, 3}, ConvParams{PadH: 1, PadW: 1, Groups: 2}},
		// large enough that the automatic choice runs independent items
		{"3x3 40x40 batch", []int{2, 6, 40, 40}, []int{8, 6, 3, 3}, ConvParams{PadH: 1, PadW: 1}},
		{"pointwise 64x64", []int{1, 8, 64, 64}, []int{12, 8, 1, 1}, ConvParams{}},
	}
	type setting struct {
		name                        string
		mode, cols, minCols, budget int
	}
	settings := []setting{
		{"auto", 0, 2048, 512, 1 << 22},
		{"items", 1, 8, 1, 1 << 22},
		{"items-2slots-1thread", 1, 8, 1, 1},
		{"items-shareddw", 1, 8, 1, 0},
		{"shared", -1, 8, 1, 1 << 22},
	}
	defer func(m, c, mc, b, cb int) {
		convMode, convItemCols, convMinItemCols, convPartialBudget, convColsBudget = m, c, mc, b, cb
	}(convMode, convItemCols, convMinItemCols, convPartialBudget, convColsBudget)
	defer simd.SetThreads(simd.SetThreads(2))
	for _, tc := range geoms {
		g := NewConvGeom(tc.x, tc.w, []int{tc.w[0]}, tc.p)
		if g.depthwise() {
			t.Fatalf("%s: depthwise geometry", tc.name)
		}
		rng := rand.New(rand.NewPCG(21, 22))
		x, w, b := convRandSlice(rng, g.N*g.C*g.H*g.W), convRandSlice(rng, g.O*(g.C/g.P.Groups)*g.KH*g.KW), convRandSlice(rng, g.O)
		gy := convRandSlice(rng, g.N*g.O*g.OH*g.OW)
		wantY, wantDx, wantDw, wantDb := refConv(g, x, w, b, gy)
		for _, st := range settings {
			t.Run(fmt.Sprintf("%s/%s", tc.name, st.name), func(t *testing.T) {
				convMode, convItemCols, convMinItemCols, convPartialBudget = st.mode, st.cols, st.minCols, st.budget
				convColsBudget = 1 << 21
				if st.mode == 0 && tc.x[2] >= 40 {
					if pl := newConvPlan(g, g.pointwise(), 1); !pl.chunked || pl.items() < 4 {
						t.Fatalf("auto plan %+v does not run independent items", pl)
					}
				}
				if st.cols < 64 {
					convColsBudget = 3 * g.C / g.P.Groups * g.KH * g.KW * g.OW // at most 3 rows of columns
				}
				if st.name == "items-2slots-1thread" {
					// room for exactly two weight-gradient slots, on one thread
					convPartialBudget = 2 * (len(w) + g.O)
					defer simd.SetThreads(simd.SetThreads(1))
				}
				y := convRandSlice(rng, len(gy)) // overwritten
				Conv2d(y, x, w, b, g)
				convCloseRef(t, "y", y, nil, wantY, 1e-5)
				dx0, dw0, db0 := convRandSlice(rng, len(x)), convRandSlice(rng, len(w)), convRandSlice(rng, g.O)
				dx, dw, db := append([]float32(nil), dx0...), append([]float32(nil), dw0...), append([]float32(nil), db0...)
				Conv2dBackward(dx, dw, db, gy, x, w, g)
				convCloseRef(t, "dx", dx, dx0, wantDx, 1e-5)
				convCloseRef(t, "dw", dw, dw0, wantDw, 1e-5)
				convCloseRef(t, "db", db, db0, wantDb, 1e-5)

				// one gradient at a time: the same values
				dxA, dwA, dbA := append([]float32(nil), dx0...), append([]float32(nil), dw0...), append([]float32(nil), db0...)
				Conv2dBackward(dxA, nil, nil, gy, x, w, g)
				Conv2dBackward(nil, dwA, nil, gy, x, w, g)
				Conv2dBackward(nil, nil, dbA, gy, x, w, g)
				convCloseRef(t, "dx alone", dxA, dx0, wantDx, 1e-5)
				convCloseRef(t, "dw alone", dwA, dw0, wantDw, 1e-5)
				convCloseRef(t, "db alone", dbA, db0, wantDb, 1e-5)

				// storing dx ignores what the buffer held (NaN here); dw and db still add
				dxS, dwS, dbS := make([]float32, len(x)), append([]float32(nil), dw0...), append([]float32(nil), db0...)
				for i := range dxS {
					dxS[i] = float32(math.NaN())
				}
				Conv2dBackwardStoreDx(dxS, dwS, dbS, gy, x, w, g)
				convCloseRef(t, "dx stored", dxS, nil, wantDx, 1e-5)
				convCloseRef(t, "dw with dx stored", dwS, dw0, wantDw, 1e-5)
				convCloseRef(t, "db with dx stored", dbS, db0, wantDb, 1e-5)

				// the split depends only on the shapes: a second run is bit-identical
				dx2, dw2, db2 := append([]float32(nil), dx0...), append([]float32(nil), dw0...), append([]float32(nil), db0...)
				Conv2dBackward(dx2, dw2, db2, gy, x, w, g)
				convCloseSlices(t, "dx rerun", dx2, dx, 0)
				convCloseSlices(t, "dw rerun", dw2, dw, 0)
				convCloseSlices(t, "db rerun", db2, db, 0)
			})
		}
	}
}

// TestConvPlan checks the split of a convolution into items: every output row in
// exactly one item, at least minRows rows per item but the last, the column budget
// respected, and the item count large enough for the pool at HALO's stage-1 size.
func TestConvPlan(t *testing.T) {
	defer simd.SetThreads(simd.SetThreads(2))
	for _, tc := range []struct {
		x, w    []int
		p       ConvParams
		minRows int
		chunked bool
	}{
		{[]int{1, 64, 256, 256}, []int{64, 64, 1, 1}, ConvParams{}, 1, true},
		{[]int{1, 512, 32, 32}, []int{2048, 512, 1, 1}, ConvParams{}, 1, false},
		{[]int{1, 64, 64, 64}, []int{64, 64, 3, 3}, ConvParams{PadH: 1, PadW: 1}, 1, true},
		{[]int{2, 8, 37, 5}, []int{4, 8, 7, 3}, ConvParams{PadH: 3, DilH: 3}, 9, false},
		{[]int{1, 512, 128, 128}, []int{512, 512, 3, 3}, ConvParams{StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}, 1, false},
	} {
		g := NewConvGeom(tc.x, tc.w, nil, tc.p)
		pl := newConvPlan(g, g.pointwise(), tc.minRows)
		if pl.chunked != tc.chunked {
			t.Errorf("%v %v: chunked %v, want %v", tc.x, tc.w, pl.chunked, tc.chunked)
		}
		if !pl.direct && pl.rb > max(1, convColsBudget/(pl.k*g.OW)) && pl.rb > tc.minRows {
			t.Errorf("%v %v: %d rows of %d columns exceed the budget", tc.x, tc.w, pl.rb, pl.k*g.OW)
		}
		seen := make([]int, g.N*pl.groups*g.OH)
		for it := range pl.items() {
			n, gi, oh0, oh1 := pl.item(it)
			if oh1-oh0 < min(tc.minRows, g.OH) && oh1 != g.OH || oh0 >= oh1 {
				t.Errorf("%v %v: item %d has rows [%d,%d)", tc.x, tc.w, it, oh0, oh1)
			}
			for r := oh0; r < oh1; r++ {
				seen[(n*pl.groups+gi)*g.OH+r]++
			}
		}
		for i, c := range seen {
			if c != 1 {
				t.Fatalf("%v %v: output row %d in %d items", tc.x, tc.w, i, c)
			}
		}
	}
}

// TestGatherStrided checks the unrolled strided gather and scatter-add on every length
// around the unrolling.
func TestGatherStrided(t *testing.T) {
	for st := 1; st <= 5; st++ {
		for n := 0; n <= 11; n++ {
			s := make([]float32, max(0, (n-1)*st+1)+3)
			for i := range s {
				s[i] = float32(i)
			}
			d := make([]float32, n+1)
			d[n] = -1
			gatherStrided(d[:n], s, st)
			for i := 0; i < n; i++ {
				if d[i] != float32(i*st) {
					t.Fatalf("stride %d n %d: d[%d] = %v", st, n, i, d[i])
				}
			}
			if d[n] != -1 {
				t.Fatalf("stride %d n %d: wrote past the end", st, n)
			}
			// the adjoint adds back onto the positions read, and nowhere else
			acc := make([]float32, len(s))
			for i := range acc {
				acc[i] = 0.5
			}
			scatterAddStrided(acc, d[:n], st)
			for i := range acc {
				want := float32(0.5)
				if i%st == 0 && i/st < n {
					want += float32(i)
				}
				if acc[i] != want {
					t.Fatalf("stride %d n %d: scatter acc[%d] = %v, want %v", st, n, i, acc[i], want)
				}
			}
		}
	}
}

// TestConv2dBackwardStoreDx checks the storing backward on the geometries that clear dx
// first (depthwise, including a 1x1 depthwise, and im2col) against the accumulating one
// from zero: equal bit for bit, whatever dx held.
func TestConv2dBackwardStoreDx(t *testing.T) {
	for _, tc := range []struct {
		x, w []int
		p    ConvParams
	}{
		{[]int{2, 4, 9, 8}, []int{4, 1, 3, 3}, ConvParams{PadH: 1, PadW: 1, Groups: 4}},
		{[]int{1, 3, 5, 6}, []int{3, 1, 1, 1}, ConvParams{Groups: 3}},
		{[]int{2, 3, 9, 7}, []int{5, 3, 3, 3}, ConvParams{StrideH: 3, StrideW: 3}}, // some inputs get no gradient
		{[]int{2, 6, 5, 7}, []int{4, 3, 1, 1}, ConvParams{Groups: 2}},
	} {
		g := NewConvGeom(tc.x, tc.w, []int{tc.w[0]}, tc.p)
		rng := rand.New(rand.NewPCG(31, 32))
		x, w := convRandSlice(rng, g.N*g.C*g.H*g.W), convRandSlice(rng, g.O*(g.C/g.P.Groups)*g.KH*g.KW)
		gy := convRandSlice(rng, g.N*g.O*g.OH*g.OW)
		want, dwA, dbA := make([]float32, len(x)), make([]float32, len(w)), make([]float32, g.O)
		Conv2dBackward(want, dwA, dbA, gy, x, w, g)
		got, dwS, dbS := make([]float32, len(x)), make([]float32, len(w)), make([]float32, g.O)
		for i := range got {
			got[i] = float32(math.NaN())
		}
		Conv2dBackwardStoreDx(got, dwS, dbS, gy, x, w, g)
		convCloseSlices(t, fmt.Sprintf("%v %v dx", tc.x, tc.w), got, want, 0)
		convCloseSlices(t, fmt.Sprintf("%v %v dw", tc.x, tc.w), dwS, dwA, 0)
		convCloseSlices(t, fmt.Sprintf("%v %v db", tc.x, tc.w), dbS, dbA, 0)
	}
}
