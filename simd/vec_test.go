package simd

import (
	"math"
	"math/rand/v2"
	"testing"
)

// vecLens covers 0, 1, every tail length of both vector widths (and of the 4x unrolled
// loops), primes and a few larger sizes.
var vecLens = func() []int {
	var l []int
	for n := 0; n <= 70; n++ {
		l = append(l, n)
	}
	return append(l, 97, 127, 128, 129, 255, 257, 1000, 4099)
}()

// guarded returns a slice of n values starting at an odd offset inside a buffer whose
// cells before and after it hold sentinel, and a func that fails the test if any
// sentinel changed.
func guarded(t *testing.T, r *rand.Rand, n int) ([]float32, func(what string)) {
	buf := make([]float32, n+7)
	for i := range buf {
		buf[i] = sentinel
	}
	s := buf[3 : 3+n]
	for i := range s {
		s[i] = float32(r.Float64()*4 - 2)
	}
	return s, func(what string) {
		t.Helper()
		for i := range buf {
			if (i < 3 || i >= 3+n) && buf[i] != sentinel {
				t.Fatalf("%s n=%d: wrote outside the slice at %d", what, n, i-3)
			}
		}
	}
}

func TestDotSum(t *testing.T) {
	eps := math.Pow(2, -24)
	forEachPath(t, func(t *testing.T, im *impl) {
		r := rand.New(rand.NewPCG(31, 32))
		for _, n := range vecLens {
			x, _ := guarded(t, r, n)
			y, _ := guarded(t, r, n+2) // longer y is allowed
			var ref, refAbs, sref, sAbs float64
			for i := range x {
				ref += float64(x[i]) * float64(y[i])
				refAbs += math.Abs(float64(x[i]) * float64(y[i]))
				sref += float64(x[i])
				sAbs += math.Abs(float64(x[i]))
			}
			if got := Dot(x, y); math.Abs(float64(got)-ref) > float64(n+2)*eps*refAbs {
				t.Fatalf("Dot n=%d = %v, want %v", n, got, ref)
			}
			if got := Sum(x); math.Abs(float64(got)-sref) > float64(n+2)*eps*sAbs {
				t.Fatalf("Sum n=%d = %v, want %v", n, got, sref)
			}
		}
	})
}

func TestMax(t *testing.T) {
	forEachPath(t, func(t *testing.T, im *impl) {
		r := rand.New(rand.NewPCG(33, 34))
		if got := Max(nil); !math.IsInf(float64(got), -1) {
			t.Fatalf("Max(nil) = %v", got)
		}
		for _, n := range vecLens[1:] {
			x, _ := guarded(t, r, n)
			// Put the maximum at every kind of position over the lengths tried.
			x[(n*7)%n] = 3
			if got := Max(x); got != 3 {
				t.Fatalf("Max n=%d = %v, want 3", n, got)
			}
			for i := range x {
				x[i] = -float32(i) - 1 // all negative: the tail must not contribute zeros
			}
			if got := Max(x); got != -1 {
				t.Fatalf("Max of negatives n=%d = %v, want -1", n, got)
			}
			x[n-1-(n/3)] = float32(math.NaN())
			if got := Max(x); !math.IsNaN(float64(got)) {
				t.Fatalf("Max with NaN n=%d = %v", n, got)
			}
		}
	})
}

// TestElementwise holds the single-operation kernels to the pure-Go twins bit for bit
// (each is one IEEE operation per element), and checks nothing outside dst is written,
// with dst separate and aliasing x.
func TestElementwise(t *testing.T) {
	forEachPath(t, func(t *testing.T, im *impl) {
		r := rand.New(rand.NewPCG(35, 36))
		for _, n := range vecLens {
			x, _ := guarded(t, r, n)
			y, _ := guarded(t, r, n)
			ops := []struct {
				name      string
				run, twin func(dst []float32)
			}{
				{"Add", func(d []float32) { Add(d, x, y) }, func(d []float32) { addGeneric(d, x, y) }},
				{"Mul", func(d []float32) { Mul(d, x, y) }, func(d []float32) { mulGeneric(d, x, y) }},
				{"AddScalar", func(d []float32) { AddScalar(d, x, 0.375) }, func(d []float32) { addScalarGeneric(d, x, 0.375) }},
				{"Scale", func(d []float32) { copy(d, x); Scale(-1.5, d) }, func(d []float32) { copy(d, x); scaleGeneric(-1.5, d) }},
			}
			for _, op := range ops {
				got, check := guarded(t, r, n)
				want := make([]float32, n)
				op.run(got)
				op.twin(want)
				check(op.name)
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("%s n=%d: [%d] = %v, want %v", op.name, n, i, got[i], want[i])
					}
				}
			}
			// dst aliasing x.
			want := make([]float32, n)
			addGeneric(want, x, y)
			xa := append([]float32(nil), x...)
			Add(xa, xa, y)
			for i := range want {
				if xa[i] != want[i] {
					t.Fatalf("Add aliased n=%d: [%d] = %v, want %v", n, i, xa[i], want[i])
				}
			}
		}
	})
}

func TestAxpy(t *testing.T) {
	eps := math.Pow(2, -24)
	forEachPath(t, func(t *testing.T, im *impl) {
		r := rand.New(rand.NewPCG(37, 38))
		for _, n := range vecLens {
			x, _ := guarded(t, r, n)
			y, check := guarded(t, r, n)
			y0 := append([]float32(nil), y...)
			Axpy(0.7, x, y)
			check("Axpy")
			for i := range y {
				want := float64(y0[i]) + float64(float32(0.7))*float64(x[i])
				if math.Abs(float64(y[i])-want) > 2*eps*(math.Abs(float64(y0[i]))+math.Abs(float64(x[i]))) {
					t.Fatalf("Axpy n=%d: [%d] = %v, want %v", n, i, y[i], want)
				}
			}
		}
	})
}

func TestVecLengthPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Add with short y did not panic")
		}
	}()
	Add(make([]float32, 4), make([]float32, 4), make([]float32, 3))
}

func TestFill(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 31, 100} {
		d := make([]float32, n+1)
		Fill(d[:n], 2.5)
		for i := 0; i < n; i++ {
			if d[i] != 2.5 {
				t.Fatalf("Fill n=%d: [%d] = %v", n, i, d[i])
			}
		}
		if d[n] != 0 {
			t.Fatalf("Fill n=%d wrote past the end", n)
		}
	}
}
