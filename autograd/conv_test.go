package autograd

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cvogl/halo/loader/golden"
	"github.com/cvogl/halo/ops"
)

// convGoldenParam loads a stored float tensor as a fresh leaf requiring a gradient.
func convGoldenParam(t *testing.T, c *golden.Case, name string) *Tensor {
	t.Helper()
	d, s := c.F32(t, name)
	return Param(append([]float32(nil), d...), s...)
}

// convPair returns a two-element int hparam (a scalar stands for both).
func convPair(t *testing.T, c *golden.Case, key string) [2]int {
	t.Helper()
	v := c.Ints(t, key)
	switch len(v) {
	case 1:
		return [2]int{v[0], v[0]}
	case 2:
		return [2]int{v[0], v[1]}
	}
	t.Fatalf("%s: hparam %s = %v", c.Name, key, v)
	return [2]int{}
}

func TestConv2dGolden(t *testing.T) {
	for _, name := range golden.CasesOf(t, "conv2d") {
		t.Run(name, func(t *testing.T) {
			c := golden.Load(t, name)
			x := convGoldenParam(t, c, "in.x")
			w := convGoldenParam(t, c, "param.weight")
			var b *Tensor
			if c.Hparams["bias"] == true {
				b = convGoldenParam(t, c, "param.bias")
			} else if c.Has("param.bias") {
				t.Fatal("bias stored for a case with bias=false")
			}
			k := convPair(t, c, "kernel_size")
			if x.Shape[1] != int(c.Hparam(t, "in_channels")) || w.Shape[0] != int(c.Hparam(t, "out_channels")) ||
				w.Shape[2] != k[0] || w.Shape[3] != k[1] {
				t.Fatalf("hparams %v disagree with input %v, weight %v", c.Hparams, x.Shape, w.Shape)
			}
			s, p, d := convPair(t, c, "stride"), convPair(t, c, "padding"), convPair(t, c, "dilation")
			cp := ops.ConvParams{StrideH: s[0], StrideW: s[1], PadH: p[0], PadW: p[1], DilH: d[0], DilW: d[1],
				Groups: int(c.Hparam(t, "groups"))}
			y := Conv2d(x, w, b, cp)
			c.Check(t, "out.y", y.Data)
			cot, _ := c.F32(t, "cot.y")
			Backward([]*Tensor{y}, [][]float32{cot})
			c.Check(t, "grad.in.x", x.Grad)
			c.Check(t, "grad.param.weight", w.Grad)
			if b != nil {
				c.Check(t, "grad.param.bias", b.Grad)
			}
		})
	}
}

// refConv2d is a float64 direct convolution on flat NCHW data.
func refConv2d(x, w, b []float64, xs, ws []int, p ops.ConvParams) []float64 {
	n, ci, h, wd := xs[0], xs[1], xs[2], xs[3]
	o, cg, kh, kw := ws[0], ws[1], ws[2], ws[3]
	og := o / p.Groups
	oh := ops.ConvOutSize(h, kh, p.StrideH, p.PadH, p.DilH)
	ow := ops.ConvOutSize(wd, kw, p.StrideW, p.PadW, p.DilW)
	y := make([]float64, n*o*oh*ow)
	for in := 0; in < n; in++ {
		for oc := 0; oc < o; oc++ {
			g := oc / og
			for i := 0; i < oh; i++ {
				for j := 0; j < ow; j++ {
					s := 0.0
					if b != nil {
						s = b[oc]
					}
					for c := 0; c < cg; c++ {
						for a := 0; a < kh; a++ {
							for e := 0; e < kw; e++ {
								ih, iw := i*p.StrideH-p.PadH+a*p.DilH, j*p.StrideW-p.PadW+e*p.DilW
								if ih < 0 || ih >= h || iw < 0 || iw >= wd {
									continue
								}
								s += w[((oc*cg+c)*kh+a)*kw+e] * x[((in*ci+g*cg+c)*h+ih)*wd+iw]
							}
						}
					}
					y[((in*o+oc)*oh+i)*ow+j] = s
				}
			}
		}
	}
	return y
}

