package autograd

import (
	"fmt"
	"strings"
	"testing"
)

// ewUnravel turns a flat row-major index into a multi-index of shape.
func ewUnravel(i int, shape []int) []int {
	idx := make([]int, len(shape))
	for d := len(shape) - 1; d >= 0; d-- {
		idx[d] = i % shape[d]
		i /= shape[d]
	}
	return idx
}

// ewBroadcastIndex is the flat index into an operand of shape s for the output
// multi-index idx (NumPy rules: align at the end, size-1 axes repeat).
func ewBroadcastIndex(idx, s []int) int {
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

// ewBroadcastRef is a float64 reference for a broadcast binary op, written directly
// from the NumPy rules.
func ewBroadcastRef(f func(a, b float64) float64, sa, sb, out []int) RefFn {
	return func(in [][]float64) [][]float64 {
		y := make([]float64, Numel(out))
		for i := range y {
			idx := ewUnravel(i, out)
			y[i] = f(in[0][ewBroadcastIndex(idx, sa)], in[1][ewBroadcastIndex(idx, sb)])
		}
		return [][]float64{y}
	}
}

var ewBinaryOps = []struct {
	name string
	fn   func(a, b *Tensor) *Tensor
	ref  func(a, b float64) float64
}{
	{"add", Add, func(a, b float64) float64 { return a + b }},
	{"sub", Sub, func(a, b float64) float64 { return a - b }},
	{"mul", Mul, func(a, b float64) float64 { return a * b }},
	{"div", Div, func(a, b float64) float64 { return a / b }},
}

func TestBroadcastBinaryGradCheck(t *testing.T) {
	cases := []struct{ a, b, out []int }{
		{[]int{2, 3, 4, 5}, []int{2, 3, 4, 5}, []int{2, 3, 4, 5}},
		{[]int{2, 3, 4, 5}, []int{3, 1, 1}, []int{2, 3, 4, 5}},    // per-channel
		{[]int{2, 3, 4, 5}, []int{1, 3, 1, 1}, []int{2, 3, 4, 5}}, // per-channel, 4-D
		{[]int{2, 3, 4, 5}, []int{2, 1, 4, 5}, []int{2, 3, 4, 5}}, // [N,1,H,W] map
		{[]int{2, 3, 4, 5}, []int{1, 5}, []int{2, 3, 4, 5}},
		{[]int{2, 4, 6}, []int{6}, []int{2, 4, 6}}, // row vector against [N,L,C]
		{[]int{2, 3, 4, 5}, []int{}, []int{2, 3, 4, 5}},
		{[]int{}, []int{2, 3}, []int{2, 3}},
		{[]int{}, []int{}, []int{}},
		{[]int{1}, []int{}, []int{1}},
		{[]int{3, 1, 5}, []int{2, 1, 4, 1}, []int{2, 3, 4, 5}}, // both broadcast
		{[]int{4, 1}, []int{1, 6}, []int{4, 6}},
		{[]int{1, 3, 1, 1}, []int{2, 3, 2, 2}, []int{2, 3, 2, 2}},
	}
	for _, c := range cases {
		for _, op := range ewBinaryOps {
			t.Run(fmt.Sprintf("%s_%v_%v", op.name, c.a, c.b), func(t *testing.T) {
				a := RandTensor(1, -2, 2, c.a...)
				b := RandTensor(2, -2, 2, c.b...)
				if op.name == "div" { // keep the divisor away from 0
					b = RandTensor(2, 0.5, 2, c.b...)
					for i := range b.Data {
						if i%2 == 1 {
							b.Data[i] = -b.Data[i]
						}
					}
				}
				GradCheck(t, []*Tensor{a, b}, func(in []*Tensor) []*Tensor {
					y := op.fn(in[0], in[1])
					if !SameShape(y.Shape, c.out) {
						t.Fatalf("shape %v, want %v", y.Shape, c.out)
					}
					return []*Tensor{y}
				}, ewBroadcastRef(op.ref, c.a, c.b, c.out))
			})
		}
	}
}

// Runs longer than a worker's share are split, and long broadcast runs are reduced:
// check forward and gradients against direct float64 formulas (the formulas
// themselves are finite-difference checked on small shapes above).
func TestBroadcastLargeRuns(t *testing.T) {
	const m, n = 3, 40000
	a := RandTensor(3, -1, 1, m, n)
	b := RandTensor(4, 0.5, 1.5, n)
	c := RandTensor(5, -1, 1, m, 1)
	y := Mul(Div(a, b), c)
	cot := RandTensor(6, -1, 1, m, n).Data
	y.BackwardWith(cot)
	gb := make([]float64, n)
	for i := range m {
		var gc float64
		for j := range n {
			av, bv, cv, g := float64(a.Data[i*n+j]), float64(b.Data[j]), float64(c.Data[i]), float64(cot[i*n+j])
			want := av / bv * cv
			if d := float64(y.Data[i*n+j]) - want; d > 1e-6 || d < -1e-6 {
				t.Fatalf("y[%d,%d] = %v, want %v", i, j, y.Data[i*n+j], want)
			}
			if d := float64(a.Grad[i*n+j]) - g*cv/bv; d > 1e-5 || d < -1e-5 {
				t.Fatalf("grad a[%d,%d] = %v, want %v", i, j, a.Grad[i*n+j], g*cv/bv)
			}
			gb[j] -= g * av * cv / (bv * bv)
			gc += g * av / bv
		}
		if d := float64(c.Grad[i]) - gc; d > 1e-3 || d < -1e-3 {
			t.Fatalf("grad c[%d] = %v, want %v", i, c.Grad[i], gc)
		}
	}
	for j := range n {
		if d := float64(b.Grad[j]) - gb[j]; d > 1e-5 || d < -1e-5 {
			t.Fatalf("grad b[%d] = %v, want %v", j, b.Grad[j], gb[j])
		}
	}
}

func TestBroadcastSameTensorTwice(t *testing.T) {
	x := RandTensor(6, -1, 1, 3, 4)
	GradCheck(t, []*Tensor{x}, func(in []*Tensor) []*Tensor {
		return []*Tensor{Mul(in[0], in[0])}
	}, func(in [][]float64) [][]float64 {
		y := make([]float64, len(in[0]))
		for i, v := range in[0] {
			y[i] = v * v
		}
		return [][]float64{y}
	})
}

func TestBroadcastIncompatibleShapesPanic(t *testing.T) {
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(fmt.Sprint(r), "[2 3]") || !strings.Contains(fmt.Sprint(r), "[4]") {
			t.Fatalf("panic %v, want one naming both shapes", r)
		}
	}()
	Add(Zeros(2, 3), Zeros(4))
}

func TestAddScalarNegGradCheck(t *testing.T) {
	x := RandTensor(7, -2, 2, 3, 5)
	GradCheck(t, []*Tensor{x}, func(in []*Tensor) []*Tensor {
		return []*Tensor{AddScalar(in[0], 1.5), Neg(in[0])}
	}, func(in [][]float64) [][]float64 {
		y0 := make([]float64, len(in[0]))
		y1 := make([]float64, len(in[0]))
		for i, v := range in[0] {
			y0[i] = v + float64(float32(1.5))
			y1[i] = -v
		}
		return [][]float64{y0, y1}
	})
}
