package autograd

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Fn is a function under test: float32 tensors in, tensors out, through the tape.
type Fn func(in []*Tensor) []*Tensor

// RefFn is a float64 reference of the same function, on flat row-major data.
type RefFn func(in [][]float64) [][]float64

// GradCheck verifies an op's forward and backward against a float64 reference.
//
// float32 central differences are too noisy to catch a gradient that is wrong by 1%,
// so the numerical gradient comes from ref, a plain float64 implementation of the same
// function, differentiated by central differences at the very point the float32 run
// used. The check then asserts, for every output and every element of every input that
// requires a gradient:
//
//   - forward:  |f - ref| <= 1e-4 * max|ref| + 1e-6
//   - backward: |analytic - numeric| <= 1e-3*|numeric| + 2e-5*max|numeric| + 1e-7
//
// where the scalar being differentiated is L = sum_o sum(o * cot_o) with seeded
// standard-normal cotangents. An element wrong by 1% fails unless it is below 0.2% of
// the largest gradient of its tensor. Keep inputs small: the reference runs twice per
// input element. Choose inputs away from kinks (relu at 0, max ties).
func GradCheck(t testing.TB, inputs []*Tensor, f Fn, ref RefFn) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	for _, in := range inputs {
		in.Grad = nil
	}
	outs := f(inputs)
	x64 := make([][]float64, len(inputs))
	for i, in := range inputs {
		x64[i] = make([]float64, len(in.Data))
		for j, v := range in.Data {
			x64[i][j] = float64(v)
		}
	}
	refOut := ref(x64)
	if len(refOut) != len(outs) {
		t.Fatalf("gradcheck: f gives %d outputs, ref %d", len(outs), len(refOut))
	}
	cots := make([][]float32, len(outs))
	cot64 := make([][]float64, len(outs))
	var diffOuts []*Tensor
	var diffCots [][]float32
	for i, o := range outs {
		if len(refOut[i]) != len(o.Data) {
			t.Fatalf("gradcheck: output %d has %d values, ref %d", i, len(o.Data), len(refOut[i]))
		}
		scale := maxAbs64(refOut[i])
		for j, v := range o.Data {
			if d := math.Abs(float64(v) - refOut[i][j]); !(d <= 1e-4*scale+1e-6) {
				t.Errorf("gradcheck forward: output %d [%d] = %v, reference %v", i, j, v, refOut[i][j])
				return
			}
		}
		cots[i] = make([]float32, len(o.Data))
		cot64[i] = make([]float64, len(o.Data))
		for j := range cots[i] {
			cots[i][j] = float32(rng.NormFloat64())
			cot64[i][j] = float64(cots[i][j])
		}
		if o.RequiresGrad() {
			diffOuts = append(diffOuts, o)
			diffCots = append(diffCots, cots[i])
		}
	}
	Backward(diffOuts, diffCots)

	loss := func() float64 {
		ys := ref(x64)
		s := 0.0
		for i, y := range ys {
			for j, v := range y {
				s += v * cot64[i][j]
			}
		}
		return s
	}
	for i, in := range inputs {
		if !in.RequiresGrad() {
			continue
		}
		num := make([]float64, len(x64[i]))
		for j := range x64[i] {
			x0 := x64[i][j]
			h := 1e-4 * math.Max(1, math.Abs(x0))
			x64[i][j] = x0 + h
			lp := loss()
			x64[i][j] = x0 - h
			lm := loss()
			x64[i][j] = x0
			num[j] = (lp - lm) / (2 * h)
		}
		scale := maxAbs64(num)
		if in.Grad == nil {
			if scale > 1e-7 {
				t.Errorf("gradcheck: input %d received no gradient, numeric max |g| = %g", i, scale)
			}
			continue
		}
		for j, g := range in.Grad {
			tol := 1e-3*math.Abs(num[j]) + 2e-5*scale + 1e-7
			if d := math.Abs(float64(g) - num[j]); !(d <= tol) {
				t.Errorf("gradcheck backward: input %d (shape %v) element %d: analytic %v, numeric %v (tol %.2g)", i, in.Shape, j, g, num[j], tol)
				return
			}
		}
	}
}

func maxAbs64(x []float64) float64 {
	m := 0.0
	for _, v := range x {
		m = math.Max(m, math.Abs(v))
	}
	return m
}

// RandTensor returns a tensor of the given shape with uniform values in [lo, hi)
// from a seeded generator, marked as requiring a gradient. Test helper.
func RandTensor(seed uint64, lo, hi float32, shape ...int) *Tensor {
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	t := Zeros(shape...)
	for i := range t.Data {
		t.Data[i] = lo + (hi-lo)*rng.Float32()
	}
	t.requiresGrad = true
	return t
}