func TestConv2dGradCheck(t *testing.T) {
	cases := []struct {
		x, w []int
		p    ops.ConvParams
		bias bool
	}{
		{[]int{2, 3, 5, 6}, []int{4, 3, 3, 3}, convP(1, 1, 1, 1, 1, 1, 1), true},  // 3x3 pad 1
		{[]int{2, 3, 7, 5}, []int{4, 3, 3, 3}, convP(2, 2, 1, 1, 1, 1, 1), false}, // stride 2, odd sizes
		{[]int{1, 4, 8, 7}, []int{6, 2, 3, 3}, convP(1, 1, 3, 3, 3, 3, 2), true},  // dilation 3, groups 2
		{[]int{2, 3, 7, 8}, []int{3, 1, 3, 3}, convP(1, 1, 3, 3, 3, 3, 3), true},  // depthwise, dilation 3
		{[]int{2, 3, 8, 7}, []int{3, 1, 5, 5}, convP(2, 2, 2, 2, 1, 1, 3), false}, // depthwise, stride 2
		{[]int{2, 4, 3, 5}, []int{6, 2, 1, 1}, convP(1, 1, 0, 0, 1, 1, 2), true},  // pointwise, groups 2
		{[]int{2, 3, 5, 7}, []int{4, 3, 1, 1}, convP(2, 2, 0, 0, 1, 1, 1), true},  // 1x1 stride 2
		{[]int{1, 2, 6, 7}, []int{3, 2, 2, 3}, convP(2, 1, 0, 1, 1, 2, 1), true},  // asymmetric everything
		{[]int{1, 2, 4, 3}, []int{2, 1, 3, 3}, convP(1, 1, 2, 2, 1, 1, 2), false}, // depthwise, padding > k/2
		{[]int{1, 2, 5, 5}, []int{4, 1, 3, 3}, convP(1, 1, 1, 1, 1, 1, 2), true},
		{[]int{2, 2, 6, 5}, []int{2, 1, 3, 2}, convP(1, 1, 0, 3, 2, 1, 2), true},                                // depthwise, asymmetric pad and dilation                                // channel multiplier 2
		{[]int{1, 2, 9, 9}, []int{2, 2, 7, 7}, convP(4, 4, 3, 3, 1, 1, 1), true},                                // 7x7 stride 4
		{[]int{3, 1, 4, 4}, []int{1, 1, 3, 3}, ops.ConvParams{StrideH: 1, StrideW: 1, PadH: 1, PadW: 1}, false}, // zero dil/groups mean 1
	}
	for i, tc := range cases {
		t.Run(fmt.Sprintf("%d_x%v_w%v", i, tc.x, tc.w), func(t *testing.T) {
			ins := []*Tensor{RandTensor(uint64(10+i), -1, 1, tc.x...), RandTensor(uint64(50+i), -1, 1, tc.w...)}
			if tc.bias {
				ins = append(ins, RandTensor(uint64(90+i), -1, 1, tc.w[0]))
			}
			rp := tc.p
			rp.DilH, rp.DilW, rp.Groups = max(rp.DilH, 1), max(rp.DilW, 1), max(rp.Groups, 1)
			GradCheck(t, ins, func(in []*Tensor) []*Tensor {
				var b *Tensor
				if tc.bias {
					b = in[2]
				}
				return []*Tensor{Conv2d(in[0], in[1], b, tc.p)}
			}, func(in [][]float64) [][]float64 {
				var b []float64
				if tc.bias {
					b = in[2]
				}
				return [][]float64{refConv2d(in[0], in[1], b, tc.x, tc.w, rp)}
			})
		})
	}
}

// TestConv2dPartialGrads checks that gradients flow only where asked: a frozen input
// (the image), a frozen weight, and a missing bias.
func TestConv2dPartialGrads(t *testing.T) {
	p := ops.ConvParams{StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}
	for _, xs := range [][]int{{2, 3, 6, 6}, {2, 3, 6, 6}} {
		x := RandTensor(1, -1, 1, xs...).SetRequiresGrad(false)
		w := RandTensor(2, -1, 1, 4, 3, 3, 3)
		b := RandTensor(3, -1, 1, 4).SetRequiresGrad(false)
		y := Conv2d(x, w, b, p)
		SumAll(y).Backward()
		if x.Grad != nil || b.Grad != nil || w.Grad == nil {
			t.Fatalf("grads: x %v, w %v, b %v", x.Grad != nil, w.Grad != nil, b.Grad != nil)
		}
	}
	x := RandTensor(1, -1, 1, 1, 2, 4, 4)
	w := RandTensor(2, -1, 1, 2, 2, 3, 3).SetRequiresGrad(false)
	y := Conv2d(x, w, nil, p)
	SumAll(y).Backward()
	if x.Grad == nil || w.Grad != nil {
		t.Fatal("only the input should receive a gradient")
	}
	NoGrad(func() {
		if y := Conv2d(x, RandTensor(3, 0, 1, 2, 2, 3, 3), nil, p); y.RequiresGrad() {
			t.Fatal("conv recorded under NoGrad")
		}
	})
}

