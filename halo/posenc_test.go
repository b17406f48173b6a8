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
				// The SLEEF ports reproduce PyTorch's float32 constant bit for bit.
				if exact != len(want) {
					t.Errorf("%d of %d values differ from the PyTorch constant", len(want)-exact, len(want))
				}
				return
			}
			xd, xs := c.F32(t, "in.x")
			x := autograd.Param(xd, xs...)
			y := AddPositionEncoding(x)
			c.Check(t, "out.y", y.Data)
			want, _ := c.F32(t, "out.y")
			for i := range want {
				if y.Data[i] != want[i] {
					t.Fatalf("out.y[%d] = %v, PyTorch %v: not bit-identical", i, y.Data[i], want[i])
				}
			}
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

// The SLEEF ports must stay within an ulp or two of the true functions on both of
// SLEEF's reduction paths (|d| < 125 and the Payne-Hanek path above).
func TestSleefPortsAccuracy(t *testing.T) {
	ulp := func(v float64) float64 {
		f := float32(v)
		return float64(math.Nextafter32(f, float32(math.Inf(1))) - f)
	}
	for i := range 20000 {
		d := float32(-300 + 600*float64(i)/20000)
		for _, c := range []struct {
			name string
			got  float32
			want float64
		}{{"sin", sleefSinf(d), math.Sin(float64(d))}, {"cos", sleefCosf(d), math.Cos(float64(d))}} {
			if e := math.Abs(float64(c.got) - c.want); e > 2*ulp(c.want)+1e-12 {
				t.Fatalf("%s(%v) = %v, want %v (error %.3g)", c.name, d, c.got, c.want, e)
			}
		}
		e := float32(-20 + 25*float64(i)/20000)
		if got, want := sleefExpf(e), math.Exp(float64(e)); math.Abs(float64(got)-want) > 2*ulp(want) {
			t.Fatalf("exp(%v) = %v, want %v", e, got, want)
		}
	}
}

// TestAddPositionEncodingPieces checks the parallel vector add on a batch of three
// odd-sized maps bit for bit against the scalar formula, and that the backward adds to
// a gradient already present.
func TestAddPositionEncodingPieces(t *testing.T) {
	const n, c, h, w = 3, 12, 7, 13
	x := autograd.RandTensor(5, -1, 1, n, c, h, w)
	pe := PositionEncoding(c, h, w)
	y := AddPositionEncoding(x)
	for i, v := range x.Data {
		if want := v + pe[i%len(pe)]; y.Data[i] != want {
			t.Fatalf("y[%d] = %v, want %v", i, y.Data[i], want)
		}
	}
	x.Grad = make([]float32, len(x.Data))
	for i := range x.Grad {
		x.Grad[i] = 0.5
	}
	g := make([]float32, len(y.Data))
	for i := range g {
		g[i] = float32(i % 17)
	}
	autograd.Backward([]*autograd.Tensor{y}, [][]float32{g})
	for i, v := range x.Grad {
		if want := 0.5 + float32(i%17); v != want {
			t.Fatalf("dx[%d] = %v, want %v", i, v, want)
		}
	}
}

// TestPositionTokensMatchesComposition holds the fused op to
// toTokens(AddPositionEncoding(x)) bit for bit, forward and backward (into a gradient
// already present), on a batch of odd-sized maps that leave partial tiles.
func TestPositionTokensMatchesComposition(t *testing.T) {
	const n, c, h, w = 2, 36, 5, 13
	g := make([]float32, n*c*h*w)
	for i := range g {
		g[i] = float32(i%29) - 14
	}
	run := func(f func(*autograd.Tensor) *autograd.Tensor) (y, dx []float32) {
		x := autograd.RandTensor(9, -1, 1, n, c, h, w)
		x.Grad = make([]float32, len(x.Data))
		for i := range x.Grad {
			x.Grad[i] = 0.25
		}
		out := f(x)
		if len(out.Shape) != 3 || out.Shape[0] != n || out.Shape[1] != h*w || out.Shape[2] != c {
			t.Fatalf("shape %v, want [%d %d %d]", out.Shape, n, h*w, c)
		}
		autograd.Backward([]*autograd.Tensor{out}, [][]float32{g})
		return out.Data, x.Grad
	}
	y1, d1 := run(PositionTokens)
	y0, d0 := run(func(x *autograd.Tensor) *autograd.Tensor { return toTokens(AddPositionEncoding(x)) })
	for i := range y0 {
		if y1[i] != y0[i] {
			t.Fatalf("y[%d] = %v, composition %v", i, y1[i], y0[i])
		}
	}
	for i := range d0 {
		if d1[i] != d0[i] {
			t.Fatalf("dx[%d] = %v, composition %v", i, d1[i], d0[i])
		}
	}
}

func TestPositionTokensGradCheck(t *testing.T) {
	const n, c, h, w = 2, 8, 3, 5
	pe := PositionEncoding(c, h, w)
	autograd.GradCheck(t, []*autograd.Tensor{autograd.RandTensor(4, -1, 1, n, c, h, w)},
		func(in []*autograd.Tensor) []*autograd.Tensor { return []*autograd.Tensor{PositionTokens(in[0])} },
		func(in [][]float64) [][]float64 {
			out := make([]float64, len(in[0]))
			for s := range n {
				for ch := range c {
					for p := range h * w {
						out[(s*h*w+p)*c+ch] = in[0][(s*c+ch)*h*w+p] + float64(pe[ch*h*w+p])
					}
				}
			}
			return [][]float64{out}
		})
}
