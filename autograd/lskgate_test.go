package autograd

import (
	"fmt"
	"math"
	"testing"
)

// lskGateShapes: [N, C, H, W] of a1/a2 and the squeeze filter side (square).
var lskGateShapes = []struct {
	x []int
	k int
}{
	{[]int{1, 2, 5, 6}, 7},
	{[]int{2, 3, 4, 7}, 3},
	{[]int{1, 1, 3, 1}, 5},
}

// refLSKGate64 is the gate's definition in float64 on flat data: a1, a2, w, b.
func refLSKGate64(in [][]float64, xs []int, k int) []float64 {
	n, c, h, w := xs[0], xs[1], xs[2], xs[3]
	hw := h * w
	agg := make([]float64, n*2*hw)
	for s := range n {
		for p := range hw {
			sum, mx := 0.0, math.Inf(-1)
			for _, a := range in[:2] {
				for ch := range c {
					v := a[(s*c+ch)*hw+p]
					sum += v
					mx = math.Max(mx, v)
				}
			}
			agg[s*2*hw+p], agg[(s*2+1)*hw+p] = sum/float64(2*c), mx
		}
	}
	pad := (k - 1) / 2
	pre := refConv2d(agg, in[2], in[3], []int{n, 2, h, w}, []int{2, 2, k, k}, convP(1, 1, pad, pad, 1, 1, 1))
	out := make([]float64, len(in[0]))
	for s := range n {
		for ch := range c {
			for p := range hw {
				j := (s*c+ch)*hw + p
				s0 := 1 / (1 + math.Exp(-pre[s*2*hw+p]))
				s1 := 1 / (1 + math.Exp(-pre[(s*2+1)*hw+p]))
				out[j] = in[0][j]*s0 + in[1][j]*s1
			}
		}
	}
	return out
}

func TestLSKGateGradCheck(t *testing.T) {
	for i, tc := range lskGateShapes {
		t.Run(fmt.Sprint(tc.x, tc.k), func(t *testing.T) {
			ins := []*Tensor{RandTensor(uint64(80+i), -1.5, 1.5, tc.x...), RandTensor(uint64(90+i), -1.5, 1.5, tc.x...),
				RandTensor(uint64(100+i), -0.5, 0.5, 2, 2, tc.k, tc.k), RandTensor(uint64(110+i), -0.5, 0.5, 2)}
			GradCheck(t, ins, func(in []*Tensor) []*Tensor {
				return []*Tensor{LSKGate(in[0], in[1], in[2], in[3])}
			}, func(in [][]float64) [][]float64 {
				return [][]float64{refLSKGate64(in, tc.x, tc.k)}
			})
		})
	}
}

// lskGateComposed is LSKblock's gate as it was written before the fused op.
func lskGateComposed(a1, a2, w, b *Tensor) *Tensor {
	k := w.Shape[2]
	both := Concat(1, a1, a2)
	agg := Concat(1, Mean(both, 1, true), Max(both, 1, true))
	sig := Sigmoid(Conv2d(agg, w, b, convP(1, 1, (k-1)/2, (k-1)/2, 1, 1, 1)))
	s := Split(sig, 1, 1, 1)
	return Add(Mul(a1, s[0]), Mul(a2, s[1]))
}

