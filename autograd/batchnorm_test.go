package autograd

import (
	"fmt"
	"math"
	"testing"

	"github.com/cvogl/halo/loader/golden"
)

func TestBatchNorm2dGolden(t *testing.T) {
	for _, name := range golden.CasesOf(t, "batchnorm2d") {
		t.Run(name, func(t *testing.T) {
			c := golden.Load(t, name)
			mode, _ := c.Hparams["mode"].(string)
			if mode != "train" && mode != "eval" {
				t.Fatalf("hparam mode = %v", c.Hparams["mode"])
			}
			training := mode == "train"
			x, w, b := ntLeaf(t, c, "in.x"), ntLeaf(t, c, "param.weight"), ntLeaf(t, c, "param.bias")
			rm0, _ := c.F32(t, "buffer.running_mean")
			rv0, _ := c.F32(t, "buffer.running_var")
			rm, rv := append([]float32(nil), rm0...), append([]float32(nil), rv0...)
			y := BatchNorm2d(x, w, b, rm, rv, training, float32(c.Hparam(t, "momentum")), float32(c.Hparam(t, "eps")))
			c.Check(t, "out.y", y.Data)
			if training {
				c.Check(t, "buffer_out.running_mean", rm)
				c.Check(t, "buffer_out.running_var", rv)
			} else {
				for i := range rm {
					if rm[i] != rm0[i] || rv[i] != rv0[i] {
						t.Fatalf("eval mode changed running stats of channel %d", i)
					}
				}
			}
			ntBackward(t, c, y, "y")
			c.Check(t, "grad.in.x", x.Grad)
			c.Check(t, "grad.param.weight", w.Grad)
			c.Check(t, "grad.param.bias", b.Grad)
		})
	}
}

// refBatchNorm is a float64 batch norm over x [n, c, hw]; mean/variance are the
// batch's (biased) when rm is nil, else the given running ones.
func refBatchNorm(x, w, b []float64, rm, rv []float64, n, c, hw int, eps float64) []float64 {
	y := make([]float64, len(x))
	for ch := 0; ch < c; ch++ {
		var m, v float64
		if rm == nil {
			for i := 0; i < n; i++ {
				for j := 0; j < hw; j++ {
					m += x[(i*c+ch)*hw+j]
				}
			}
			m /= float64(n * hw)
			for i := 0; i < n; i++ {
				for j := 0; j < hw; j++ {
					d := x[(i*c+ch)*hw+j] - m
					v += d * d
				}
			}
			v /= float64(n * hw)
		} else {
			m, v = rm[ch], rv[ch]
		}
		for i := 0; i < n; i++ {
			for j := 0; j < hw; j++ {
				k := (i*c+ch)*hw + j
				o := (x[k] - m) / math.Sqrt(v+eps)
				if w != nil {
					o = o*w[ch] + b[ch]
				}
				y[k] = o
			}
		}
	}
	return y
}

func TestBatchNorm2dGradCheck(t *testing.T) {
	const n, c, h, w = 3, 4, 2, 3
	for _, training := range []bool{true, false} {
		for _, affine := range []bool{true, false} {
			t.Run(fmt.Sprintf("training=%v/affine=%v", training, affine), func(t *testing.T) {
				in := []*Tensor{RandTensor(11, -2, 2, n, c, h, w)}
				if affine {
					in = append(in, RandTensor(12, 0.5, 1.5, c), RandTensor(13, -1, 1, c))
				}
				rm := []float32{0.1, -0.2, 0.3, 0}
				rv := []float32{0.5, 1, 1.5, 2}
				rm64, rv64 := make([]float64, c), make([]float64, c)
				for i := range rm {
					rm64[i], rv64[i] = float64(rm[i]), float64(rv[i])
				}
				GradCheck(t, in, func(x []*Tensor) []*Tensor {
					var wt, bt *Tensor
					if affine {
						wt, bt = x[1], x[2]
					}
					return []*Tensor{BatchNorm2d(x[0], wt, bt, append([]float32(nil), rm...), append([]float32(nil), rv...), training, 0.1, 1e-5)}
				}, func(x [][]float64) [][]float64 {
					var wt, bt, m, v []float64
					if affine {
						wt, bt = x[1], x[2]
					}
					if !training {
						m, v = rm64, rv64
					}
					return [][]float64{refBatchNorm(x[0], wt, bt, m, v, n, c, h*w, 1e-5)}
				})
			})
		}
	}
}

// The running update follows PyTorch: momentum weights the batch statistic and the
// variance is unbiased.
func TestBatchNorm2dRunningUpdate(t *testing.T) {
	x := New([]float32{1, 2, 3, 6}, 2, 1, 2) // one channel, 4 values: mean 3, unbiased var 14/3
	rm, rv := []float32{1}, []float32{2}
	BatchNorm2d(x, nil, nil, rm, rv, true, 0.999, 1e-5)
	wantM := 0.001*1 + 0.999*3.0
	wantV := 0.001*2 + 0.999*14.0/3
	if math.Abs(float64(rm[0])-wantM) > 1e-6 || math.Abs(float64(rv[0])-wantV) > 1e-6 {
		t.Fatalf("running stats %v %v, want %v %v", rm[0], rv[0], wantM, wantV)
	}
}
