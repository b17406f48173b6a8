package halo

import (
	"math"
	"testing"

	"github.com/cvogl/halo/autograd"
	"github.com/cvogl/halo/loader/golden"
)

func TestPositionEncodingGolden(t *testing.T) {
	for _, name := range golden.CasesOf(t, "PositionEncodingSine") {
		t.Run(name, func(t *testing.T) {
			c := golden.Load(t, name)
			d := int(c.Hparam(t, "d_model"))
			if c.Has("out.pe") {
				want, s := c.F32(t, "out.pe")
				got := PositionEncoding(d, s[2], s[3])
				c.Check(t, "out.pe", got)
				exact := 0
				for i := range want {
					if got[i] == want[i] {
						exact++
					}
				}
				t.Logf("%d of %d values bit-identical to the PyTorch constant", exact, len(want))
				return
			}
			xd, xs := c.F32(t, "in.x")
			x := autograd.Param(xd, xs...)
			y := AddPositionEncoding(x)
			c.Check(t, "out.y", y.Data)
			cot, _ := c.F32(t, "cot.y")
			autograd.Backward([]*autograd.Tensor{y}, [][]float32{cot})
			c.Check(t, "grad.in.x", x.Grad)
		})
	}
}

func TestPositionEncodingFormula(t *testing.T) {
	const d, h, w = 8, 3, 5
	pe := PositionEncoding(d, h, w)
	for k := range d / 4 {
		div := math.Exp(float64(2*k) * -math.Log(10000) / (d / 2))
		for i := range h {
			for j := range w {
				x, y := float64(j+1)*div, float64(i+1)*div
				want := []float64{math.Sin(x), math.Cos(x), math.Sin(y), math.Cos(y)}
				for f, v := range want {
					if got := pe[((4*k+f)*h+i)*w+j]; math.Abs(float64(got)-v) > 1e-6 {
						t.Errorf("channel %d (%d,%d) = %v, want %v", 4*k+f, i, j, got, v)
					}
				}
			}
		}
	}
}

func TestAddPositionEncodingGradCheck(t *testing.T) {
	x := autograd.RandTensor(3, -1, 1, 2, 8, 3, 4)
	pe := PositionEncoding(8, 3, 4)
	autograd.GradCheck(t, []*autograd.Tensor{x},
		func(in []*autograd.Tensor) []*autograd.Tensor { return []*autograd.Tensor{AddPositionEncoding(in[0])} },
		func(in [][]float64) [][]float64 {
			out := make([]float64, len(in[0]))
			for i, v := range in[0] {
				out[i] = v + float64(pe[i%len(pe)])
			}
			return [][]float64{out}
		})
}
