package autograd

import (
	"math"
	"testing"

	"github.com/cvogl/halo/loader/golden"
)

// ewActivations maps each golden op to the Go function it checks.
var ewActivations = map[string]func(*Tensor) *Tensor{
	"relu":           ReLU,
	"leaky_relu_0.1": func(x *Tensor) *Tensor { return LeakyReLU(x, 0.1) },
	"gelu_erf":       GELU,
	// The linear-attention feature map elu(x) + 1.
	"elu_plus1": func(x *Tensor) *Tensor { return AddScalar(ELU(x, 1), 1) },
	"sigmoid":   Sigmoid,
	"exp":       Exp,
}

func TestActivationsGolden(t *testing.T) {
	for op, fn := range ewActivations {
		for _, name := range golden.CasesOf(t, op) {
			t.Run(name, func(t *testing.T) {
				c := golden.Load(t, name)
				xd, xs := c.F32(t, "in.x")
				x := Param(xd, xs...)
				y := fn(x)
				if !SameShape(y.Shape, xs) {
					t.Fatalf("shape %v, want %v", y.Shape, xs)
				}
				c.Check(t, "out.y", y.Data)
				cot, _ := c.F32(t, "cot.y")
				Backward([]*Tensor{y}, [][]float32{cot})
				c.Check(t, "grad.in.x", x.Grad)
			})
		}
	}
}

// ewAwayFromZero returns a requires-grad tensor with values in ±[0.05, 3), so kinked
// activations are differentiable at every element and within the finite-difference step.
func ewAwayFromZero(seed uint64, shape ...int) *Tensor {
	x := RandTensor(seed, -3, 3, shape...)
	for i, v := range x.Data {
		if v >= 0 {
			x.Data[i] = v + 0.05
		} else {
			x.Data[i] = v - 0.05
		}
	}
	return x
}

func TestActivationsGradCheck(t *testing.T) {
	erf := func(v float64) float64 { return 0.5 * v * (1 + math.Erf(v/math.Sqrt2)) }
	cases := []struct {
		name string
		fn   func(*Tensor) *Tensor
		ref  func(float64) float64
		lo   float32 // 0: inputs away from zero in ±[0.05, 3)
	}{
		{"relu", ReLU, func(v float64) float64 { return math.Max(v, 0) }, 0},
		{"leaky_relu", func(x *Tensor) *Tensor { return LeakyReLU(x, 0.1) },
			func(v float64) float64 {
				if v > 0 {
					return v
				}
				return float64(float32(0.1)) * v
			}, 0},
		{"gelu", GELU, erf, 0},
		{"sigmoid", Sigmoid, func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }, 0},
		{"exp", Exp, math.Exp, 0},
		{"log", Log, math.Log, 0.2},
		{"elu", func(x *Tensor) *Tensor { return ELU(x, 0.7) },
			func(v float64) float64 {
				if v > 0 {
					return v
				}
				return float64(float32(0.7)) * math.Expm1(v)
			}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := ewAwayFromZero(30, 4, 6)
			if c.lo > 0 {
				x = RandTensor(31, c.lo, 3, 4, 6)
			}
			GradCheck(t, []*Tensor{x}, func(in []*Tensor) []*Tensor {
				return []*Tensor{c.fn(in[0])}
			}, func(in [][]float64) [][]float64 {
				y := make([]float64, len(in[0]))
				for i, v := range in[0] {
					y[i] = c.ref(v)
				}
				return [][]float64{y}
			})
		})
	}
}

// The subgradient at the kink is 0 for ReLU and slope for LeakyReLU, as in PyTorch.
func TestActivationKinks(t *testing.T) {
	x := Param([]float32{0, 0}, 2)
	Backward([]*Tensor{ReLU(x), LeakyReLU(x, 0.1)}, [][]float32{{1, 1}, {1, 1}})
	if x.Grad[0] != float32(0.1) {
		t.Fatalf("grad at 0 = %v, want 0.1", x.Grad[0])
	}
}
