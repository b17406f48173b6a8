package halo

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/cvogl/halo/autograd"
)

// TestLSKBlockInferenceFusion: an LSKNet block (odd map, batch 2) gives the same values
// bit for bit under NoGrad, where proj_1+GELU, conv*x and proj_2+x run fused inside the
// convolutions, as with a graph recorded (the plain ops); the staged forward, with its
// part hooks, too, and it still reports every part in order.
func TestLSKBlockInferenceFusion(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	blk := NewLSKBlock(rng, 16, 2, 0, 0, rand.New(rand.NewPCG(1, 2)))
	blk.Norm1.SetTraining(false)
	blk.Norm2.SetTraining(false)
	x := autograd.RandTensor(5, -2, 2, 2, 16, 13, 11)
	want := blk.Forward(x) // recorded: parameters require gradients
	if !want.RequiresGrad() {
		t.Fatal("reference forward recorded nothing")
	}
	var got, staged *autograd.Tensor
	var parts []string
	autograd.NoGrad(func() {
		got = blk.Forward(x)
		staged = lskBlockStaged(blk, x, func(part string, outs ...*autograd.Tensor) {
			parts = append(parts, part)
			if len(outs) == 0 || outs[0] == nil {
				t.Errorf("part %s reported no output", part)
			}
		})
	})
	for _, g := range []*autograd.Tensor{got, staged} {
		for i := range want.Data {
			if math.Float32bits(g.Data[i]) != math.Float32bits(want.Data[i]) {
				t.Fatalf("y[%d] = %v, recorded forward %v", i, g.Data[i], want.Data[i])
			}
		}
	}
	var wantParts []string
	for _, c := range lskBlockParts(1, 16, 32) {
		wantParts = append(wantParts, c.Name)
	}
	if !slices.Equal(parts, wantParts) {
		t.Errorf("parts %v, want %v", strings.Join(parts, " "), strings.Join(wantParts, " "))
	}
}
