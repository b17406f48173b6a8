package ops

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cvogl/halo/simd"
)

// TestConv2dForwardEpilogue holds every epilogue equal, bit for bit, to the plain
// convolution followed by the unfused op (GELU, and the broadcast Mul and Add that
// autograd runs, operands in the order LSKNet passes them), on odd shapes, batches,
// groups, with and without bias, through every plan: independent items, shared
// products by row block, the shared product over whole images, and the depthwise and
// im2col paths.
func TestConv2dForwardEpilogue(t *testing.T) {
	geoms := []struct {
		name string
		x, w []int
		p    ConvParams
	}{
		{"pointwise", []int{1, 7, 11, 13}, []int{5, 7, 1, 1}, ConvParams{}},
		{"pointwise batch groups", []int{3, 6, 5, 9}, []int{9, 2, 1, 1}, ConvParams{Groups: 3}},
		{"pointwise 64x64 batch", []int{2, 8, 64, 61}, []int{12, 8, 1, 1}, ConvParams{}},
		{"3x3 stride 2", []int{2, 5, 13, 11}, []int{7, 5, 3, 3}, ConvParams{StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}},
		{"3x3 40x40 batch", []int{2, 6, 40, 37}, []int{8, 6, 3, 3}, ConvParams{PadH: 1, PadW: 1}},
		{"depthwise 5x5", []int{3, 5, 9, 14}, []int{5, 1, 5, 5}, ConvParams{PadH: 2, PadW: 2, Groups: 5}},
	}
	settings := []struct {
		name              string
		mode, cols, minCs int
	}{
		{"auto", 0, 2048, 512},
		{"items", 1, 8, 1},
		{"shared-rows", -1, 8, 1},
		{"shared-images", -1, 2048, 512},
	}
	defer func(m, c, mc int) { convMode, convItemCols, convMinItemCols = m, c, mc }(convMode, convItemCols, convMinItemCols)
	defer simd.SetThreads(simd.SetThreads(3))
	plans := map[string]bool{}
	for _, tc := range geoms {
		for _, bias := range []bool{true, false} {
			bshape := []int{tc.w[0]}
			if !bias {
				bshape = nil
			}
			g := NewConvGeom(tc.x, tc.w, bshape, tc.p)
			rng := rand.New(rand.NewPCG(31, 32))
			x, w := convRandSlice(rng, g.N*g.C*g.H*g.W), convRandSlice(rng, g.O*(g.C/g.P.Groups)*g.KH*g.KW)
			var b []float32
			if bias {
				b = convRandSlice(rng, g.O)
			}
			ny := g.N * g.O * g.OH * g.OW
			other := convRandSlice(rng, ny)
			for i := range other {
				other[i] *= 3 // GELU's tails and the products' rounding both matter
			}
			bc, err := NewBroadcast(g.OutShape(), g.OutShape())
			if err != nil {
				t.Fatal(err)
			}
			for _, st := range settings {
				convMode, convItemCols, convMinItemCols = st.mode, st.cols, st.minCs
				if !g.depthwise() {
					pl := newConvPlan(g, g.pointwise(), 1)
					plans[fmt.Sprintf("chunked=%v whole=%v direct=%v", pl.chunked, pl.rb == g.OH, pl.direct)] = true
				}
				conv := make([]float32, ny)
				Conv2d(conv, x, w, b, g)
				for _, tt := range []struct {
					name string
					e    ConvEpilogue
					want func(dst []float32)
				}{
					{"none", ConvEpilogue{}, func(dst []float32) { copy(dst, conv) }},
					{"gelu", ConvEpilogue{Op: EpiGELU}, func(dst []float32) { GELU(dst, conv) }},
					{"mul", ConvEpilogue{Op: EpiMul, T: other}, func(dst []float32) { bc.Apply(OpMul, dst, other, conv) }},
					{"add", ConvEpilogue{Op: EpiAdd, T: other}, func(dst []float32) { bc.Apply(OpAdd, dst, conv, other) }},
				} {
					want := make([]float32, ny)
					tt.want(want)
					got := make([]float32, ny)
					for i := range got {
						got[i] = float32(math.NaN()) // every value must be written
					}
					Conv2dForwardEpilogue(got, x, w, b, g, tt.e)
					for i := range want {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("%s bias=%v %s %s: y[%d] = %v, unfused %v", tc.name, bias, st.name, tt.name, i, got[i], want[i])
						}
					}
				}
			}
		}
	}
	for _, p := range []string{
		"chunked=true whole=false direct=true", "chunked=false whole=false direct=true", "chunked=false whole=true direct=true",
		"chunked=true whole=false direct=false", "chunked=false whole=false direct=false",
	} {
		if !plans[p] {
			t.Errorf("no case ran the plan %s (ran %v)", p, plans)
		}
	}
}

// TestConv2dForwardEpilogueChecks rejects an operand of the wrong size.
func TestConv2dForwardEpilogueChecks(t *testing.T) {
	g := NewConvGeom([]int{1, 2, 3, 3}, []int{2, 2, 1, 1}, nil, ConvParams{})
	defer func() {
		if recover() == nil {
			t.Fatal("a short operand was accepted")
		}
	}()
	Conv2dForwardEpilogue(make([]float32, 18), make([]float32, 18), make([]float32, 4), nil, g, ConvEpilogue{Op: EpiAdd, T: make([]float32, 17)})
}

// BenchmarkConvEpilogue times the LSKNet 1x1 convolutions (stage 1: 64 channels on
// 256x256; stage 2: 128 on 128x128; stage 3: 320 on 64x64) with each epilogue fused
// against the plain convolution followed by a separate elementwise pass.
func BenchmarkConvEpilogue(b *testing.B) {
	for _, sh := range []struct {
		name    string
		c, side int
	}{{"s1", 64, 256}, {"s2", 128, 128}, {"s3", 320, 64}} {
		g := NewConvGeom([]int{1, sh.c, sh.side, sh.side}, []int{sh.c, sh.c, 1, 1}, []int{sh.c}, ConvParams{})
		rng := rand.New(rand.NewPCG(1, 2))
		x, w, bias := convRandSlice(rng, g.N*g.C*g.H*g.W), convRandSlice(rng, g.O*g.C), convRandSlice(rng, g.O)
		ny := g.N * g.O * g.OH * g.OW
		other, y, c := convRandSlice(rng, ny), make([]float32, ny), make([]float32, ny)
		bc, _ := NewBroadcast(g.OutShape(), g.OutShape())
		for _, op := range []struct {
			name string
			e    ConvEpilogue
			sep  func()
		}{
			{"gelu", ConvEpilogue{Op: EpiGELU}, func() { GELU(y, c) }},
			{"mul", ConvEpilogue{Op: EpiMul, T: other}, func() { bc.Apply(OpMul, y, other, c) }},
			{"add", ConvEpilogue{Op: EpiAdd, T: other}, func() { bc.Apply(OpAdd, y, c, other) }},
		} {
			b.Run(sh.name+"/"+op.name+"/fused", func(b *testing.B) {
				for b.Loop() {
					Conv2dForwardEpilogue(y, x, w, bias, g, op.e)
				}
			})
			b.Run(sh.name+"/"+op.name+"/unfused", func(b *testing.B) {
				for b.Loop() {
					Conv2d(c, x, w, bias, g)
					op.sep()
				}
			})
		}
	}
}
