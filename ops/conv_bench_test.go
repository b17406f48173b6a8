package ops

import (
	"math/rand/v2"
	"testing"
)

// Convolutions shaped like HALO's (spatial sizes reduced to keep runs short).
var convBenchCases = []struct {
	name string
	x, w []int
	p    ConvParams
}{
	{"resnet3x3_64", []int{2, 64, 56, 56}, []int{64, 64, 3, 3}, ConvParams{PadH: 1, PadW: 1}},
	{"resnet7x7s2", []int{2, 3, 128, 128}, []int{64, 3, 7, 7}, ConvParams{StrideH: 2, StrideW: 2, PadH: 3, PadW: 3}},
	{"pointwise256", []int{2, 256, 32, 32}, []int{256, 256, 1, 1}, ConvParams{}},
	{"dw7x7d3_64", []int{2, 64, 64, 64}, []int{64, 1, 7, 7}, ConvParams{PadH: 9, PadW: 9, DilH: 3, DilW: 3, Groups: 64}},
	{"dw3x3_128", []int{2, 128, 64, 64}, []int{128, 1, 3, 3}, ConvParams{PadH: 1, PadW: 1, Groups: 128}},
}

func convBenchSetup(b *testing.B, xs, ws []int, p ConvParams) (ConvGeom, []float32, []float32, []float32, []float32) {
	g := NewConvGeom(xs, ws, []int{ws[0]}, p)
	rng := rand.New(rand.NewPCG(1, 2))
	x := convRandSlice(rng, g.N*g.C*g.H*g.W)
	w := convRandSlice(rng, g.O*(g.C/g.P.Groups)*g.KH*g.KW)
	bias := convRandSlice(rng, g.O)
	y := make([]float32, g.N*g.O*g.OH*g.OW)
	flops := 2 * float64(len(y)) * float64(g.C/g.P.Groups*g.KH*g.KW)
	b.Cleanup(func() {
		b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
	})
	return g, x, w, bias, y
}

func BenchmarkConv2dForward(b *testing.B) {
	for _, c := range convBenchCases {
		b.Run(c.name, func(b *testing.B) {
			g, x, w, bias, y := convBenchSetup(b, c.x, c.w, c.p)
			for b.Loop() {
				Conv2d(y, x, w, bias, g)
			}
		})
	}
}

// BenchmarkConv2dBackward measures dx and dw together (twice the forward's flops;
// GFLOPS counts one forward's worth).
func BenchmarkConv2dBackward(b *testing.B) {
	for _, c := range convBenchCases {
		b.Run(c.name, func(b *testing.B) {
			g, x, w, _, y := convBenchSetup(b, c.x, c.w, c.p)
			dx, dw, db := make([]float32, len(x)), make([]float32, len(w)), make([]float32, g.O)
			for b.Loop() {
				Conv2dBackward(dx, dw, db, y, x, w, g)
			}
		})
	}
}

// HALO's depthwise convolutions at paper size: LSKNet stage 1 conv0 (5x5) and
// conv_spatial (7x7 dilation 3) on 64 channels at 256^2, and the Mlp's 3x3 on 512
// channels (at 64^2, the stage 3 size, to keep runs short). "fwd" counts the forward's
// flops; "fwdbwd" runs the forward and the backward for dx, dw and db and counts three
// forwards' worth (the convention of the PyTorch figures in shared/perf/PEERS.md).
var depthwiseBenchCases = []struct {
	name string
	x, w []int
	p    ConvParams
}{
	{"5x5_64ch_256", []int{1, 64, 256, 256}, []int{64, 1, 5, 5}, ConvParams{PadH: 2, PadW: 2, Groups: 64}},
	{"7x7d3_64ch_256", []int{1, 64, 256, 256}, []int{64, 1, 7, 7}, ConvParams{PadH: 9, PadW: 9, DilH: 3, DilW: 3, Groups: 64}},
	{"3x3_512ch_64", []int{1, 512, 64, 64}, []int{512, 1, 3, 3}, ConvParams{PadH: 1, PadW: 1, Groups: 512}},
}

func BenchmarkDepthwise(b *testing.B) {
	for _, c := range depthwiseBenchCases {
		for _, mode := range []string{"fwd", "fwdbwd"} {
			b.Run(c.name+"/"+mode, func(b *testing.B) {
				g := NewConvGeom(c.x, c.w, []int{c.w[0]}, c.p)
				rng := rand.New(rand.NewPCG(1, 2))
				x, w, bias := convRandSlice(rng, g.N*g.C*g.H*g.W), convRandSlice(rng, g.O*g.KH*g.KW), convRandSlice(rng, g.O)
				y := make([]float32, g.N*g.O*g.OH*g.OW)
				gy := convRandSlice(rng, len(y))
				dx, dw, db := make([]float32, len(x)), make([]float32, len(w)), make([]float32, g.O)
				flops := 2 * float64(len(y)) * float64(g.KH*g.KW)
				if mode == "fwdbwd" {
					flops *= 3
				}
				b.SetBytes(int64(4 * (len(x) + len(y))))
				for b.Loop() {
					Conv2d(y, x, w, bias, g)
					if mode == "fwdbwd" {
						Conv2dBackward(dx, dw, db, gy, x, w, g)
					}
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
			})
		}
	}
}

// BenchmarkDepthwiseGELU compares the Mlp's depthwise 3x3 then GELU as two passes
// (Conv2d, GELU) with DepthwiseConv2dGELU, which activates each strip while it is in
// cache (both keep the pre-activation, as training needs).
func BenchmarkDepthwiseGELU(b *testing.B) {
	c := depthwiseBenchCases[2]
	g := NewConvGeom(c.x, c.w, []int{c.w[0]}, c.p)
	rng := rand.New(rand.NewPCG(1, 2))
	x, w, bias := convRandSlice(rng, g.N*g.C*g.H*g.W), convRandSlice(rng, g.O*g.KH*g.KW), convRandSlice(rng, g.O)
	y, pre := make([]float32, g.N*g.O*g.OH*g.OW), make([]float32, g.N*g.O*g.OH*g.OW)
	flops := 2 * float64(len(y)) * float64(g.KH*g.KW)
	b.Run("separate", func(b *testing.B) {
		for b.Loop() {
			Conv2d(pre, x, w, bias, g)
			GELU(y, pre)
		}
		b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
	})
	b.Run("fused", func(b *testing.B) {
		for b.Loop() {
			DepthwiseConv2dGELU(y, pre, x, w, bias, g)
		}
		b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
	})
}