// TestLSKGateMatchesComposition holds LSKGate to the composition it replaces, values
// and all four gradients, on the paper's 7x7 filter at a size where the pixel runs and
// strips split, with max ties. The composition's convolution (im2col, GEMM) sums its
// 98 taps in another order, and the backward sums the channel gradients differently,
// so the two agree to float32 rounding of those sums: the values to 2^-21 (4 ulp) and
// the gradients to 2^-18 of each tensor's largest magnitude.
func TestLSKGateMatchesComposition(t *testing.T) {
	for i, x := range [][]int{{2, 5, 23, 70}, {1, 4, 37, 60}} {
		t.Run(fmt.Sprint(x), func(t *testing.T) {
			mk := func() []*Tensor {
				ins := []*Tensor{RandTensor(uint64(120+i), -2, 2, x...), RandTensor(uint64(130+i), -2, 2, x...),
					RandTensor(uint64(140+i), -0.3, 0.3, 2, 2, 7, 7), RandTensor(uint64(150+i), -0.5, 0.5, 2)}
				hw := x[2] * x[3]
				for p := 0; p < hw; p += 7 {
					ins[0].Data[(x[1]-1)*hw+p] = 3 // ties with a2's channel 0: the first must win
					ins[1].Data[p] = 3
				}
				return ins
			}
			fused, comp := mk(), mk()
			yf := LSKGate(fused[0], fused[1], fused[2], fused[3])
			yc := lskGateComposed(comp[0], comp[1], comp[2], comp[3])
			lskCompare(t, "y", yf.Data, yc.Data, 0x1p-21)
			cot := RandTensor(uint64(160+i), -1, 1, x...).Data
			Backward([]*Tensor{yf}, [][]float32{cot})
			Backward([]*Tensor{yc}, [][]float32{cot})
			for j, name := range []string{"a1", "a2", "w", "b"} {
				lskCompare(t, "grad "+name, fused[j].Grad, comp[j].Grad, 0x1p-18)
			}
			var yn *Tensor
			NoGrad(func() { yn = LSKGate(fused[0], fused[1], fused[2], fused[3]) })
			if yn.RequiresGrad() {
				t.Error("NoGrad result requires a gradient")
			}
			lskCompare(t, "y (NoGrad)", yn.Data, yc.Data, 0x1p-21)
			// no bias, and a1 alone requiring a gradient
			a1 := RandTensor(170, -1, 1, x...)
			a2 := RandTensor(171, -1, 1, x...).SetRequiresGrad(false)
			yf = LSKGate(a1, a2, fused[2].Detach(), nil)
			a1c := &Tensor{Shape: a1.Shape, Data: a1.Data, requiresGrad: true}
			yc = lskGateComposed(a1c, a2, fused[2].Detach(), nil)
			lskCompare(t, "y (no bias)", yf.Data, yc.Data, 0x1p-21)
			Backward([]*Tensor{yf}, [][]float32{cot})
			Backward([]*Tensor{yc}, [][]float32{cot})
			lskCompare(t, "grad a1 (alone)", a1.Grad, a1c.Grad, 0x1p-18)
		})
	}
}

// lskCompare asserts |got - want| <= tol * max|want| per element.
func lskCompare(t *testing.T, what string, got, want []float32, tol float64) {
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
		if !(d <= tol*scale) {
			t.Fatalf("%s[%d] = %v, composition %v (max %g)", what, i, got[i], want[i], scale)
		}
	}
	t.Logf("%s: max diff %.3g of max %.3g (%.2g relative)", what, worst, scale, worst/max(scale, 1e-300))
}

func TestLSKGateRejectsBadShapes(t *testing.T) {
	a := RandTensor(1, -1, 1, 1, 2, 3, 3)
	for name, f := range map[string]func(){
		"even filter":  func() { LSKGate(a, a, RandTensor(2, -1, 1, 2, 2, 4, 4), nil) },
		"three planes": func() { LSKGate(a, a, RandTensor(2, -1, 1, 3, 2, 3, 3), nil) },
		"shapes":       func() { LSKGate(a, RandTensor(3, -1, 1, 1, 3, 3, 3), RandTensor(2, -1, 1, 2, 2, 3, 3), nil) },
		"bias":         func() { LSKGate(a, a, RandTensor(2, -1, 1, 2, 2, 3, 3), RandTensor(4, -1, 1, 3)) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: accepted", name)
				}
			}()
			f()
		}()
	}
}

// BenchmarkLSKGate times the gate fused and composed at the paper's stage sizes (stage
// 1: a1, a2 [1,32,256,256]; stage 3: [1,160,64,64]), forward alone and forward+backward.
func BenchmarkLSKGate(b *testing.B) {
	for _, s := range [][4]int{{1, 32, 256, 256}, {1, 160, 64, 64}} {
		a1, a2 := RandTensor(1, -2, 2, s[:]...), RandTensor(2, -2, 2, s[:]...)
		w, bias := RandTensor(3, -0.3, 0.3, 2, 2, 7, 7), RandTensor(4, -0.5, 0.5, 2)
		cot := RandTensor(5, -1, 1, s[:]...).Data
		for _, v := range []struct {
			name string
			f    func() *Tensor
		}{
			{"fused", func() *Tensor { return LSKGate(a1, a2, w, bias) }},
			{"composed", func() *Tensor { return lskGateComposed(a1, a2, w, bias) }},
		} {
			b.Run(fmt.Sprintf("%v/%s/fwd", s[1:], v.name), func(b *testing.B) {
				for b.Loop() {
					NoGrad(func() { v.f() })
				}
			})
			b.Run(fmt.Sprintf("%v/%s/fwdbwd", s[1:], v.name), func(b *testing.B) {
				for b.Loop() {
					a1.Grad, a2.Grad, w.Grad, bias.Grad = nil, nil, nil, nil
					Backward([]*Tensor{v.f()}, [][]float32{cot})
				}
			})
		}
	}
}
