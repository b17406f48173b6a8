package autograd

import "testing"

// y = sum(2x) + sum(3x): x is used twice, so its gradient is 2 + 3 everywhere.
func TestGradientAccumulatesOverUses(t *testing.T) {
	x := Param([]float32{1, 2, 3}, 3)
	a := SumAll(MulScalar(x, 2))
	b := SumAll(MulScalar(x, 3))
	total := SumAll(Concat(0, Reshape(a, 1), Reshape(b, 1)))
	total.Backward()
	for i, g := range x.Grad {
		if g != 5 {
			t.Fatalf("x.grad[%d] = %v, want 5", i, g)
		}
	}
	if a.node != nil || total.node != nil {
		t.Fatal("graph not freed after Backward")
	}
	if a.Grad != nil {
		t.Fatal("intermediate gradient kept without RetainGrad")
	}
}

func TestNoGradRecordsNothing(t *testing.T) {
	x := Param([]float32{1, 2}, 2)
	var y *Tensor
	NoGrad(func() { y = MulScalar(x, 4) })
	if y.node != nil || y.RequiresGrad() {
		t.Fatal("NoGrad recorded an op")
	}
	if !GradEnabled() {
		t.Fatal("NoGrad did not restore recording")
	}
	z := MulScalar(x, 4)
	if z.node == nil {
		t.Fatal("op not recorded with grad enabled")
	}
}

func TestRetainGradAndDetach(t *testing.T) {
	x := Param([]float32{1, -1}, 2)
	m := MulScalar(x, 3).RetainGrad()
	SumAll(MulScalar(m, 2)).Backward()
	if m.Grad == nil || m.Grad[0] != 2 || x.Grad[1] != 6 {
		t.Fatalf("m.grad %v x.grad %v", m.Grad, x.Grad)
	}
	d := x.Detach()
	if d.RequiresGrad() || !d.IsLeaf() || &d.Data[0] != &x.Data[0] {
		t.Fatal("Detach must share data and cut the graph")
	}
}

func TestGradCheckCatchesWrongGradient(t *testing.T) {
	// A deliberately wrong op: forward x*2, backward claims 2.03 (1.5% off).
	wrong := func(in []*Tensor) []*Tensor {
		x := in[0]
		out := Zeros(x.Shape...)
		for i, v := range x.Data {
			out.Data[i] = 2 * v
		}
		return []*Tensor{Record("wrong", out, func(g []float32) {
			for i := range g {
				x.GradBuf()[i] += 2.03 * g[i]
			}
		}, x)}
	}
	ref := func(in [][]float64) [][]float64 {
		y := make([]float64, len(in[0]))
		for i, v := range in[0] {
			y[i] = 2 * v
		}
		return [][]float64{y}
	}
	ft := &failT{TB: t}
	GradCheck(ft, []*Tensor{RandTensor(1, -1, 1, 5)}, wrong, ref)
	if !ft.failed {
		t.Fatal("GradCheck accepted a gradient that is 1.5% off")
	}
	GradCheck(t, []*Tensor{RandTensor(1, -1, 1, 5)}, func(in []*Tensor) []*Tensor {
		return []*Tensor{MulScalar(in[0], 2)}
	}, ref)
}

type failT struct {
	testing.TB
	failed bool
}

func (f *failT) Helper()                   {}
func (f *failT) Errorf(string, ...any)     { f.failed = true }
func (f *failT) Fatalf(s string, a ...any) { f.failed = true; f.TB.Fatalf(s, a...) }
