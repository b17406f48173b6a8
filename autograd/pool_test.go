package autograd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cvogl/halo/loader/golden"
)

func TestMaxPool2dGolden(t *testing.T) {
	for _, name := range golden.CasesOf(t, "maxpool2d") {
		t.Run(name, func(t *testing.T) {
			c := golden.Load(t, name)
			x := convGoldenParam(t, c, "in.x")
			k, s, p := c.Ints(t, "kernel_size"), c.Ints(t, "stride"), c.Ints(t, "padding")
			if len(k) != 1 || len(s) != 1 || len(p) != 1 {
				t.Fatalf("non-square pooling hparams %v", c.Hparams)
			}
			y := MaxPool2d(x, k[0], s[0], p[0])
			c.Check(t, "out.y", y.Data)
			cot, _ := c.F32(t, "cot.y")
			Backward([]*Tensor{y}, [][]float32{cot})
			c.Check(t, "grad.in.x", x.Grad)
		})
	}
}

func TestAdaptiveAvgPool2dGolden(t *testing.T) {
	for _, name := range golden.CasesOf(t, "adaptive_avg_pool2d") {
		t.Run(name, func(t *testing.T) {
			c := golden.Load(t, name)
			x := convGoldenParam(t, c, "in.x")
			size := convPair(t, c, "output_size")
			y := AdaptiveAvgPool2d(x, size[0], size[1])
			c.Check(t, "out.y", y.Data)
			cot, _ := c.F32(t, "cot.y")
			Backward([]*Tensor{y}, [][]float32{cot})
			c.Check(t, "grad.in.x", x.Grad)
		})
	}
}

// distinctTensor returns a requires-grad tensor holding a shuffled ladder of values
// 0.01 apart, so that max windows have no near-ties the finite differences could cross.
func distinctTensor(seed uint64, shape ...int) *Tensor {
	t := Zeros(shape...)
	rng := rand.New(rand.NewPCG(seed, 7))
	for i, j := range rng.Perm(len(t.Data)) {
		t.Data[i] = float32(j-len(t.Data)/2) * 0.01
	}
	return t.SetRequiresGrad(true)
}

func refMaxPool(x []float64, n, c, h, w, k, s, p int) []float64 {
	oh, ow := (h+2*p-k)/s+1, (w+2*p-k)/s+1
	y := make([]float64, 0, n*c*oh*ow)
	for pl := 0; pl < n*c; pl++ {
		for i := 0; i < oh; i++ {
			for j := 0; j < ow; j++ {
				m := math.Inf(-1)
				for a := 0; a < k; a++ {
					for b := 0; b < k; b++ {
						ih, iw := i*s-p+a, j*s-p+b
						if ih >= 0 && ih < h && iw >= 0 && iw < w {
							m = math.Max(m, x[(pl*h+ih)*w+iw])
						}
					}
				}
				y = append(y, m)
			}
		}
	}
	return y
}

func TestMaxPool2dGradCheck(t *testing.T) {
	for _, tc := range []struct {
		shape   [4]int
		k, s, p int
	}{
		{[4]int{2, 3, 7, 8}, 3, 2, 1},
		{[4]int{1, 2, 6, 6}, 2, 2, 0},
		{[4]int{1, 2, 5, 7}, 3, 1, 1},
		{[4]int{2, 1, 9, 5}, 4, 3, 2},
	} {
		n, c, h, w := tc.shape[0], tc.shape[1], tc.shape[2], tc.shape[3]
		t.Run(fmt.Sprintf("%v_k%d_s%d_p%d", tc.shape, tc.k, tc.s, tc.p), func(t *testing.T) {
			GradCheck(t, []*Tensor{distinctTensor(uint64(h*w), tc.shape[:]...)}, func(in []*Tensor) []*Tensor {
				return []*Tensor{MaxPool2d(in[0], tc.k, tc.s, tc.p)}
			}, func(in [][]float64) [][]float64 {
				return [][]float64{refMaxPool(in[0], n, c, h, w, tc.k, tc.s, tc.p)}
			})
		})
	}
}