func TestConv2dShapeErrors(t *testing.T) {
	for _, tc := range []struct {
		x, w, b []int
		p       ops.ConvParams
		want    string
	}{
		{[]int{1, 5, 4, 4}, []int{2, 6, 3, 3}, nil, ops.ConvParams{}, "input has 5 channels, weight expects 6 (groups 1)"},
		{[]int{1, 4, 4, 4}, []int{3, 2, 3, 3}, nil, ops.ConvParams{Groups: 2}, "3 output channels not divisible by groups 2"},
		{[]int{1, 2, 4, 4}, []int{2, 2, 3, 3}, []int{3}, ops.ConvParams{}, "bias shape [3], want [2]"},
		{[]int{1, 2, 2, 2}, []int{2, 2, 3, 3}, nil, ops.ConvParams{}, "empty output"},
		{[]int{2, 4, 4}, []int{2, 2, 3, 3}, nil, ops.ConvParams{}, "input must be NCHW"},
	} {
		func() {
			defer func() {
				r := recover()
				if s, _ := r.(string); !strings.Contains(s, tc.want) || !strings.HasPrefix(s, "conv2d: ") {
					t.Errorf("x %v w %v: panic %q, want it to contain %q", tc.x, tc.w, r, tc.want)
				}
			}()
			var b *Tensor
			if tc.b != nil {
				b = Zeros(tc.b...)
			}
			Conv2d(Zeros(tc.x...), Zeros(tc.w...), b, tc.p)
		}()
	}
}

// convP spells out every convolution parameter, in ConvParams field order.
func convP(sh, sw, ph, pw, dh, dw, groups int) ops.ConvParams {
	return ops.ConvParams{StrideH: sh, StrideW: sw, PadH: ph, PadW: pw, DilH: dh, DilW: dw, Groups: groups}
}

// TestConv2dInputGradStoredThenAdded feeds one input to two convolutions (1x1, which
// stores a fresh dx directly, and 3x3): whichever backward runs first stores x's
// gradient into an uncleared buffer, the other adds to it, and the sum equals the two
// gradients taken one at a time; an input that already holds a gradient keeps it.
func TestConv2dInputGradStoredThenAdded(t *testing.T) {
	pw, p3 := ops.ConvParams{}, ops.ConvParams{PadH: 1, PadW: 1}
	w1, w3 := RandTensor(2, -1, 1, 5, 3, 1, 1), RandTensor(3, -1, 1, 5, 3, 3, 3)
	grad := func(pre []float32, convs ...func(x *Tensor) *Tensor) []float32 {
		x := RandTensor(1, -1, 1, 2, 3, 6, 7)
		if pre != nil {
			x.Grad = append([]float32(nil), pre...)
		}
		var loss *Tensor
		for _, c := range convs {
			l := SumAll(c(x))
			if loss == nil {
				loss = l
			} else {
				loss = Add(loss, l)
			}
		}
		loss.Backward()
		return x.Grad
	}
	one := func(x *Tensor) *Tensor { return Conv2d(x, w1, nil, pw) }
	three := func(x *Tensor) *Tensor { return Conv2d(x, w3, nil, p3) }
	g1, g3 := grad(nil, one), grad(nil, three)
	pre := RandTensor(4, -1, 1, 2*3*6*7).Data
	for _, tc := range []struct {
		name  string
		pre   []float32
		convs []func(*Tensor) *Tensor
	}{
		{"1x1 then 3x3", nil, []func(*Tensor) *Tensor{one, three}},
		{"3x3 then 1x1", nil, []func(*Tensor) *Tensor{three, one}},
		{"existing gradient", pre, []func(*Tensor) *Tensor{one}},
	} {
		got := grad(tc.pre, tc.convs...)
		if len(got) != len(g1) || len(g1) != 2*3*6*7 {
			t.Fatalf("%s: gradients of %d and %d values", tc.name, len(got), len(g1))
		}
		for i := range got {
			want := g1[i]
			if tc.pre == nil {
				want += g3[i]
			} else {
				want += tc.pre[i]
			}
			if d := got[i] - want; d > 1e-5 || d < -1e-5 || got[i] != got[i] {
				t.Fatalf("%s: dx[%d] = %v, want %v", tc.name, i, got[i], want)
			}
		}
	}
}
