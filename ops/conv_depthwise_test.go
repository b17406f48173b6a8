package ops

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cvogl/halo/simd"
)

// dwRandGeoms returns depthwise problems of random shape: filters 1..7 (HALO's 3x3,
// 5x5 and 7x7 dilation 3 among them), dilations 1..3, paddings from none to beyond the
// filter's reach, several images, widths from 1 to past two AVX-512 8-vector blocks.
func dwRandGeoms(rng *rand.Rand, count int) []ConvGeom {
	fixed := []ConvGeom{
		NewConvGeom([]int{2, 3, 19, 37}, []int{3, 1, 7, 7}, []int{3}, ConvParams{PadH: 9, PadW: 9, DilH: 3, DilW: 3, Groups: 3}),
		NewConvGeom([]int{3, 2, 11, 131}, []int{2, 1, 5, 5}, []int{2}, ConvParams{PadH: 2, PadW: 2, Groups: 2}),
		NewConvGeom([]int{2, 4, 9, 17}, []int{4, 1, 3, 3}, []int{4}, ConvParams{PadH: 1, PadW: 1, Groups: 4}),
		NewConvGeom([]int{1, 2, 5, 1}, []int{2, 1, 3, 3}, []int{2}, ConvParams{PadH: 1, PadW: 1, Groups: 2}),
		NewConvGeom([]int{2, 2, 4, 3}, []int{2, 1, 3, 3}, []int{2}, ConvParams{PadH: 3, PadW: 4, Groups: 2}),
	}
	gs := fixed
	for len(gs) < len(fixed)+count {
		kh, kw := 1+rng.IntN(7), 1+rng.IntN(7)
		p := ConvParams{DilH: 1 + rng.IntN(3), DilW: 1 + rng.IntN(3)}
		p.PadH, p.PadW = rng.IntN((kh-1)*p.DilH+3), rng.IntN((kw-1)*p.DilW+3)
		c := 1 + rng.IntN(4)
		p.Groups = c
		h, w := 1+rng.IntN(24), 1+rng.IntN(150)
		if ConvOutSize(h, kh, 1, p.PadH, p.DilH) < 1 || ConvOutSize(w, kw, 1, p.PadW, p.DilW) < 1 {
			continue
		}
		gs = append(gs, NewConvGeom([]int{1 + rng.IntN(3), c, h, w}, []int{c, 1, kh, kw}, []int{c}, p))
	}
	return gs
}

// TestDepthwiseVsIm2col holds the stride-1 depthwise kernels (forward, dx, dw, db, all
// accumulating into non-zero buffers) to the im2col GEMM path on random shapes.
func TestDepthwiseVsIm2col(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for i, g := range dwRandGeoms(rng, 40) {
		t.Run(fmt.Sprintf("%d_%dx%dx%dx%d_k%dx%d_d%dx%d_p%dx%d", i, g.N, g.C, g.H, g.W, g.KH, g.KW, g.P.DilH, g.P.DilW, g.P.PadH, g.P.PadW), func(t *testing.T) {
			if !g.depthwise() || g.P.StrideH != 1 {
				t.Fatalf("geometry %+v is not the case under test", g)
			}
			x, w, b := convRandSlice(rng, g.N*g.C*g.H*g.W), convRandSlice(rng, g.O*g.KH*g.KW), convRandSlice(rng, g.O)
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

			// each gradient alone (the other nil) gives the same values, from the same
			// starting buffers as runConvPath's
			start := rand.New(rand.NewPCG(9, 1))
			dxOnly, dwOnly := convRandSlice(start, len(x)), convRandSlice(start, len(w))
			Conv2dBackward(dxOnly, nil, nil, gy, x, w, g)
			Conv2dBackward(nil, dwOnly, nil, gy, x, w, g)
			convCloseSlices(t, "dx alone", dxOnly, fast.dx, 0)
			convCloseSlices(t, "dw alone", dwOnly, fast.dw, 0)
		})
	}
}

