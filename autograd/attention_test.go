package autograd

import (
	"fmt"
	"math"
	"testing"

	"github.com/cvogl/halo/loader/golden"
)

func TestLinearAttentionGolden(t *testing.T) {
	for _, name := range golden.CasesOf(t, "LinearAttention") {
		t.Run(name, func(t *testing.T) {
			c := golden.Load(t, name)
			q, k, v := ntLeaf(t, c, "in.queries"), ntLeaf(t, c, "in.keys"), ntLeaf(t, c, "in.values")
			y := LinearAttention(q, k, v, float32(c.Hparam(t, "eps")))
			c.Check(t, "out.y", y.Data)
			ntBackward(t, c, y, "y")
			c.Check(t, "grad.in.queries", q.Grad)
			c.Check(t, "grad.in.keys", k.Grad)
			c.Check(t, "grad.in.values", v.Grad)
		})
	}
}

// refLinearAttention follows the official module step by step in float64, the
// division of the values by S and the final multiplication included.
func refLinearAttention(q, k, v []float64, n, l, s, h, d, dv int, eps float64) []float64 {
	phi := func(x float64) float64 {
		if x > 0 {
			return x + 1
		}
		return math.Exp(x)
	}
	out := make([]float64, n*l*h*dv)
	for b := 0; b < n; b++ {
		for hh := 0; hh < h; hh++ {
			kv := make([]float64, d*dv)
			ksum := make([]float64, d)
			for si := 0; si < s; si++ {
				for i := 0; i < d; i++ {
					kf := phi(k[((b*s+si)*h+hh)*d+i])
					ksum[i] += kf
					for j := 0; j < dv; j++ {
						kv[i*dv+j] += kf * v[((b*s+si)*h+hh)*dv+j] / float64(s)
					}
				}
			}
			for li := 0; li < l; li++ {
				qf := make([]float64, d)
				den := eps
				for i := range qf {
					qf[i] = phi(q[((b*l+li)*h+hh)*d+i])
					den += qf[i] * ksum[i]
				}
				for j := 0; j < dv; j++ {
					a := 0.0
					for i := range qf {
						a += qf[i] * kv[i*dv+j]
					}
					out[((b*l+li)*h+hh)*dv+j] = a / den * float64(s)
				}
			}
		}
	}
	return out
}

func TestLinearAttentionGradCheck(t *testing.T) {
	for _, sh := range []struct{ n, l, s, h, d, dv int }{{2, 3, 4, 2, 3, 3}, {1, 4, 2, 3, 2, 5}} {
		t.Run(fmt.Sprintf("%+v", sh), func(t *testing.T) {
			in := []*Tensor{
				RandTensor(61, -2, 2, sh.n, sh.l, sh.h, sh.d),
				RandTensor(62, -2, 2, sh.n, sh.s, sh.h, sh.d),
				RandTensor(63, -2, 2, sh.n, sh.s, sh.h, sh.dv),
			}
			GradCheck(t, in, func(x []*Tensor) []*Tensor {
				return []*Tensor{LinearAttention(x[0], x[1], x[2], 1e-6)}
			}, func(x [][]float64) [][]float64 {
				return [][]float64{refLinearAttention(x[0], x[1], x[2], sh.n, sh.l, sh.s, sh.h, sh.d, sh.dv, float64(float32(1e-6)))}
			})
		})
	}
}
