package autograd

import (
	"fmt"
	"math"
	"testing"
)

// refLayerNormChannels is the float64 reference: LayerNorm over axis 1 of [n, c, p].
func refLayerNormChannels(x, w, b []float64, n, c, p int, eps float64) []float64 {
	y := make([]float64, len(x))
	for i := range n {
		for q := range p {
			var m, v float64
			for ch := range c {
				m += x[(i*c+ch)*p+q]
			}
			m /= float64(c)
			for ch := range c {
				d := x[(i*c+ch)*p+q] - m
				v += d * d
			}
			v /= float64(c)
			for ch := range c {
				o := (x[(i*c+ch)*p+q] - m) / math.Sqrt(v+eps)
				if w != nil {
					o = o*w[ch] + b[ch]
				}
				y[(i*c+ch)*p+q] = o
			}
		}
	}
	return y
}

func TestLayerNormChannelsGradCheck(t *testing.T) {
	for _, tc := range []struct {
		shape  []int
		affine bool
	}{
		{[]int{2, 3, 5}, true},
		{[]int{1, 4, 2, 3}, false},
		{[]int{2, 1, 7}, true}, // one channel: xhat is 0, only the bias passes
	} {
		t.Run(fmt.Sprint(tc.shape, tc.affine), func(t *testing.T) {
			n, c, p := tc.shape[0], tc.shape[1], Numel(tc.shape[2:])
			in := []*Tensor{RandTensor(31, -2, 2, tc.shape...)}
			if tc.affine {
				in = append(in, RandTensor(32, 0.5, 1.5, c), RandTensor(33, -1, 1, c))
			}
			GradCheck(t, in, func(x []*Tensor) []*Tensor {
				var w, b *Tensor
				if tc.affine {
					w, b = x[1], x[2]
				}
				return []*Tensor{LayerNormChannels(x[0], w, b, 1e-5)}
			}, func(x [][]float64) [][]float64 {
				var w, b []float64
				if tc.affine {
					w, b = x[1], x[2]
				}
				return [][]float64{refLayerNormChannels(x[0], w, b, n, c, p, 1e-5)}
			})
		})
	}
}

// TestLayerNormChannelsMatchesPermuted holds the fused op to the composition LSKNet
// used before (permute to channels-last, LayerNorm, permute back), forward and all
// gradients, at shapes that leave partial strips and more than one strip per sample.
func TestLayerNormChannelsMatchesPermuted(t *testing.T) {
	for _, shape := range [][]int{{1, 64, 37, 41}, {2, 5, 3, 1}, {2, 512, 11, 13}, {1, 3, 1, 1}, {3, 16, 100, 67}} {
		t.Run(fmt.Sprint(shape), func(t *testing.T) {
			c := shape[1]
			x1 := RandTensor(41, -3, 5, shape...)
			w1, b1 := RandTensor(42, 0.5, 1.5, c), RandTensor(43, -1, 1, c)
			x2, w2, b2 := x1.Clone().SetRequiresGrad(true), w1.Clone().SetRequiresGrad(true), b1.Clone().SetRequiresGrad(true)
			got := LayerNormChannels(x1, w1, b1, 1e-6)
			want := Permute(LayerNorm(Permute(x2, 0, 2, 3, 1), w2, b2, 1e-6), 0, 3, 1, 2)
			cot := RandTensor(44, -1, 1, shape...).Data
			got.BackwardWith(cot)
			want.BackwardWith(cot)
			for _, pair := range []struct {
				name string
				a, b []float32
				tol  float64
			}{
				{"y", got.Data, want.Data, 2e-6},
				{"dx", x1.Grad, x2.Grad, 5e-6},
				{"dweight", w1.Grad, w2.Grad, 2e-5},
				{"dbias", b1.Grad, b2.Grad, 2e-5},
			} {
				var worst float64
				for i := range pair.a {
					d := math.Abs(float64(pair.a[i]-pair.b[i])) / (1 + math.Abs(float64(pair.b[i])))
					worst = max(worst, d)
				}
				if worst > pair.tol || len(pair.a) != len(pair.b) {
					t.Errorf("%s: worst relative difference %.3g > %.3g", pair.name, worst, pair.tol)
				}
			}
		})
	}
}

// BenchmarkLayerNormChannels compares the fused op with the permuted composition at
// LSKNet's stage norms (paper size, batch 1).
func BenchmarkLayerNormChannels(b *testing.B) {
	for _, s := range [][]int{{1, 64, 256, 256}, {1, 512, 32, 32}} {
		x := RandTensor(1, -1, 1, s...)
		w, bias := RandTensor(2, 0.5, 1.5, s[1]), RandTensor(3, -1, 1, s[1])
		fused := func() *Tensor { return LayerNormChannels(x, w, bias, 1e-6) }
		permuted := func() *Tensor {
			return Permute(LayerNorm(Permute(x, 0, 2, 3, 1), w, bias, 1e-6), 0, 3, 1, 2)
		}
		for _, v := range []struct {
			name string
			f    func() *Tensor
		}{{"fused", fused}, {"permuted", permuted}} {
			b.Run(fmt.Sprintf("%v/%s/fwd", s, v.name), func(b *testing.B) {
				for b.Loop() {
					NoGrad(func() { v.f() })
				}
			})
			b.Run(fmt.Sprintf("%v/%s/fwdbwd", s, v.name), func(b *testing.B) {
				for b.Loop() {
					y := v.f()
					y.BackwardWith(y.Data)
					x.ZeroGrad()
					w.ZeroGrad()
					bias.ZeroGrad()
				}
			})
		}
	}
}