// TestDepthwiseConv2dGELU checks the fused forward against the convolution followed by
// its GELU (simd.DWGELU), with and without the pre-activation kept, on stride 1 and
// stride 2, exactly, and against GELU to the two GELUs' bounds (9 + 6 ulp).
func TestDepthwiseConv2dGELU(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	gs := append(dwRandGeoms(rng, 6),
		NewConvGeom([]int{2, 3, 130, 9}, []int{3, 1, 3, 3}, []int{3}, ConvParams{PadH: 1, PadW: 1, Groups: 3}),
		// several strips per plane, the last one short
		NewConvGeom([]int{1, 2, 31, 300}, []int{2, 1, 7, 7}, []int{2}, ConvParams{PadH: 9, PadW: 9, DilH: 3, DilW: 3, Groups: 2}),
		NewConvGeom([]int{1, 2, 29, 257}, []int{2, 1, 3, 3}, []int{2}, ConvParams{PadH: 1, PadW: 1, Groups: 2}),
		NewConvGeom([]int{2, 3, 12, 11}, []int{3, 1, 3, 3}, []int{3}, ConvParams{StrideH: 2, StrideW: 2, PadH: 1, PadW: 1, Groups: 3}))
	for i, g := range gs {
		x, w := convRandSlice(rng, g.N*g.C*g.H*g.W), convRandSlice(rng, g.O*g.KH*g.KW)
		for _, b := range [][]float32{convRandSlice(rng, g.O), nil} {
			n := g.N * g.O * g.OH * g.OW
			wantPre, want := make([]float32, n), make([]float32, n)
			Conv2d(wantPre, x, w, b, g)
			simd.DWGELU(want, wantPre)
			composed := make([]float32, n)
			GELU(composed, wantPre)
			y, pre := make([]float32, n), make([]float32, n)
			DepthwiseConv2dGELU(y, pre, x, w, b, g)
			convCloseSlices(t, fmt.Sprintf("case %d pre", i), pre, wantPre, 0)
			convCloseSlices(t, fmt.Sprintf("case %d y", i), y, want, 0)
			y2 := make([]float32, n)
			DepthwiseConv2dGELU(y2, nil, x, w, b, g)
			convCloseSlices(t, fmt.Sprintf("case %d y without pre", i), y2, want, 0)
			// The same with streaming stores, which only large outputs use.
			old := dwStreamBytes
			dwStreamBytes = 0
			y3 := make([]float32, n)
			DepthwiseConv2dGELU(y3, nil, x, w, b, g)
			dwStreamBytes = old
			convCloseSlices(t, fmt.Sprintf("case %d y streamed", i), y3, want, 0)
			for j := range y {
				if d := math.Abs(float64(y[j]) - float64(composed[j])); d > 15*0x1p-24*math.Abs(float64(composed[j]))+0x1p-122 {
					t.Fatalf("case %d: y[%d] = %g, conv then GELU %g", i, j, y[j], composed[j])
				}
			}
		}
	}
}

func TestPadPlane(t *testing.T) {
	src := []float32{1, 2, 3, 4, 5, 6} // 2 x 3
	for _, tc := range []struct {
		hd, wd, top, left int
		want              []float32
	}{
		{4, 5, 1, 1, []float32{0, 0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 4, 5, 6, 0, 0, 0, 0, 0, 0}},
		{2, 2, -1, -1, []float32{5, 6, 0, 0}},
		{1, 4, 0, 3, []float32{0, 0, 0, 1}},
		{2, 2, 0, -3, []float32{0, 0, 0, 0}},
	} {
		dst := make([]float32, tc.hd*tc.wd)
		for i := range dst {
			dst[i] = -1
		}
		padPlane(dst, tc.hd, tc.wd, src, 2, 3, tc.top, tc.left)
		convCloseSlices(t, fmt.Sprintf("pad %+v", tc), dst, tc.want, 0)
	}
}

// TestDepthwiseConv2dGELUBackward checks the fused backward against GELU' (the same
// simd.DWGELUGradMul) into a full-size buffer followed by Conv2dBackward, accumulating
// into non-zero gradients, on stride 1 (the fused path) and stride 2 (the fallback),
// and with gradients left out.
func TestDepthwiseConv2dGELUBackward(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	gs := append(dwRandGeoms(rng, 6),
		NewConvGeom([]int{2, 3, 12, 11}, []int{3, 1, 3, 3}, []int{3}, ConvParams{StrideH: 2, StrideW: 2, PadH: 1, PadW: 1, Groups: 3}))
	for i, g := range gs {
		x, w, b := convRandSlice(rng, g.N*g.C*g.H*g.W), convRandSlice(rng, g.O*g.KH*g.KW), convRandSlice(rng, g.O)
		n := g.N * g.O * g.OH * g.OW
		y, pre := make([]float32, n), make([]float32, n)
		DepthwiseConv2dGELU(y, pre, x, w, b, g)
		gy := convRandSlice(rng, n)
		start := func() (dx, dw, db []float32) {
			r := rand.New(rand.NewPCG(uint64(i), 7))
			return convRandSlice(r, len(x)), convRandSlice(r, len(w)), convRandSlice(r, g.O)
		}
		wantDx, wantDw, wantDb := start()
		dpre := make([]float32, n)
		simd.DWGELUGradMul(dpre, gy, pre)
		Conv2dBackward(wantDx, wantDw, wantDb, dpre, x, w, g)
		dx, dw, db := start()
		DepthwiseConv2dGELUBackward(dx, dw, db, gy, x, w, b, g)
		what := fmt.Sprintf("case %d %+v", i, g)
		convCloseSlices(t, what+" dx", dx, wantDx, 1e-6)
		convCloseSlices(t, what+" dw", dw, wantDw, 1e-6)
		_, _, db0 := start()
		dwCheckBiasGrad(t, what, db, db0, gy, pre, g)

		// Into a zero dx, ZeroDx stores what the accumulating call adds.
		zdx, zdw, zdb := make([]float32, len(x)), make([]float32, len(w)), make([]float32, g.O)
		adx, adw, adb := make([]float32, len(x)), make([]float32, len(w)), make([]float32, g.O)
		stride1 := g.P.StrideH == 1 && g.P.StrideW == 1
		if stride1 { // the fused path never reads dx: no NaN may survive
			for j := range zdx {
				zdx[j] = float32(math.NaN())
			}
		}
		DepthwiseConv2dGELUBackwardZeroDx(zdx, zdw, zdb, gy, x, w, b, g)
		DepthwiseConv2dGELUBackward(adx, adw, adb, gy, x, w, b, g)
		convCloseSlices(t, what+" ZeroDx dx", zdx, adx, 0)
		convCloseSlices(t, what+" ZeroDx dw", zdw, adw, 0)
		convCloseSlices(t, what+" ZeroDx db", zdb, adb, 0)

		_, _, onlyDb := start()
		DepthwiseConv2dGELUBackward(nil, nil, onlyDb, gy, x, w, b, g)
		convCloseSlices(t, what+" db alone", onlyDb, wantDb, 1e-6)

		// The recomputed pre-activation is the forward's bit for bit, so the backward
		// equals the one that reads the kept pre exactly at stride 1 (but for db, which
		// sums the same values in another order).
		if g.P.StrideH == 1 && g.P.StrideW == 1 {
			oldDx, oldDw, oldDb := start()
			depthwiseGELUBackwardPre(oldDx, oldDw, oldDb, gy, pre, x, w, g, simd.DWGELUGradMul)
			convCloseSlices(t, what+" dx vs kept pre", dx, oldDx, 0)
			convCloseSlices(t, what+" dw vs kept pre", dw, oldDw, 0)
			convCloseSlices(t, what+" db vs kept pre", db, oldDb, 1e-5)
		}
	}
}

