package ops

import (
	"math"
	"math/rand/v2"
	"testing"
)

// ewUlps returns |got - want| in units of float32(want)'s last place.
func ewUlps(got float32, want float64) float64 {
	w := float32(want)
	ulp := math.Abs(float64(math.Nextafter32(w, float32(math.Inf(1))) - w))
	return math.Abs(float64(got)-want) / ulp
}

// ewRelErr returns |got - want| / |want|.
func ewRelErr(got float32, want float64) float64 {
	return math.Abs(float64(got)-want) / math.Abs(want)
}

// Forward kernels against float64 maths over a sweep (normal-range results), and
// backward kernels against their float64 derivatives.
func TestActivationKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	x := ewRand(rng, 40000, -9, 9) // long enough to be split across workers
	for v := float32(-0.01); v < 0.01; v += 1e-5 {
		x = append(x, v) // near 0, where GELU's relative error peaks
	}
	// The erfc form keeps float64 accuracy in the negative tail, where 1+erf cancels.
	phi := func(v float64) float64 { return 0.5 * math.Erfc(-v/math.Sqrt2) }
	cases := []struct {
		name string
		fwd  func(dst, x []float32)
		bwd  func(dx, g, x, y []float32)
		f, d func(v float64) float64
		rel  float64 // relative error bound of the forward (one ulp is 6e-8 to 1.2e-7)
	}{
		{"relu", ReLU, func(dx, g, x, y []float32) { ReLUBackward(dx, g, x) },
			func(v float64) float64 { return math.Max(v, 0) },
			func(v float64) float64 { return map[bool]float64{true: 1, false: 0}[v > 0] }, 0},
		{"leaky", func(d, x []float32) { LeakyReLU(d, x, 0.2) }, func(dx, g, x, y []float32) { LeakyReLUBackward(dx, g, x, 0.2) },
			func(v float64) float64 { return math.Max(v, 0) + float64(float32(0.2))*math.Min(v, 0) },
			func(v float64) float64 { return map[bool]float64{true: 1, false: float64(float32(0.2))}[v > 0] }, 0},
		{"gelu", GELU, func(dx, g, x, y []float32) { GELUBackward(dx, g, x) },
			func(v float64) float64 { return v * phi(v) },
			func(v float64) float64 { return phi(v) + v*math.Exp(-v*v/2)/math.Sqrt(2*math.Pi) }, 1e-6},
		{"sigmoid", Sigmoid, func(dx, g, x, y []float32) { SigmoidBackward(dx, g, y) },
			func(v float64) float64 { return 1 / (1 + math.Exp(-v)) },
			func(v float64) float64 { s := 1 / (1 + math.Exp(-v)); return s * (1 - s) }, 4e-7},
		{"exp", Exp, func(dx, g, x, y []float32) { ExpBackward(dx, g, y) }, math.Exp, math.Exp, 3e-7},
		{"elu", func(d, x []float32) { ELU(d, x, 0.5) }, func(dx, g, x, y []float32) { ELUBackward(dx, g, x, 0.5) },
			func(v float64) float64 {
				if v > 0 {
					return v
				}
				return 0.5 * math.Expm1(v)
			},
			func(v float64) float64 {
				if v > 0 {
					return 1
				}
				return 0.5 * math.Exp(v)
			}, 4e-7},
	}
	for _, c := range cases {
		y := make([]float32, len(x))
		c.fwd(y, x)
		g := ewRand(rng, len(x), -1, 1)
		dx := make([]float32, len(x))
		for i := range dx {
			dx[i] = 1 // backward must accumulate
		}
		c.bwd(dx, g, x, y)
		for i, v := range x {
			want := c.f(float64(v))
			if math.Abs(want) > 1e-30 && ewRelErr(y[i], want) > max(c.rel, 0.5*0x1p-23) {
				t.Fatalf("%s(%v) = %v, want %v (%.1f ulp)", c.name, v, y[i], want, ewUlps(y[i], want))
			}
			wd := 1 + float64(g[i])*c.d(float64(v))
			if d := math.Abs(float64(dx[i]) - wd); d > 1e-6*math.Max(1, math.Abs(wd)) {
				t.Fatalf("%s'(%v): dx = %v, want %v", c.name, v, dx[i], wd)
			}
		}
	}
	// Log and its backward on positive inputs.
	p := ewRand(rng, 1000, 0.01, 100)
	y := make([]float32, len(p))
	Log(y, p)
	dx := make([]float32, len(p))
	LogBackward(dx, p, p)
	for i, v := range p {
		if ewUlps(y[i], math.Log(float64(v))) > 1 || dx[i] != 1 {
			t.Fatalf("log(%v) = %v, grad %v", v, y[i], dx[i])
		}
	}
}

func benchActivation(b *testing.B, f func(dst, x []float32)) {
	x := ewRand(rand.New(rand.NewPCG(8, 8)), 1<<20, -4, 4)
	dst := make([]float32, len(x))
	b.SetBytes(int64(4 * len(x)))
	for b.Loop() {
		f(dst, x)
	}
}

func BenchmarkGELU(b *testing.B)    { benchActivation(b, GELU) }
func BenchmarkSigmoid(b *testing.B) { benchActivation(b, Sigmoid) }
func BenchmarkGELUBackward(b *testing.B) {
	g := make([]float32, 1<<20)
	benchActivation(b, func(dst, x []float32) { GELUBackward(dst, g, x) })
}
