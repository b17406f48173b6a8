package autograd

import (
	"fmt"
	"math"
	"testing"

	"github.com/cvogl/halo/ops"
)

// convEpiCases are the geometries of the epilogue tests: 1x1 (the fused LSKNet case),
// with batch and groups, a strided 3x3 and a depthwise one (fused in a second pass).
var convEpiCases = []struct {
	x, w []int
	p    ops.ConvParams
	bias bool
}{
	{[]int{2, 5, 7, 3}, []int{6, 5, 1, 1}, ops.ConvParams{}, true},
	{[]int{3, 4, 3, 5}, []int{6, 2, 1, 1}, ops.ConvParams{Groups: 2}, false},
	{[]int{2, 3, 7, 6}, []int{4, 3, 3, 3}, ops.ConvParams{StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}, true},
	{[]int{2, 3, 6, 5}, []int{3, 1, 3, 3}, ops.ConvParams{PadH: 1, PadW: 1, Groups: 3}, true},
}

// convEpiFns are the fused ops with their unfused compositions.
var convEpiFns = []struct {
	name    string
	fused   func(x, w, b, t *Tensor, p ops.ConvParams) *Tensor
	unfused func(x, w, b, t *Tensor, p ops.ConvParams) *Tensor
	ref     func(c, t float64) float64
}{
	{"gelu",
		func(x, w, b, _ *Tensor, p ops.ConvParams) *Tensor { return Conv2dGELU(x, w, b, p) },
		func(x, w, b, _ *Tensor, p ops.ConvParams) *Tensor { return GELU(Conv2d(x, w, b, p)) },
		func(c, _ float64) float64 { return refGELU64(c) }},
	{"mul",
		Conv2dMul,
		func(x, w, b, t *Tensor, p ops.ConvParams) *Tensor { return Mul(t, Conv2d(x, w, b, p)) },
		func(c, t float64) float64 { return c * t }},
	{"add",
		Conv2dAdd,
		func(x, w, b, t *Tensor, p ops.ConvParams) *Tensor { return Add(Conv2d(x, w, b, p), t) },
		func(c, t float64) float64 { return c + t }},
}

func convEpiInputs(i int, x, w []int, bias bool, p ops.ConvParams) (xt, wt, bt, tt *Tensor) {
	xt, wt = RandTensor(uint64(10+i), -1, 1, x...), RandTensor(uint64(50+i), -1, 1, w...)
	if bias {
		bt = RandTensor(uint64(90+i), -1, 1, w[0])
	}
	g := ops.NewConvGeom(x, w, nil, p)
	tt = RandTensor(uint64(130+i), -2, 2, g.OutShape()...)
	return xt, wt, bt, tt
}

// TestConv2dEpilogueInference: under NoGrad (parameters requiring gradients, as in the
// model) the fused ops give the unfused values bit for bit and record nothing.
func TestConv2dEpilogueInference(t *testing.T) {
	for i, tc := range convEpiCases {
		x, w, b, tt := convEpiInputs(i, tc.x, tc.w, tc.bias, tc.p)
		for _, f := range convEpiFns {
			var got, want *Tensor
			NoGrad(func() {
				got = f.fused(x, w, b, tt, tc.p)
				want = f.unfused(x, w, b, tt, tc.p)
			})
			if got.RequiresGrad() || got.node != nil {
				t.Errorf("case %d %s: recorded under NoGrad", i, f.name)
			}
			if !SameShape(got.Shape, want.Shape) {
				t.Fatalf("case %d %s: shape %v, want %v", i, f.name, got.Shape, want.Shape)
			}
			for k := range want.Data {
				if math.Float32bits(got.Data[k]) != math.Float32bits(want.Data[k]) {
					t.Fatalf("case %d %s: y[%d] = %v, unfused %v", i, f.name, k, got.Data[k], want.Data[k])
				}
			}
		}
	}
}

// TestConv2dEpilogueRecords: with gradients on, the ops record the unfused graph: the
// same values and gradients as the composition, and a float64 gradient check.
func TestConv2dEpilogueRecords(t *testing.T) {
	for i, tc := range convEpiCases {
		for _, f := range convEpiFns {
			t.Run(fmt.Sprintf("%d_%s", i, f.name), func(t *testing.T) {
				ins := func() []*Tensor {
					x, w, b, tt := convEpiInputs(i, tc.x, tc.w, tc.bias, tc.p)
					return []*Tensor{x, w, b, tt}
				}
				run := func(fn func(x, w, b, t *Tensor, p ops.ConvParams) *Tensor) ([]float32, [][]float32) {
					in := ins()
					y := fn(in[0], in[1], in[2], in[3], tc.p)
					if !y.RequiresGrad() {
						t.Fatal("result records no graph")
					}
					out := append([]float32(nil), y.Data...)
					y.BackwardWith(RandTensor(7, -1, 1, y.Shape...).Data)
					var grads [][]float32
					for _, in := range in {
						if in != nil {
							grads = append(grads, in.Grad)
						}
					}
					return out, grads
				}
				gy, gg := run(f.fused)
				wy, wg := run(f.unfused)
				sameBits := func(what string, got, want []float32) {
					if len(got) != len(want) {
						t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
					}
					for k := range want {
						if math.Float32bits(got[k]) != math.Float32bits(want[k]) {
							t.Fatalf("%s[%d] = %v, unfused %v", what, k, got[k], want[k])
						}
					}
				}
				sameBits("y", gy, wy)
				for k := range wg {
					sameBits(fmt.Sprintf("grad %d", k), gg[k], wg[k])
				}

				in := ins()
				if in[2] == nil {
					in = []*Tensor{in[0], in[1], in[3]}
				}
				rp := tc.p
				rp.DilH, rp.DilW, rp.Groups = max(rp.DilH, 1), max(rp.DilW, 1), max(rp.Groups, 1)
				rp.StrideH, rp.StrideW = max(rp.StrideH, 1), max(rp.StrideW, 1)
				GradCheck(t, in, func(in []*Tensor) []*Tensor {
					b := (*Tensor)(nil)
					if tc.bias {
						b = in[2]
					}
					return []*Tensor{f.fused(in[0], in[1], b, in[len(in)-1], tc.p)}
				}, func(in [][]float64) [][]float64 {
					var b []float64
					if tc.bias {
						b = in[2]
					}
					c := refConv2d(in[0], in[1], b, tc.x, tc.w, rp)
					tv := in[len(in)-1]
					for k := range c {
						c[k] = f.ref(c[k], tv[k])
					}
					return [][]float64{c}
				})
			})
		}
	}
}

// TestConv2dEpilogueBroadcast: an operand of another shape is broadcast by the
// unfused op, in inference too.
func TestConv2dEpilogueBroadcast(t *testing.T) {
	x, w := RandTensor(1, -1, 1, 2, 3, 4, 5), RandTensor(2, -1, 1, 4, 3, 1, 1)
	s := RandTensor(3, -1, 1, 1, 4, 1, 1)
	var got, want *Tensor
	NoGrad(func() {
		got = Conv2dMul(x, w, nil, s, ops.ConvParams{})
		want = Mul(s, Conv2d(x, w, nil, ops.ConvParams{}))
	})
	for k := range want.Data {
		if got.Data[k] != want.Data[k] {
			t.Fatalf("y[%d] = %v, want %v", k, got.Data[k], want.Data[k])
		}
	}
}
