package autograd

import (
	"fmt"
	"math"
	"testing"

	"github.com/cvogl/halo/ops"
)

// dwGELUCases are depthwise geometries: the Mlp's 3x3 pad 1, dilation and 5x5, no
// bias, and a strided one (unfused inside the ops kernels).
var dwGELUCases = []struct {
	name string
	x, w []int
	p    ops.ConvParams
	bias bool
}{
	{"3x3", []int{2, 3, 5, 6}, []int{3, 1, 3, 3}, convP(1, 1, 1, 1, 1, 1, 3), true},
	{"dil2", []int{2, 4, 7, 6}, []int{4, 1, 3, 3}, convP(1, 1, 2, 2, 2, 2, 4), false},
	{"5x5", []int{1, 2, 6, 9}, []int{2, 1, 5, 5}, convP(1, 1, 2, 2, 1, 1, 2), true},
	{"stride2", []int{2, 3, 7, 8}, []int{3, 1, 3, 3}, convP(2, 2, 1, 1, 1, 1, 3), true},
}

func refGELU64(v float64) float64 { return 0.5 * v * math.Erfc(-v/math.Sqrt2) }

func TestDepthwiseConv2dGELUGradCheck(t *testing.T) {
	for i, tc := range dwGELUCases {
		t.Run(tc.name, func(t *testing.T) {
			ins := []*Tensor{RandTensor(uint64(10+i), -1.5, 1.5, tc.x...), RandTensor(uint64(20+i), -1, 1, tc.w...)}
			if tc.bias {
				ins = append(ins, RandTensor(uint64(30+i), -0.5, 0.5, tc.w[0]))
			}
			rp := tc.p
			rp.DilH, rp.DilW = max(rp.DilH, 1), max(rp.DilW, 1)
			GradCheck(t, ins, func(in []*Tensor) []*Tensor {
				var b *Tensor
				if tc.bias {
					b = in[2]
				}
				return []*Tensor{DepthwiseConv2dGELU(in[0], in[1], b, tc.p)}
			}, func(in [][]float64) [][]float64 {
				var b []float64
				if tc.bias {
					b = in[2]
				}
				y := refConv2d(in[0], in[1], b, tc.x, tc.w, rp)
				for j, v := range y {
					y[j] = refGELU64(v)
				}
				return [][]float64{y}
			})
		})
	}
}

// TestDepthwiseConv2dGELUMatchesComposition holds the fused op to GELU(Conv2d(...)):
// values and the gradients of x, w and b, on planes tall enough for several of the
// forward's strips, to float32 rounding (the two sum the bias and filter gradients in
// different orders).
func TestDepthwiseConv2dGELUMatchesComposition(t *testing.T) {
	cases := append(dwGELUCases[:len(dwGELUCases):len(dwGELUCases)],
		struct {
			name string
			x, w []int
			p    ops.ConvParams
			bias bool
		}{"tall", []int{2, 3, 70, 64}, []int{3, 1, 3, 3}, convP(1, 1, 1, 1, 1, 1, 3), true})
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mk := func() []*Tensor {
				ins := []*Tensor{RandTensor(uint64(40+i), -2, 2, tc.x...), RandTensor(uint64(50+i), -1, 1, tc.w...), nil}
				if tc.bias {
					ins[2] = RandTensor(uint64(60+i), -0.5, 0.5, tc.w[0])
				}
				return ins
			}
			fused, unfused := mk(), mk()
			yf := DepthwiseConv2dGELU(fused[0], fused[1], fused[2], tc.p)
			yu := GELU(Conv2d(unfused[0], unfused[1], unfused[2], tc.p))
			if !SameShape(yf.Shape, yu.Shape) {
				t.Fatalf("shape %v, composition %v", yf.Shape, yu.Shape)
			}
			dwCompare(t, "y", yf.Data, yu.Data)
			cot := RandTensor(uint64(70+i), -1, 1, yu.Shape...).Data
			Backward([]*Tensor{yf}, [][]float32{cot})
			Backward([]*Tensor{yu}, [][]float32{cot})
			dwCompare(t, "grad x", fused[0].Grad, unfused[0].Grad)
			dwCompare(t, "grad w", fused[1].Grad, unfused[1].Grad)
			if tc.bias {
				dwCompare(t, "grad b", fused[2].Grad, unfused[2].Grad)
			}
			// Without recording, no pre-activation is kept and nothing is recorded.
			var yn *Tensor
			NoGrad(func() { yn = DepthwiseConv2dGELU(fused[0], fused[1], fused[2], tc.p) })
			if yn.RequiresGrad() {
				t.Error("NoGrad result requires a gradient")
			}
			dwCompare(t, "y (NoGrad)", yn.Data, yu.Data)
		})
	}
}