// TestMaxPool2dTies checks PyTorch's tie rule: the whole gradient goes to the first
// maximum of the window in scan order.
func TestMaxPool2dTies(t *testing.T) {
	x := Param([]float32{
		1, 5, 5,
		5, 2, 5,
		0, 5, 1,
	}, 1, 1, 3, 3)
	y := MaxPool2d(x, 2, 1, 0)
	want := []float32{5, 5, 5, 5}
	for i := range want {
		if y.Data[i] != want[i] {
			t.Fatalf("forward %v, want %v", y.Data, want)
		}
	}
	y.BackwardWith([]float32{1, 10, 100, 1000})
	// Windows: (0,0)->first 5 at index 1; (0,1)->index 1; (1,0)->index 3; (1,1)->index 5.
	wantG := []float32{0, 11, 0, 100, 0, 1000, 0, 0, 0}
	for i := range wantG {
		if x.Grad[i] != wantG[i] {
			t.Fatalf("grad %v, want %v", x.Grad, wantG)
		}
	}
}

func TestMaxPool2dAllPaddingSafe(t *testing.T) {
	x := Full(float32(math.Inf(-1)), 1, 1, 3, 3)
	x.SetRequiresGrad(true)
	y := MaxPool2d(x, 3, 2, 1)
	y.BackwardWith([]float32{1, 1, 1, 1})
	if FirstNonFinite(x.Grad) >= 0 || x.Grad[0] != 1 {
		t.Fatalf("grad %v: an all -inf window should route to its first valid position", x.Grad)
	}
}

func refAdaptiveAvg(x []float64, n, c, h, w, oh, ow int) []float64 {
	var y []float64
	for pl := 0; pl < n*c; pl++ {
		for i := 0; i < oh; i++ {
			h0, h1 := int(math.Floor(float64(i*h)/float64(oh))), int(math.Ceil(float64((i+1)*h)/float64(oh)))
			for j := 0; j < ow; j++ {
				w0, w1 := int(math.Floor(float64(j*w)/float64(ow))), int(math.Ceil(float64((j+1)*w)/float64(ow)))
				s := 0.0
				for a := h0; a < h1; a++ {
					for b := w0; b < w1; b++ {
						s += x[(pl*h+a)*w+b]
					}
				}
				y = append(y, s/float64((h1-h0)*(w1-w0)))
			}
		}
	}
	return y
}

func TestAdaptiveAvgPool2dGradCheck(t *testing.T) {
	for i, tc := range []struct{ n, c, h, w, oh, ow int }{
		{2, 3, 9, 11, 4, 4},
		{1, 2, 5, 6, 1, 1},
		{1, 2, 7, 5, 3, 2},
		{1, 1, 3, 4, 5, 7}, // output larger than input
		{2, 2, 8, 8, 4, 2},
	} {
		t.Run(fmt.Sprintf("%v", tc), func(t *testing.T) {
			x := RandTensor(uint64(i), -1, 1, tc.n, tc.c, tc.h, tc.w)
			GradCheck(t, []*Tensor{x}, func(in []*Tensor) []*Tensor {
				return []*Tensor{AdaptiveAvgPool2d(in[0], tc.oh, tc.ow)}
			}, func(in [][]float64) [][]float64 {
				return [][]float64{refAdaptiveAvg(in[0], tc.n, tc.c, tc.h, tc.w, tc.oh, tc.ow)}
			})
		})
	}
}

func TestPoolShapeErrors(t *testing.T) {
	for _, tc := range []struct {
		f    func()
		want string
	}{
		{func() { MaxPool2d(Zeros(1, 1, 4, 4), 3, 2, 2) }, "maxpool2d: padding 2 is more than half the kernel 3"},
		{func() { MaxPool2d(Zeros(1, 4, 4), 3, 2, 1) }, "maxpool2d: input must be NCHW"},
		{func() { MaxPool2d(Zeros(1, 1, 1, 4), 3, 1, 0) }, "maxpool2d: input size 1 too small"},
		{func() { AdaptiveAvgPool2d(Zeros(1, 1, 4, 4), 0, 2) }, "adaptive_avg_pool2d: output size 0x2"},
		{func() { Interpolate(Zeros(1, 1, 4, 4), 3, -1) }, "interpolate: output size 3x-1"},
	} {
		func() {
			defer func() {
				if s, _ := recover().(string); !strings.HasPrefix(s, tc.want) {
					t.Errorf("panic %q, want prefix %q", s, tc.want)
				}
			}()
			tc.f()
		}()
	}
}
