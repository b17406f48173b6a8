package simd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// geluGradRef is Phi(x) + x*phi(x) in float64.
func geluGradRef(x float64) float64 {
	switch {
	case math.IsNaN(x):
		return x
	case math.IsInf(x, 1):
		return 1
	case math.IsInf(x, -1):
		return 0
	}
	return 0.5*math.Erfc(-x/math.Sqrt2) + x*math.Exp(-x*x/2)/math.Sqrt(2*math.Pi)
}

// geluGradZero is the zero of d(x), near which only an absolute bound holds.
const geluGradZero = -0.7517915241

// geluGradErr returns the error of got against want in the units of the documented
// bound (gelugrad_generic.go): <= 1 passes.
func geluGradErr(x float32, got float32, want float64) float64 {
	if math.IsNaN(want) {
		if math.IsNaN(float64(got)) {
			return 0
		}
		return math.Inf(1)
	}
	if math.IsNaN(float64(got)) || math.IsInf(float64(got), 0) {
		return math.Inf(1)
	}
	if math.Abs(want) < minNormal32 { // flushed (or exact) below the normal range
		if math.Abs(float64(got)) <= minNormal32 {
			return 0
		}
		return math.Inf(1)
	}
	err := math.Abs(float64(got) - want)
	if math.Abs(float64(x)-geluGradZero) < geluGradNearZero {
		return err / (geluGradRel*math.Abs(want) + geluGradAbs)
	}
	return err / (geluGradRel * math.Abs(want))
}

// The documented bound: relative geluGradRel, plus geluGradAbs within geluGradNearZero of
// the zero of d.
const (
	geluGradRel      = 1e-6
	geluGradAbs      = 3e-8
	geluGradNearZero = 0.15
)

func geluGradInputs() []float32 {
	xs := mathInputs(-16, 16)
	r := rand.New(rand.NewPCG(7, 8))
	for range 20000 { // around the zero of d and the |x| = 1 seam
		xs = append(xs, float32(geluGradZero+0.2*(r.Float64()*2-1)))
		xs = append(xs, float32(1+0.05*(r.Float64()*2-1)), float32(-1+0.05*(r.Float64()*2-1)))
	}
	for i := 0; i <= 60000; i++ { // the far negative tail, where results leave the normal range
		xs = append(xs, float32(-12-2.5*float64(i)/60000))
	}
	xs = append(xs, 1, -1, math.Nextafter32(1, 2), math.Nextafter32(-1, -2), geluGradZero,
		1e-38, -1e-38, 1e-40, -1e-40)
	return xs
}

func TestGELUGradAccuracy(t *testing.T) {
	xs := geluGradInputs()
	for _, im := range impls {
		t.Run(im.name, func(t *testing.T) {
			k := gelugradFor(im)
			g := make([]float32, len(xs))
			dx := make([]float32, len(xs))
			for i := range g {
				g[i] = 1
			}
			k(dx, g, xs)
			worst, worstX, worstRel, bad := 0.0, float32(0), 0.0, 0
			for i, x := range xs {
				want := geluGradRef(float64(x))
				e := geluGradErr(x, dx[i], want)
				if e > worst {
					worst, worstX = e, x
				}
				if math.Abs(want) >= minNormal32 && math.Abs(float64(x)-geluGradZero) >= geluGradNearZero {
					worstRel = max(worstRel, math.Abs(float64(dx[i])-want)/math.Abs(want))
				}
				if e > 1 {
					if bad++; bad <= 10 {
						t.Errorf("d(%g) = %g, want %g (error %.3g of the bound)", x, dx[i], want, e)
					}
				}
			}
			t.Logf("%s: worst %.3f of the bound at x = %g; worst relative error away from the zero %.3g",
				im.name, worst, worstX, worstRel)
		})
	}
}

func TestGELUGradSpecial(t *testing.T) {
	inf := float32(math.Inf(1))
	cases := []struct{ x, want float32 }{
		{inf, 1}, {-inf, 0}, {100, 1}, {-100, 0}, {14, 1}, {-14, 0}, {0, 0.5},
		{float32(math.Copysign(0, -1)), 0.5}, {1e-45, 0.5}, {-1e-45, 0.5},
	}
	for _, im := range impls {
		k := gelugradFor(im)
		for _, c := range cases {
			dx, g := []float32{0}, []float32{1}
			k(dx, g, []float32{c.x})
			if dx[0] != c.want {
				t.Errorf("%s: d(%g) = %g, want %g", im.name, c.x, dx[0], c.want)
			}
		}
		dx := []float32{0}
		k(dx, []float32{1}, []float32{float32(math.NaN())})
		if !math.IsNaN(float64(dx[0])) {
			t.Errorf("%s: d(NaN) = %g, want NaN", im.name, dx[0])
		}
	}
}

