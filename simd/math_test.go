package simd

import (
	"math"
	"math/rand/v2"
	"testing"
)

// ulpErr is |got - want| in units of the float32 spacing at want; results whose exact
// value is below the smallest normal float32 count as exact when |got| <= 2^-126 (the
// kernels flush them to zero, see math_generic.go).
func ulpErr(got float32, want float64) float64 {
	const minNormal = 0x1p-126
	if math.IsNaN(want) {
		if math.IsNaN(float64(got)) {
			return 0
		}
		return math.Inf(1)
	}
	if math.IsInf(float64(float32(want)), 0) {
		want = float64(float32(want)) // beyond MaxFloat32 the float32 answer is Inf
	}
	if math.IsInf(want, 0) || math.IsInf(float64(got), 0) {
		if float64(got) == want {
			return 0
		}
		return math.Inf(1)
	}
	if math.Abs(want) < minNormal {
		if math.Abs(float64(got)) <= minNormal {
			return 0
		}
		return math.Inf(1)
	}
	_, e := math.Frexp(want) // want = f * 2^e, 0.5 <= |f| < 1
	ulp := math.Ldexp(1, e-24)
	return math.Abs(float64(got)-want) / ulp
}

// mathInputs: a dense sweep over [lo, hi], random float32s in it, and special values.
func mathInputs(lo, hi float64) []float32 {
	var xs []float32
	const n = 60000
	for i := 0; i <= n; i++ {
		xs = append(xs, float32(lo+(hi-lo)*float64(i)/n))
	}
	r := rand.New(rand.NewPCG(41, 42))
	for range 20000 {
		xs = append(xs, float32(lo+(hi-lo)*r.Float64()))
	}
	for range 2000 { // small magnitudes
		xs = append(xs, float32(math.Ldexp(r.Float64()*2-1, -r.IntN(40))))
	}
	inf := float32(math.Inf(1))
	xs = append(xs, 0, float32(math.Copysign(0, -1)), inf, -inf, float32(math.NaN()),
		expHi, math.Nextafter32(expHi, inf), expLo, math.Nextafter32(expLo, -inf),
		-expHi, -expLo, math.MaxFloat32, -math.MaxFloat32, 1e-45, -1e-45, -14, 14, -13.9, 100, -100)
	return xs
}

var mathFuncs = []struct {
	name   string
	run    func(im *impl) func(dst, x []float32)
	ref    func(x float64) float64
	lo, hi float64
	bound  float64 // ulp, the bound documented in math_generic.go
}{
	{"Exp", func(im *impl) func(dst, x []float32) { return im.exp }, math.Exp, -104, 90, 1},
	{"Sigmoid", func(im *impl) func(dst, x []float32) { return im.sigmoid },
		func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }, -104, 30, 2.5},
	{"ELU", func(im *impl) func(dst, x []float32) { return im.elu },
		func(x float64) float64 {
			if x > 0 || math.IsNaN(x) {
				return x
			}
			return math.Expm1(x)
		}, -100, 10, 1},
	{"GELU", func(im *impl) func(dst, x []float32) { return im.gelu },
		func(x float64) float64 {
			if math.IsInf(x, -1) {
				return 0
			}
			return x * 0.5 * math.Erfc(-x/math.Sqrt2)
		}, -16, 16, 6},
}

// TestMathAccuracy checks every path against math.Exp/math.Erf/math.Expm1 in float64
// within the documented bound, over sweeps that include the tails and special values,
// and at every tail length (odd start, guard cells).
func TestMathAccuracy(t *testing.T) {
	forEachPath(t, func(t *testing.T, im *impl) {
		for _, f := range mathFuncs {
			xs := mathInputs(f.lo, f.hi)
			got := make([]float32, len(xs))
			f.run(im)(got, xs)
			worst, worstX := 0.0, float32(0)
			for i, x := range xs {
				e := ulpErr(got[i], f.ref(float64(x)))
				if !(e <= worst) {
					worst, worstX = e, x
				}
			}
			t.Logf("%s: max error %.2f ulp at x=%v", f.name, worst, worstX)
			if !(worst <= f.bound) {
				i := 0
				for ; xs[i] != worstX && !(math.IsNaN(float64(worstX)) && math.IsNaN(float64(xs[i]))); i++ {
				}
				t.Errorf("%s: error %.2f ulp at x=%v (got %v, want %v), bound %v",
					f.name, worst, worstX, got[i], f.ref(float64(worstX)), f.bound)
			}
			// Tails and in-place use.
			r := rand.New(rand.NewPCG(43, 44))
			for _, n := range vecLens {
				x, _ := guarded(t, r, n)
				dst, check := guarded(t, r, n)
				f.run(im)(dst, x)
				check(f.name)
				f.run(im)(x, x) // dst aliasing x
				for i := range x {
					if x[i] != dst[i] {
						t.Fatalf("%s n=%d in place: [%d] = %v, want %v", f.name, n, i, x[i], dst[i])
					}
				}
			}
		}
	})
}

// TestMathMatchesGeneric holds the assembly to the pure-Go twin: the same algorithm, so
// results agree to within the two bounds (FMA contraction differs).
func TestMathMatchesGeneric(t *testing.T) {
	for _, f := range mathFuncs {
		xs := mathInputs(f.lo, f.hi)
		want := make([]float32, len(xs))
		f.run(genericImpl)(want, xs)
		for _, im := range impls[1:] {
			got := make([]float32, len(xs))
			f.run(im)(got, xs)
			for i := range xs {
				if e := ulpErr(got[i], float64(want[i])); !(e <= 2*f.bound) {
					t.Fatalf("%s %s x=%v: %v, generic %v", im.name, f.name, xs[i], got[i], want[i])
				}
			}
		}
	}
}

func TestExportedActivations(t *testing.T) {
	x := []float32{-1, 0, 0.5, 2}
	d := make([]float32, 4)
	Exp(d, x)
	if math.Abs(float64(d[0])-math.Exp(-1)) > 1e-7 || d[1] != 1 {
		t.Fatalf("Exp = %v", d)
	}
	Sigmoid(d, x)
	if d[1] != 0.5 {
		t.Fatalf("Sigmoid(0) = %v", d[1])
	}
	ELU(d, x)
	if d[3] != 2 || math.Abs(float64(d[0])-math.Expm1(-1)) > 1e-7 {
		t.Fatalf("ELU = %v", d)
	}
	GELU(d, x)
	if d[1] != 0 || math.Abs(float64(d[3])-2*0.5*math.Erfc(-2/math.Sqrt2)) > 1e-6 {
		t.Fatalf("GELU = %v", d)
	}
}
