package autograd

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func TestScaleResidualGradCheck(t *testing.T) {
	for i, keep := range [][]float32{nil, {1.25, 0, 1.25}} {
		t.Run(fmt.Sprint(keep), func(t *testing.T) {
			shape := []int{3, 4, 2, 5}
			ins := []*Tensor{RandTensor(uint64(200+i), -1, 1, shape...), RandTensor(uint64(210+i), -1, 1, shape...),
				RandTensor(uint64(220+i), -1, 1, shape[1])}
			GradCheck(t, ins, func(in []*Tensor) []*Tensor {
				return []*Tensor{ScaleResidual(in[0], in[1], in[2], keep)}
			}, func(in [][]float64) [][]float64 {
				out := make([]float64, len(in[0]))
				inner := shape[2] * shape[3]
				for j := range out {
					n, c := j/(shape[1]*inner), j/inner%shape[1]
					k := 1.0
					if keep != nil {
						k = float64(keep[n])
					}
					out[j] = in[0][j] + k*in[2][c]*in[1][j]
				}
				return [][]float64{out}
			})
		})
	}
}

// TestScaleResidualMatchesComposition: x + DropPath(ls * a) as the LSK blocks wrote it
// (ls reshaped to [C, 1, 1]) and ScaleResidual with DropPathKeep from an identically
// seeded generator give the same values bit for bit, draw the same numbers (the
// generators agree afterwards), and the same gradients to float32 rounding (the
// composition's layer-scale gradient is summed in another order). Training with
// several drop rates (one drops a sample), eval, p = 0 and p = 1.
func TestScaleResidualMatchesComposition(t *testing.T) {
	shape := []int{4, 6, 9, 11}
	for i, tc := range []struct {
		p     float32
		train bool
	}{{0.3, true}, {0.1, true}, {0.3, false}, {0, true}, {1, true}} {
		t.Run(fmt.Sprintf("p%v_train%v", tc.p, tc.train), func(t *testing.T) {
			mk := func() []*Tensor {
				return []*Tensor{RandTensor(uint64(230+i), -1, 1, shape...), RandTensor(uint64(240+i), -1, 1, shape...),
					RandTensor(uint64(250+i), -0.1, 0.1, shape[1])}
			}
			fused, comp := mk(), mk()
			rf, rc := rand.New(rand.NewPCG(3, uint64(i))), rand.New(rand.NewPCG(3, uint64(i)))
			keep := DropPathKeep(shape[0], tc.p, rf, tc.train)
			yf := ScaleResidual(fused[0], fused[1], fused[2], keep)
			yc := Add(comp[0], DropPath(Mul(Reshape(comp[2], shape[1], 1, 1), comp[1]), tc.p, rc, tc.train))
			if a, b := rf.Uint64(), rc.Uint64(); a != b {
				t.Fatalf("generators differ after the draws: %x, composition %x", a, b)
			}
			if tc.p == 0.3 && tc.train && (keep[0] != 0 && keep[1] != 0 && keep[2] != 0 && keep[3] != 0) {
				t.Fatalf("keep %v: the case meant to drop a sample drops none", keep)
			}
			for j := range yc.Data {
				if yf.Data[j] != yc.Data[j] {
					t.Fatalf("y[%d] = %v, composition %v", j, yf.Data[j], yc.Data[j])
				}
			}
			cot := RandTensor(uint64(260+i), -1, 1, shape...).Data
			Backward([]*Tensor{yf}, [][]float32{cot})
			Backward([]*Tensor{yc}, [][]float32{cot})
			lskCompare(t, "grad x", fused[0].Grad, comp[0].Grad, 0)
			lskCompare(t, "grad a", fused[1].Grad, comp[1].Grad, 0x1p-23)
			lskCompare(t, "grad scale", fused[2].Grad, comp[2].Grad, 0x1p-20)
		})
	}
}

func TestDropPathKeepDrawsNothingWhenIdentity(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	if k := DropPathKeep(5, 0.5, r, false); k != nil {
		t.Errorf("eval: keep %v, want nil", k)
	}
	if k := DropPathKeep(5, 0, r, true); k != nil {
		t.Errorf("p = 0: keep %v, want nil", k)
	}
	if a, b := r.Uint64(), rand.New(rand.NewPCG(1, 2)).Uint64(); a != b {
		t.Error("the generator moved")
	}
}

func TestScaleResidualRejectsBadShapes(t *testing.T) {
	x := RandTensor(1, -1, 1, 2, 3, 4)
	for name, f := range map[string]func(){
		"shape": func() { ScaleResidual(x, RandTensor(2, -1, 1, 2, 3, 5), RandTensor(3, -1, 1, 3), nil) },
		"scale": func() { ScaleResidual(x, x, RandTensor(3, -1, 1, 2), nil) },
		"keep":  func() { ScaleResidual(x, x, RandTensor(3, -1, 1, 3), []float32{1}) },
		"p":     func() { DropPathKeep(2, 1.5, rand.New(rand.NewPCG(1, 1)), true) },
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

// BenchmarkScaleResidual times x + DropPath(ls * a) fused and composed on the paper's
// stage-1 activation [1,64,256,256], training (a kept sample), forward and
// forward+backward.
func BenchmarkScaleResidual(b *testing.B) {
	s := []int{1, 64, 256, 256}
	x, a, ls := RandTensor(1, -1, 1, s...), RandTensor(2, -1, 1, s...), RandTensor(3, -0.1, 0.1, s[1])
	cot := RandTensor(4, -1, 1, s...).Data
	for _, v := range []struct {
		name string
		f    func() *Tensor
	}{
		{"fused", func() *Tensor { return ScaleResidual(x, a, ls, []float32{1 / 0.9}) }},
		{"composed", func() *Tensor {
			return Add(x, DropPath(Mul(Reshape(ls, s[1], 1, 1), a), 0.1, rand.New(rand.NewPCG(1, 1)), true))
		}},
	} {
		b.Run(v.name+"/fwd", func(b *testing.B) {
			for b.Loop() {
				NoGrad(func() { v.f() })
			}
		})
		b.Run(v.name+"/fwdbwd", func(b *testing.B) {
			for b.Loop() {
				x.Grad, a.Grad, ls.Grad = nil, nil, nil
				Backward([]*Tensor{v.f()}, [][]float32{cot})
			}
		})
	}
}
