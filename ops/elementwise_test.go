package ops

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func ewUnravel(i int, shape []int) []int {
	idx := make([]int, len(shape))
	for d := len(shape) - 1; d >= 0; d-- {
		idx[d] = i % shape[d]
		i /= shape[d]
	}
	return idx
}

// ewBcastIndex is the flat index into an operand of shape s for output multi-index idx.
func ewBcastIndex(idx, s []int) int {
	off := len(idx) - len(s)
	k := 0
	for d, n := range s {
		i := idx[off+d]
		if n == 1 {
			i = 0
		}
		k = k*n + i
	}
	return k
}

func ewRand(rng *rand.Rand, n int, lo, hi float32) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = lo + (hi-lo)*rng.Float32()
	}
	return x
}

func TestBroadcastShape(t *testing.T) {
	cases := []struct{ a, b, want []int }{
		{[]int{2, 3, 4, 5}, []int{3, 1, 1}, []int{2, 3, 4, 5}},
		{[]int{}, []int{2}, []int{2}},
		{[]int{4, 1}, []int{3, 1, 6}, []int{3, 4, 6}},
		{[]int{0, 1}, []int{1, 5}, []int{0, 5}},
	}
	for _, c := range cases {
		got, err := BroadcastShape(c.a, c.b)
		if err != nil || fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("BroadcastShape(%v, %v) = %v, %v; want %v", c.a, c.b, got, err, c.want)
		}
	}
	if _, err := BroadcastShape([]int{2, 3}, []int{2}); err == nil {
		t.Error("[2 3] and [2] must not broadcast")
	}
}

// Every op on shape pairs that merge differently, including runs long enough to be split
// across workers, against a float64 evaluation of the NumPy rules.
func TestBroadcastKernels(t *testing.T) {
	pairs := []struct{ a, b []int }{
		{[]int{2, 3, 4, 5}, []int{2, 3, 4, 5}},
		{[]int{2, 3, 4, 5}, []int{3, 1, 1}},
		{[]int{3, 1, 1}, []int{2, 3, 4, 5}},
		{[]int{2, 3, 4, 5}, []int{2, 1, 4, 5}},
		{[]int{2, 7, 6}, []int{6}},
		{[]int{3, 1, 5}, []int{2, 1, 4, 1}},
		{[]int{5}, []int{}},
		{[]int{}, []int{}},
		{[]int{1, 1}, []int{1}},
		{[]int{3, 20000}, []int{20000}},        // long runs, split per worker
		{[]int{40000}, []int{1}},               // one long run against a constant
		{[]int{2, 3, 9000}, []int{2, 1, 9000}}, // [N,1,HW] map
		{[]int{4, 3, 10000}, []int{3, 1}},      // per-channel, large
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for _, p := range pairs {
		bc, err := NewBroadcast(p.a, p.b)
		if err != nil {
			t.Fatal(err)
		}
		na, nb, no := numel(p.a), numel(p.b), numel(bc.Out)
		a := ewRand(rng, na, -2, 2)
		b := ewRand(rng, nb, 0.5, 2)
		g := ewRand(rng, no, -1, 1)
		for _, op := range []BinaryOp{OpAdd, OpSub, OpMul, OpDiv} {
			dst := make([]float32, no)
			bc.Apply(op, dst, a, b)
			da := ewRand(rng, na, -1, 1) // accumulation must keep what was there
			db := ewRand(rng, nb, -1, 1)
			wantA := make([]float64, na)
			wantB := make([]float64, nb)
			for i := range wantA {
				wantA[i] = float64(da[i])
			}
			for i := range wantB {
				wantB[i] = float64(db[i])
			}
			bc.BackwardA(op, da, g, a, b)
			bc.BackwardB(op, db, g, a, b)
			for i := range no {
				idx := ewUnravel(i, bc.Out)
				ia, ib := ewBcastIndex(idx, p.a), ewBcastIndex(idx, p.b)
				av, bv, gv := float64(a[ia]), float64(b[ib]), float64(g[i])
				var y, dya, dyb float64
				switch op {
				case OpAdd:
					y, dya, dyb = av+bv, 1, 1
				case OpSub:
					y, dya, dyb = av-bv, 1, -1
				case OpMul:
					y, dya, dyb = av*bv, bv, av
				case OpDiv:
					y, dya, dyb = av/bv, 1/bv, -av/(bv*bv)
				}
				if math.Abs(float64(dst[i])-y) > 1e-6*math.Max(1, math.Abs(y)) {
					t.Fatalf("%v %v %v: out[%d] = %v, want %v", op, p.a, p.b, i, dst[i], y)
				}
				wantA[ia] += gv * dya
				wantB[ib] += gv * dyb
			}
			ewCheckClose(t, fmt.Sprintf("%v %v %v: grad a", op, p.a, p.b), da, wantA, 1e-5)
			ewCheckClose(t, fmt.Sprintf("%v %v %v: grad b", op, p.a, p.b), db, wantB, 1e-5)
		}
	}
}

// ewCheckClose compares got with want to rel*max(1, |want|) elementwise.
func ewCheckClose(t *testing.T, what string, got []float32, want []float64, rel float64) {
	t.Helper()
	scale := 1.0
	for _, w := range want {
		scale = math.Max(scale, math.Abs(w))
	}
	for i, w := range want {
		if d := math.Abs(float64(got[i]) - w); !(d <= rel*math.Max(1, math.Abs(w))+1e-6*scale) {
			t.Fatalf("%s [%d] = %v, want %v", what, i, got[i], w)
		}
	}
}

func TestScalarKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	x := ewRand(rng, 70000, -3, 3)
	y := make([]float32, len(x))
	AddScalar(y, x, 0.25)
	for i := range x {
		if y[i] != x[i]+0.25 {
			t.Fatalf("AddScalar [%d] = %v", i, y[i])
		}
	}
	Neg(y, x)
	AddTo(y, x)
	for i := range y {
		if y[i] != 0 {
			t.Fatalf("-x + x [%d] = %v", i, y[i])
		}
	}
	SubFrom(y, x)
	for i := range y {
		if y[i] != -x[i] {
			t.Fatalf("SubFrom [%d] = %v", i, y[i])
		}
	}
}

