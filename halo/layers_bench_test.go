package halo

import (
	"math/rand/v2"
	"testing"

	"github.com/cvogl/halo/autograd"
	"github.com/cvogl/halo/nn"
)

// HALO's heavy layers at the shapes of the network (batch 1), for comparison with
// the PyTorch and ONNX Runtime figures in shared/perf/PEERS.md. "fwd" runs under
// NoGrad; "fwdbwd" is forward plus both backward passes (input and weight
// gradients), its GFLOPS counting 3x the forward's FLOPs as the peers' table does.
var layerBenchCases = []struct {
	name            string
	in, out, hw, k  int
	stride, pad, dl int
	groups          int
}{
	{"conv3x3s2_512_128", 512, 512, 128, 3, 2, 1, 1, 1},    // satellite FPN downsample_p2
	{"conv1x1_128to512_128", 128, 512, 128, 1, 1, 0, 1, 1}, // satellite FPN conv_p2
	{"dw5x5_64_256", 64, 64, 256, 5, 1, 2, 1, 64},          // LSKblock conv0, stage 1
	{"dw7x7d3_64_256", 64, 64, 256, 7, 1, 9, 3, 64},        // LSKblock conv_spatial, stage 1
	{"conv7x7s4_3to64_1024", 3, 64, 1024, 7, 4, 3, 1, 1},   // LSKNet patch_embed1
	{"conv3x3_64_64", 64, 64, 64, 3, 1, 1, 1, 1},           // ResNet18 layer1
}

func BenchmarkLayers(b *testing.B) {
	for _, c := range layerBenchCases {
		rng := rand.New(rand.NewPCG(1, 2))
		conv := nn.NewConv2d(rng, c.in, c.out, c.k, c.k, nn.ConvOpts{StrideH: c.stride, StrideW: c.stride,
			PadH: c.pad, PadW: c.pad, DilH: c.dl, DilW: c.dl, Groups: c.groups, Bias: true})
		x := autograd.RandTensor(3, -1, 1, 1, c.in, c.hw, c.hw)
		oh := (c.hw+2*c.pad-c.dl*(c.k-1)-1)/c.stride + 1
		macs := float64(oh*oh) * float64(c.out) * float64(c.in/c.groups) * float64(c.k*c.k)
		b.Run(c.name+"/fwd", func(b *testing.B) {
			reportGFLOPS(b, 2*macs)
			for b.Loop() {
				// Released as the model releases it, so the buffer pool recycles the
				// output instead of each run faulting in fresh pages.
				autograd.NoGrad(func() { conv.Forward(x).Release() })
			}
		})
		b.Run(c.name+"/fwdbwd", func(b *testing.B) {
			reportGFLOPS(b, 6*macs)
			for b.Loop() {
				y := conv.Forward(x)
				y.Release()            // freed once the backward has run, as in the model
				y.BackwardWith(y.Data) // any cotangent of y's size
				x.ZeroGrad()
				nn.ZeroGrad(conv)
			}
		})
	}
}

// BenchmarkResNet18 runs the query backbone (ResNet18 without its classifier) on one
// 256x256 image: eval forward, and a training-mode forward plus backward.
func BenchmarkResNet18(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	r := NewResNet(rng, [4]int{64, 128, 256, 512}, [4]int{2, 2, 2, 2})
	x := autograd.RandTensor(3, -1, 1, 1, 3, 256, 256)
	cfg, err := Preset("paper", "drone")
	if err != nil {
		b.Fatal(err)
	}
	var macs float64
	for _, s := range ForwardStages(cfg, 1, false) {
		if len(s.Name) > 7 && s.Name[:7] == "resnet." {
			macs += s.MACs
		}
	}
	b.Run("fwd", func(b *testing.B) {
		r.SetTraining(false)
		reportGFLOPS(b, 2*macs)
		for b.Loop() {
			autograd.NoGrad(func() { r.Forward(x) })
		}
	})
	b.Run("fwdbwd", func(b *testing.B) {
		r.SetTraining(true)
		reportGFLOPS(b, 6*macs)
		for b.Loop() {
			x2, x3, x4 := r.Forward(x)
			autograd.Backward([]*autograd.Tensor{x2, x3, x4}, [][]float32{x2.Data, x3.Data, x4.Data})
			x.ZeroGrad()
			nn.ZeroGrad(r)
		}
	})
}

// reportGFLOPS adds GFLOPS (flops per iteration over the time per iteration) and
// ms/op to the benchmark's output.
func reportGFLOPS(b *testing.B, flops float64) {
	b.Cleanup(func() {
		if b.N > 0 && b.Elapsed() > 0 {
			s := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(flops/s/1e9, "GFLOPS")
			b.ReportMetric(s*1e3, "ms/op")
		}
	})
}
