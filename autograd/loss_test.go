package autograd

import (
	"math"
	"testing"

	"github.com/cvogl/halo/loader/golden"
)

func TestCrossEntropyGolden(t *testing.T) {
	for _, name := range golden.CasesOf(t, "cross_entropy") {
		t.Run(name, func(t *testing.T) {
			c := golden.Load(t, name)
			if r, _ := c.Hparams["reduction"].(string); r != "mean" {
				t.Fatalf("reduction %v", c.Hparams["reduction"])
			}
			logits := ntLeaf(t, c, "in.logits")
			tg64, _ := c.I64(t, "in.target")
			targets := make([]int, len(tg64))
			for i, v := range tg64 {
				targets[i] = int(v)
			}
			loss := CrossEntropy(logits, targets)
			c.Check(t, "out.loss", loss.Data)
			ntBackward(t, c, loss, "loss")
			c.Check(t, "grad.in.logits", logits.Grad)
		})
	}
}

func TestMSEGolden(t *testing.T) {
	for _, name := range golden.CasesOf(t, "mse_loss") {
		t.Run(name, func(t *testing.T) {
			c := golden.Load(t, name)
			a, b := ntLeaf(t, c, "in.a"), ntLeaf(t, c, "in.b")
			loss := MSE(a, b)
			c.Check(t, "out.loss", loss.Data)
			ntBackward(t, c, loss, "loss")
			c.Check(t, "grad.in.a", a.Grad)
			c.Check(t, "grad.in.b", b.Grad)
		})
	}
}

func TestCrossEntropyGradCheck(t *testing.T) {
	const n, c = 4, 6
	targets := []int{0, 5, 2, 2}
	GradCheck(t, []*Tensor{RandTensor(41, -3, 3, n, c)}, func(x []*Tensor) []*Tensor {
		return []*Tensor{CrossEntropy(x[0], targets)}
	}, func(x [][]float64) [][]float64 {
		lp := refSoftmax(x[0], n, c, 1, true)
		s := 0.0
		for r, tg := range targets {
			s -= lp[r*c+tg]
		}
		return [][]float64{{s / n}}
	})
}

func TestMSEGradCheck(t *testing.T) {
	GradCheck(t, []*Tensor{RandTensor(42, -2, 2, 3, 4), RandTensor(43, -2, 2, 3, 4)}, func(x []*Tensor) []*Tensor {
		return []*Tensor{MSE(x[0], x[1])}
	}, func(x [][]float64) [][]float64 {
		s := 0.0
		for i, v := range x[0] {
			s += (v - x[1][i]) * (v - x[1][i])
		}
		return [][]float64{{s / float64(len(x[0]))}}
	})
}

// A target tensor that does not require a gradient gets none.
func TestMSEConstantTarget(t *testing.T) {
	a := Param([]float32{1, 2}, 2)
	b := New([]float32{0, 4}, 2)
	l := MSE(a, b)
	l.Backward()
	if math.Abs(float64(l.Item())-2.5) > 1e-6 || a.Grad[0] != 1 || a.Grad[1] != -2 || b.Grad != nil {
		t.Fatalf("loss %v grad a %v grad b %v", l.Item(), a.Grad, b.Grad)
	}
}
