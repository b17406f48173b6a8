package ops

import (
	"math/rand/v2"
	"os"
	"syscall"

	"github.com/cvogl/halo/simd"
	"testing"
)

// The LSKNet Mlp's depthwise 3x3 + GELU at paper size, batch 1 (stage 1 to 4: hidden
// channels at the stage's resolution). Each shape reports GFLOP/s (the convolution's
// flops: 18 per output for the forward, twice that for the backward's dx and dw) and
// GB/s of the tensors it must read and write once (forward: x, y, and pre when kept;
// backward: gy, x, dx read and written, and pre when kept).
// dwBenchParts adds the convolution and the GELU steps alone, for locating the time.
var dwBenchParts = os.Getenv("HALO_DWBENCH_PARTS") != ""

var dwGELUBenchShapes = []struct {
	name string
	c, h int
}{
	{"512ch_256", 512, 256},
	{"1024ch_128", 1024, 128},
	{"1280ch_64", 1280, 64},
	{"2048ch_32", 2048, 32},
}

func BenchmarkDepthwiseGELUShapes(b *testing.B) {
	for _, s := range dwGELUBenchShapes {
		g := NewConvGeom([]int{1, s.c, s.h, s.h}, []int{s.c, 1, 3, 3}, []int{s.c}, ConvParams{PadH: 1, PadW: 1, Groups: s.c})
		rng := rand.New(rand.NewPCG(1, 2))
		x, w, bias := convRandSlice(rng, g.N*g.C*g.H*g.W), convRandSlice(rng, g.O*g.KH*g.KW), convRandSlice(rng, g.O)
		n := g.N * g.O * g.OH * g.OW
		y, pre, gy := make([]float32, n), make([]float32, n), convRandSlice(rng, n)
		dx, dw, db := make([]float32, len(x)), make([]float32, len(w)), make([]float32, g.O)
		flops := 2 * float64(n) * float64(g.KH*g.KW)
		run := func(name string, f func(), fl float64, tensors int) {
			b.Run(s.name+"/"+name, func(b *testing.B) {
				b.SetBytes(int64(4 * n * tensors))
				cpu0 := processCPUSeconds()
				for b.Loop() {
					f()
				}
				b.ReportMetric(fl*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
				// CPU seconds of this process per op: on a shared machine it counts only
				// the time the op had the cores (2 cores fully busy = 2x wall time).
				b.ReportMetric((processCPUSeconds()-cpu0)*1e3/float64(b.N), "cpu-ms/op")
			})
		}
		// old: the forward keeps pre, the backward reads it (before recomputation);
		// new: what autograd.DepthwiseConv2dGELU runs now.
		run("fwd_old", func() { depthwiseGELUForwardOld(y, pre, x, w, bias, g) }, flops, 3)
		run("fwd_new", func() { DepthwiseConv2dGELU(y, nil, x, w, bias, g) }, flops, 2)
		run("fwd_new_nostream", func() { depthwiseForwardAct(y, nil, x, w, bias, g, simd.DWGELU) }, flops, 2)
		run("bwd_old", func() { depthwiseGELUBackwardPre(dx, dw, db, gy, pre, x, w, g, geluBackwardOld) }, 2*flops, 5)
		run("bwd_new", func() { DepthwiseConv2dGELUBackward(dx, dw, db, gy, x, w, bias, g) }, 2*flops, 4)
		run("bwd_new_zerodx", func() { DepthwiseConv2dGELUBackwardZeroDx(dx, dw, db, gy, x, w, bias, g) }, 2*flops, 3)
		if dwBenchParts {
			run("conv", func() { Conv2d(pre, x, w, bias, g) }, flops, 2)
			run("gelu", func() { GELU(y, pre) }, flops, 2)
			run("gelubwd", func() { GELUBackward(dx, gy, pre) }, flops, 3)
		}
	}
}

// processCPUSeconds is the user+system CPU time of this process so far.
func processCPUSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
