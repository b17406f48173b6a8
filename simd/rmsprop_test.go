package simd

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Every path gives the scalar twin's result bit for bit, on lengths around the vector
// width, at an odd offset, with special values, and writes nothing past len(p).
func TestRMSpropStepPathsBitExact(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	old := active
	defer func() { active = old }()
	for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 31, 64, 131, 1000} {
		p0 := make([]float32, n+3)
		g0 := make([]float32, n+3)
		s0 := make([]float32, n+3)
		for i := range p0 {
			p0[i] = float32(r.NormFloat64() * 0.1)
			g0[i] = float32(r.NormFloat64() * math.Pow(10, float64(r.IntN(12)-9)))
			s0[i] = float32(r.Float64() * 1e-6)
		}
		if n > 5 {
			g0[1], g0[2], g0[3] = 0, float32(math.Inf(1)), float32(math.NaN())
			s0[4] = 0
		}
		var want []float32
		var wantSq []float32
		for _, im := range impls {
			active = im
			p := append([]float32(nil), p0...)
			sq := append([]float32(nil), s0...)
			RMSpropStep(p[1:n+1], g0[1:], sq[1:n+1], 5e-4, 1-0.99, 0.99, 1e-8, -1e-4)
			if p[0] != p0[0] || p[n+1] != p0[n+1] || sq[n+1] != s0[n+1] {
				t.Fatalf("%s n=%d: wrote outside the slice", im.name, n)
			}
			if want == nil {
				want, wantSq = p, sq
				continue
			}
			for i := range p {
				if math.Float32bits(p[i]) != math.Float32bits(want[i]) || math.Float32bits(sq[i]) != math.Float32bits(wantSq[i]) {
					t.Fatalf("%s n=%d [%d]: p %v sq %v, generic p %v sq %v", im.name, n, i, p[i], sq[i], want[i], wantSq[i])
				}
			}
		}
	}
}

// The scalar twin is the documented formula with one rounding per operation.
func TestRMSpropStepFormula(t *testing.T) {
	p, g, sq := []float32{0.5, -0.25}, []float32{0.01, -2}, []float32{0.003, 0}
	wd, om, al, eps, nlr := float32(5e-4), float32(0.01), float32(0.99), float32(1e-8), float32(-1e-4)
	want := make([]float32, 2)
	for i := range p {
		gi := FMA32(wd, p[i], g[i])
		s := FMA32(om*gi, gi, sq[i]*al)
		want[i] = p[i] + (nlr*gi)/(float32(math.Sqrt(float64(s)))+eps)
	}
	RMSpropStep(p, g, sq, wd, om, al, eps, nlr)
	for i := range p {
		if p[i] != want[i] {
			t.Errorf("[%d] = %v, want %v", i, p[i], want[i])
		}
	}
}

// FMA32 rounds once: against a float64 reference (a single rounding of the nearly exact
// sum) and on a case where rounding the product first gives another result. The
// double-rounding tie case is tested in package nn, whose optimisers use FMA32.
func TestFMA32(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for range 100000 {
		a := float32(r.NormFloat64())
		b := float32(r.NormFloat64())
		c := float32(r.NormFloat64())
		exact := float64(a)*float64(b) + float64(c) // exact unless exponents differ a lot
		if got := FMA32(a, b, c); got != float32(exact) && math.Abs(float64(got)-exact) > math.Abs(float64(float32(exact))-exact) {
			t.Fatalf("FMA32(%v,%v,%v) = %v, nearer float32 to %v is %v", a, b, c, got, exact, float32(exact))
		}
	}
	// Fused, not two roundings: (1+2^-12)^2 - 1 = 2^-11 + 2^-24 exactly, while rounding
	// the product first loses the 2^-24.
	a := float32(1 + 0x1p-12)
	if got, want := FMA32(a, a, -1), float32(0x1p-11+0x1p-24); got != want {
		t.Errorf("FMA32 = %v, want the single rounding %v", got, want)
	}
}

func BenchmarkRMSpropStep(b *testing.B) {
	n := 1 << 20
	p, g, sq := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range p {
		p[i], g[i], sq[i] = 0.1, 0.01, 1e-4
	}
	for range b.N {
		RMSpropStep(p, g, sq, 5e-4, 0.01, 0.99, 1e-8, -1e-4)
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds()/1e9, "Gelem/s")
}