// TestDepthwiseConv2dGELUBackwardNoBias recomputes the pre-activation without a bias
// (the forward's b == nil) on planes tall and wide enough for several strips.
func TestDepthwiseConv2dGELUBackwardNoBias(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	for i, g := range []ConvGeom{
		NewConvGeom([]int{2, 3, 70, 67}, []int{3, 1, 3, 3}, []int{3}, ConvParams{PadH: 1, PadW: 1, Groups: 3}),
		NewConvGeom([]int{1, 2, 40, 1}, []int{2, 1, 3, 3}, []int{2}, ConvParams{PadH: 1, PadW: 1, Groups: 2}),
		NewConvGeom([]int{1, 2, 31, 300}, []int{2, 1, 7, 7}, []int{2}, ConvParams{PadH: 9, PadW: 9, DilH: 3, DilW: 3, Groups: 2}),
	} {
		x, w := convRandSlice(rng, g.N*g.C*g.H*g.W), convRandSlice(rng, g.O*g.KH*g.KW)
		n := g.N * g.O * g.OH * g.OW
		y, pre, gy := make([]float32, n), make([]float32, n), convRandSlice(rng, n)
		DepthwiseConv2dGELU(y, pre, x, w, nil, g)
		wantDx, wantDw, wantDb := make([]float32, len(x)), make([]float32, len(w)), make([]float32, g.O)
		depthwiseGELUBackwardPre(wantDx, wantDw, wantDb, gy, pre, x, w, g, simd.DWGELUGradMul)
		dx, dw, db := make([]float32, len(x)), make([]float32, len(w)), make([]float32, g.O)
		DepthwiseConv2dGELUBackward(dx, dw, db, gy, x, w, nil, g)
		convCloseSlices(t, fmt.Sprintf("case %d dx", i), dx, wantDx, 0)
		convCloseSlices(t, fmt.Sprintf("case %d dw", i), dw, wantDw, 0)
		dwCheckBiasGrad(t, fmt.Sprintf("case %d", i), db, make([]float32, g.O), gy, pre, g)
	}
}

// dwCheckBiasGrad checks db = db0 + sum over images and pixels of g*GELU'(pre) (the
// kernel's GELU') against a float64 sum: the backward adds the same values in another
// order (row sums in float64), so only the float32 rounding of the values and of their
// partial sums may differ, bounded by 1e-6 of the sum of magnitudes.
func dwCheckBiasGrad(t *testing.T, what string, db, db0, gy, pre []float32, g ConvGeom) {
	t.Helper()
	dpre := make([]float32, len(gy))
	simd.DWGELUGradMul(dpre, gy, pre)
	ohw := g.OH * g.OW
	for c := range g.O {
		want, mag := float64(db0[c]), math.Abs(float64(db0[c]))
		for n := range g.N {
			for _, v := range dpre[(n*g.O+c)*ohw : (n*g.O+c+1)*ohw] {
				want += float64(v)
				mag += math.Abs(float64(v))
			}
		}
		if d := math.Abs(float64(db[c]) - want); d > 1e-6*mag+1e-30 {
			t.Fatalf("%s: db[%d] = %v, float64 sum %v (sum of magnitudes %g)", what, c, db[c], want, mag)
		}
	}
}