func benchBroadcast(b *testing.B, op BinaryOp, sa, sb []int, backward bool) {
	bc, err := NewBroadcast(sa, sb)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 9))
	x, y := ewRand(rng, numel(sa), 0.5, 1), ewRand(rng, numel(sb), 0.5, 1)
	out := make([]float32, numel(bc.Out))
	dx, dy := make([]float32, len(x)), make([]float32, len(y))
	b.SetBytes(int64(4 * len(out)))
	for b.Loop() {
		if backward {
			bc.BackwardA(op, dx, out, x, y)
			bc.BackwardB(op, dy, out, x, y)
		} else {
			bc.Apply(op, out, x, y)
		}
	}
}

func BenchmarkBroadcastSameShape(b *testing.B) {
	benchBroadcast(b, OpAdd, []int{4, 64, 64, 64}, []int{4, 64, 64, 64}, false)
}
func BenchmarkBroadcastPerChannel(b *testing.B) {
	benchBroadcast(b, OpMul, []int{4, 64, 64, 64}, []int{64, 1, 1}, false)
}
func BenchmarkBroadcastPerChannelBackward(b *testing.B) {
	benchBroadcast(b, OpMul, []int{4, 64, 64, 64}, []int{64, 1, 1}, true)
}
func BenchmarkBroadcastSpatialMap(b *testing.B) {
	benchBroadcast(b, OpMul, []int{4, 64, 64, 64}, []int{4, 1, 64, 64}, false)
}
func BenchmarkBroadcastSpatialMapBackward(b *testing.B) {
	benchBroadcast(b, OpMul, []int{4, 64, 64, 64}, []int{4, 1, 64, 64}, true)
}
func BenchmarkBroadcastRowVector(b *testing.B) {
	benchBroadcast(b, OpAdd, []int{4, 4096, 64}, []int{64}, false)
}