// TestGELUGradAccumulates checks dx += g*d on every length around the vector widths
// (tails, masks) with an offset, and that nothing past len(x) is written.
func TestGELUGradAccumulates(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, im := range impls {
		k := gelugradFor(im)
		for n := 0; n <= 70; n++ {
			x := make([]float32, n+1)
			g := make([]float32, n+1)
			dx := make([]float32, n+1)
			for i := range x {
				x[i] = float32(r.NormFloat64() * 3)
				g[i] = float32(r.NormFloat64())
				dx[i] = float32(r.NormFloat64())
			}
			want := make([]float64, n+1)
			for i := range want {
				want[i] = float64(dx[i])
			}
			for i := 0; i < n; i++ {
				want[i] += float64(g[i]) * geluGradRef(float64(x[i]))
			}
			k(dx[:n], g[:n], x[:n])
			for i := range dx {
				tol := 1e-6 * (math.Abs(want[i]) + math.Abs(float64(g[i])))
				if i == n {
					tol = 0
				}
				if math.Abs(float64(dx[i])-want[i]) > tol {
					t.Fatalf("%s n=%d: dx[%d] = %g, want %g", im.name, n, i, dx[i], want[i])
				}
			}
		}
	}
}

// TestGELUGradPathsAgree holds the assembly to the pure-Go twin: they run the same
// algorithm, differing only by FMA roundings.
func TestGELUGradPathsAgree(t *testing.T) {
	xs := geluGradInputs()
	g := make([]float32, len(xs))
	for i := range g {
		g[i] = 1
	}
	ref := make([]float32, len(xs))
	gelugradGeneric(ref, g, xs)
	for _, im := range impls[1:] {
		got := make([]float32, len(xs))
		gelugradFor(im)(got, g, xs)
		for i := range got {
			a, b := float64(got[i]), float64(ref[i])
			if math.IsNaN(a) != math.IsNaN(b) || math.Abs(a-b) > 2e-6*math.Abs(b)+3e-8 {
				t.Fatalf("%s: d(%g) = %g, generic %g", im.name, xs[i], got[i], ref[i])
			}
		}
	}
}

func TestGELUGradLengths(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("GELUGrad with a short dx did not panic")
		}
	}()
	GELUGrad(make([]float32, 3), make([]float32, 4), make([]float32, 4))
}

// geluGradChunked is the algorithm ops.GELUBackward used before GELUGrad (forward GELU
// divided by x for Phi, Exp for phi), kept as the benchmark's baseline.
func geluGradChunked(dx, g, x []float32) {
	const chunk = 256
	var gl, e [chunk]float32
	for c := 0; c < len(x); c += chunk {
		n := min(chunk, len(x)-c)
		xs := x[c : c+n]
		for i, v := range xs {
			e[i] = -0.5 * v * v
		}
		Exp(e[:n], e[:n])
		GELU(gl[:n], xs)
		gs, ds := g[c:c+n], dx[c:c+n]
		for i, v := range xs {
			phiCDF := float32(0.5)
			if v > 1e-20 || v < -1e-20 {
				phiCDF = gl[i] / v
			}
			ds[i] += gs[i] * (phiCDF + v*float32(geluInvSqrt2Pi)*e[i])
		}
	}
}

// BenchmarkGELUGrad reports ns per element on one thread, for each path and for the old
// chunked algorithm (on the active path).
func BenchmarkGELUGrad(b *testing.B) {
	const n = 1 << 15
	r := rand.New(rand.NewPCG(5, 6))
	x, g, dx := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64() * 2)
		g[i] = float32(r.NormFloat64())
	}
	run := func(name string, k func(dx, g, x []float32)) {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				k(dx, g, x)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/elem")
		})
	}
	run(fmt.Sprintf("old-%s", active.name), geluGradChunked)
	for _, im := range impls {
		run(im.name, gelugradFor(im))
	}
}
