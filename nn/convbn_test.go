package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cvogl/halo/autograd"
)

// TestConvBNFoldsInEval checks the folded inference path against conv followed by
// BatchNorm, with non-trivial running statistics, for convolutions with and without
// bias, grouped and strided.
func TestConvBNFoldsInEval(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    ConvOpts
		in   int
	}{
		{"3x3 bias", ConvOpts{PadH: 1, PadW: 1, Bias: true}, 5},
		{"3x3/2 no bias", ConvOpts{StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}, 4},
		{"1x1 groups 2", ConvOpts{Groups: 2, Bias: true}, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, 8))
			conv := NewConv2d(rng, tc.in, 6, 3, 3, tc.o)
			if tc.o.Groups == 2 {
				conv = NewConv2d(rng, tc.in, 6, 1, 1, tc.o)
			}
			bn := NewBatchNorm2d(6, 0.1, 1e-5)
			for i := range 6 {
				bn.RunningMean.Data[i] = float32(i) - 2.5
				bn.RunningVar.Data[i] = 0.2 + float32(i)
				bn.Weight.Data[i] = 1.5 - 0.3*float32(i)
				bn.Bias.Data[i] = 0.1 * float32(i)
			}
			bn.SetTraining(false)
			x := autograd.RandTensor(9, -1, 1, 2, tc.in, 7, 9)
			var got, want *autograd.Tensor
			autograd.NoGrad(func() {
				got = ConvBN(conv, bn, x)
				want = bn.Forward(conv.Forward(x))
			})
			if !autograd.SameShape(got.Shape, want.Shape) {
				t.Fatalf("shape %v, want %v", got.Shape, want.Shape)
			}
			for i := range got.Data {
				if d := math.Abs(float64(got.Data[i] - want.Data[i])); d > 2e-6*(1+math.Abs(float64(want.Data[i]))) {
					t.Fatalf("element %d: folded %g, conv+bn %g", i, got.Data[i], want.Data[i])
				}
			}
			// Folding must actually change the path: with a different running mean the
			// folded result must follow it.
			bn.RunningMean.Data[0] += 1
			var moved *autograd.Tensor
			autograd.NoGrad(func() { moved = ConvBN(conv, bn, x) })
			if moved.Data[0] == got.Data[0] {
				t.Fatal("folded output ignores the running mean")
			}
		})
	}
}

// TestConvBNTrainingUnchanged: in training mode, or with a graph recorded, ConvBN is
// exactly conv then BatchNorm, running statistics and gradients included.
func TestConvBNTrainingUnchanged(t *testing.T) {
	for _, training := range []bool{true, false} {
		rng := rand.New(rand.NewPCG(1, 2))
		conv := NewConv2d(rng, 3, 4, 3, 3, ConvOpts{PadH: 1, PadW: 1, Bias: true})
		bn := NewBatchNorm2d(4, 0.1, 1e-5)
		bn.SetTraining(training)
		x := autograd.RandTensor(3, -1, 1, 2, 3, 5, 5)
		got := ConvBN(conv, bn, x)
		got.BackwardWith(got.Data)
		gw := append([]float32(nil), conv.Weight.Grad...)
		rm := append([]float32(nil), bn.RunningMean.Data...)
		ZeroGrad(conv)
		bn2 := NewBatchNorm2d(4, 0.1, 1e-5)
		bn2.SetTraining(training)
		want := bn2.Forward(conv.Forward(x))
		want.BackwardWith(want.Data)
		for i := range got.Data {
			if got.Data[i] != want.Data[i] {
				t.Fatalf("training=%v: output %d differs", training, i)
			}
		}
		for i := range gw {
			if gw[i] != conv.Weight.Grad[i] {
				t.Fatalf("training=%v: weight gradient %d differs", training, i)
			}
		}
		for i := range rm {
			if rm[i] != bn2.RunningMean.Data[i] {
				t.Fatalf("training=%v: running mean %d differs", training, i)
			}
		}
	}
}