// TestDepthwiseConv2dGELUSharedInput feeds one x to two fused ops: the first backward
// to run finds x without a gradient and stores into the fresh buffer, the second adds
// to it; the sum must match the composition's.
func TestDepthwiseConv2dGELUSharedInput(t *testing.T) {
	p := convP(1, 1, 1, 1, 1, 1, 3)
	mk := func() []*Tensor {
		return []*Tensor{RandTensor(81, -2, 2, 2, 3, 9, 21), RandTensor(82, -1, 1, 3, 1, 3, 3),
			RandTensor(83, -1, 1, 3, 1, 3, 3), RandTensor(84, -0.5, 0.5, 3)}
	}
	fused, unfused := mk(), mk()
	f1 := DepthwiseConv2dGELU(fused[0], fused[1], fused[3], p)
	f2 := DepthwiseConv2dGELU(fused[0], fused[2], nil, p)
	u1 := GELU(Conv2d(unfused[0], unfused[1], unfused[3], p))
	u2 := GELU(Conv2d(unfused[0], unfused[2], nil, p))
	c1, c2 := RandTensor(85, -1, 1, u1.Shape...).Data, RandTensor(86, -1, 1, u2.Shape...).Data
	Backward([]*Tensor{f1, f2}, [][]float32{c1, c2})
	Backward([]*Tensor{u1, u2}, [][]float32{c1, c2})
	dwCompare(t, "grad x", fused[0].Grad, unfused[0].Grad)
	dwCompare(t, "grad w1", fused[1].Grad, unfused[1].Grad)
	dwCompare(t, "grad w2", fused[2].Grad, unfused[2].Grad)
	dwCompare(t, "grad b", fused[3].Grad, unfused[3].Grad)
}

// dwCompare asserts |got - want| <= 4 ulp of the tensor's largest magnitude per element
// (2^-21 relative to max|want|): float32 rounding of sums taken in another order.
func dwCompare(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, composition %d", what, len(got), len(want))
	}
	scale := 0.0
	for _, v := range want {
		scale = max(scale, math.Abs(float64(v)))
	}
	worst := 0.0
	for i := range got {
		d := math.Abs(float64(got[i]) - float64(want[i]))
		worst = max(worst, d)
		if !(d <= 0x1p-21*scale) {
			t.Fatalf("%s[%d] = %v, composition %v (max %g)", what, i, got[i], want[i], scale)
		}
	}
	t.Logf("%s: max diff %.3g of max %.3g", what, worst, scale)
}

func TestDepthwiseConv2dGELURejectsDense(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("a dense (groups 1) convolution was accepted")
		}
	}()
	DepthwiseConv2dGELU(RandTensor(1, -1, 1, 1, 2, 4, 4), RandTensor(2, -1, 1, 2, 2, 3, 3), nil, convP(1, 1, 1, 1, 1, 1, 1))
}

// BenchmarkDepthwiseConv2dGELU times forward+backward of the Mlp's 3x3 dwconv+GELU,
// fused and as the composition, on a 1M-element activation (in cache) and on
// [1,512,128,128] (a quarter of the paper's stage-1 Mlp activation, 32 MiB a tensor).
func BenchmarkDepthwiseConv2dGELU(b *testing.B) {
	for _, s := range [][4]int{{1, 256, 64, 64}, {1, 512, 128, 128}} {
		b.Run(fmt.Sprintf("%dx%dx%d", s[1], s[2], s[3]), func(b *testing.B) { benchDWGELU(b, s) })
	}
}

func benchDWGELU(b *testing.B, s [4]int) {
	x := RandTensor(1, -2, 2, s[:]...)
	w := RandTensor(2, -1, 1, s[1], 1, 3, 3)
	bias := RandTensor(3, -0.5, 0.5, s[1])
	p := convP(1, 1, 1, 1, 1, 1, s[1])
	cot := RandTensor(4, -1, 1, s[:]...).Data
	for _, v := range []struct {
		name string
		f    func() *Tensor
	}{
		{"fused", func() *Tensor { return DepthwiseConv2dGELU(x, w, bias, p) }},
		{"composed", func() *Tensor { return GELU(Conv2d(x, w, bias, p)) }},
	} {
		b.Run(v.name, func(b *testing.B) {
			for b.Loop() {
				x.Grad, w.Grad, bias.Grad = nil, nil, nil
				Backward([]*Tensor{v.f()}, [][]float32{cot})
			}
		})
	}
}
