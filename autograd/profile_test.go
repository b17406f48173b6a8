package autograd

import "testing"

func TestBackwardProfile(t *testing.T) {
	x := Param([]float32{1, 2, 3}, 3)
	build := func(p *BackwardProfile) *Tensor {
		a := MulScalar(x, 2) // stage "a"
		if p != nil {
			p.Tag("a", a)
		}
		b := MulScalar(MulScalar(a, 3), 4) // stage "b"
		if p != nil {
			p.Tag("b", b)
		}
		return SumAll(b) // untagged
	}
	p := StartBackwardProfile()
	build(p).Backward()
	p.Stop()
	calls := map[string]int{}
	for _, e := range p.ByTag() {
		calls[e.Name] = e.Calls
	}
	if calls["a"] != 1 || calls["b"] != 2 || calls[""] != 1 || len(calls) != 3 {
		t.Errorf("calls per tag = %v, want a:1 b:2 \"\":1", calls)
	}
	ops := p.ByOp()
	n := 0
	for _, e := range ops {
		n += e.Calls
	}
	if n != 4 || len(ops) != 2 {
		t.Errorf("ops = %+v, want 4 calls of 2 kinds", ops)
	}
	for i := 1; i < len(ops); i++ {
		if ops[i].Time > ops[i-1].Time {
			t.Errorf("ByOp not sorted slowest first: %+v", ops)
		}
	}
	if len(p.tags) != 0 {
		t.Errorf("%d tagged nodes kept after backward", len(p.tags))
	}
	// Once stopped, backward passes report nothing (and the gradient is unchanged).
	x.ZeroGrad()
	build(nil).Backward()
	if m := len(p.ByOp()); m != 2 || p.ByOp()[0].Calls+p.ByOp()[1].Calls != 4 {
		t.Errorf("stopped profile still records: %+v", p.ByOp())
	}
	for i, g := range x.Grad {
		if g != 24 {
			t.Errorf("grad[%d] = %v, want 24", i, g)
		}
	}
}
