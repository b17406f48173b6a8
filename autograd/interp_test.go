package autograd

import (
	"fmt"
	"math"
	"testing"

	"github.com/cvogl/halo/loader/golden"
)

func TestInterpolateGolden(t *testing.T) {
	for _, name := range golden.CasesOf(t, "interpolate_bilinear") {
		t.Run(name, func(t *testing.T) {
			c := golden.Load(t, name)
			if c.Hparams["mode"] != "bilinear" || c.Hparams["align_corners"] != false {
				t.Fatalf("unexpected hparams %v", c.Hparams)
			}
			x := convGoldenParam(t, c, "in.x")
			size := convPair(t, c, "size")
			y := Interpolate(x, size[0], size[1])
			c.Check(t, "out.y", y.Data)
			cot, _ := c.F32(t, "cot.y")
			Backward([]*Tensor{y}, [][]float32{cot})
			c.Check(t, "grad.in.x", x.Grad)
		})
	}
}

// refBilinear follows the align_corners=False formula in float64.
func refBilinear(x []float64, n, c, h, w, oh, ow int) []float64 {
	tap := func(d, in, out int) (int, int, float64) {
		src := math.Max((float64(d)+0.5)*float64(in)/float64(out)-0.5, 0)
		i0 := int(src)
		i1 := min(i0+1, in-1)
		return i0, i1, src - float64(i0)
	}
	var y []float64
	for p := 0; p < n*c; p++ {
		for i := 0; i < oh; i++ {
			h0, h1, lh := tap(i, h, oh)
			for j := 0; j < ow; j++ {
				w0, w1, lw := tap(j, w, ow)
				at := func(a, b int) float64 { return x[(p*h+a)*w+b] }
				y = append(y, (1-lh)*((1-lw)*at(h0, w0)+lw*at(h0, w1))+lh*((1-lw)*at(h1, w0)+lw*at(h1, w1)))
			}
		}
	}
	return y
}

func TestInterpolateGradCheck(t *testing.T) {
	for i, tc := range []struct{ n, c, h, w, oh, ow int }{
		{2, 3, 2, 2, 4, 4},
		{1, 2, 5, 7, 11, 16}, // up, odd ratio
		{1, 2, 9, 9, 4, 6},   // down
		{1, 1, 4, 6, 8, 3},   // up in h, down in w
		{1, 1, 3, 5, 3, 5},   // identity
		{1, 1, 1, 1, 3, 2},   // single pixel
		{1, 1, 6, 4, 1, 1},   // to one pixel
	} {
		t.Run(fmt.Sprintf("%v", tc), func(t *testing.T) {
			x := RandTensor(uint64(i), -1, 1, tc.n, tc.c, tc.h, tc.w)
			GradCheck(t, []*Tensor{x}, func(in []*Tensor) []*Tensor {
				return []*Tensor{Interpolate(in[0], tc.oh, tc.ow)}
			}, func(in [][]float64) [][]float64 {
				return [][]float64{refBilinear(in[0], tc.n, tc.c, tc.h, tc.w, tc.oh, tc.ow)}
			})
		})
	}
}

// TestInterpolateIdentity checks that resizing to the same size returns the input
// exactly (every source index lands on a pixel centre).
func TestInterpolateIdentity(t *testing.T) {
	x := RandTensor(3, -1, 1, 2, 2, 5, 7)
	y := Interpolate(x, 5, 7)
	for i := range x.Data {
		if y.Data[i] != x.Data[i] {
			t.Fatalf("element %d: %v != %v", i, y.Data[i], x.Data[i])
		}
	}
}
