package nn

import (
	"math"
	"math/big"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/cvogl/halo/autograd"
	"github.com/cvogl/halo/loader/golden"
)

func TestRMSpropGolden(t *testing.T) {
	for _, name := range golden.CasesOf(t, "RMSprop") {
		c := golden.Load(t, name)
		p0, shape := c.F32(t, "in.param0")
		grads, gs := c.F32(t, "in.grads")
		after, _ := c.F32(t, "out.param_after")
		sqs, _ := c.F32(t, "out.square_avg")
		p := autograd.Param(append([]float32(nil), p0...), shape...)
		opt := NewRMSprop([]*autograd.Tensor{p}, c.Hparam(t, "lr"), c.Hparam(t, "alpha"), c.Hparam(t, "eps"),
			c.Hparam(t, "weight_decay"), c.Hparam(t, "momentum"), c.Hparams["centered"] == true)
		n := len(p0)
		steps := gs[0]
		gotP, gotSq := make([]float32, 0, steps*n), make([]float32, 0, steps*n)
		for step := range steps {
			p.Grad = append([]float32(nil), grads[step*n:(step+1)*n]...)
			opt.Step()
			gotP = append(gotP, p.Data...)
			gotSq = append(gotSq, opt.State()["0.square_avg"]...)
		}
		c.Check(t, "out.param_after", gotP)
		c.Check(t, "out.square_avg", gotSq)
		// Same operation order and fusion as PyTorch's CPU kernels: bit-exact.
		for j := range gotP {
			if gotP[j] != after[j] || gotSq[j] != sqs[j] {
				t.Errorf("%s: step %d element %d: param %v square_avg %v, PyTorch %v %v (not bit-exact)",
					name, j/n, j%n, gotP[j], gotSq[j], after[j], sqs[j])
			}
		}
		if st := opt.State()["0.step"]; len(st) != 1 || int(st[0]) != steps {
			t.Errorf("step count %v, want %d", st, steps)
		}
	}
}

// ref64 is a float64 transcription of PyTorch's update rules, the reference the
// float32 optimisers are checked against over several steps.
type ref64 struct {
	kind                                  string // sgd, rmsprop, adam, adamw
	lr, mom, damp, wd, alpha, eps, b1, b2 float64
	nesterov, centered                    bool
	p, buf, sq, ga, m, v                  []float64
	t                                     int
	started                               bool
}

func (r *ref64) step(grad []float32) {
	n := len(r.p)
	if r.buf == nil {
		r.buf, r.sq, r.ga, r.m, r.v = make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	}
	r.t++
	for j := range r.p {
		g := float64(grad[j])
		switch r.kind {
		case "sgd":
			g += r.wd * r.p[j]
			if r.mom != 0 {
				if !r.started {
					r.buf[j] = g
				} else {
					r.buf[j] = r.mom*r.buf[j] + (1-r.damp)*g
				}
				if r.nesterov {
					g += r.mom * r.buf[j]
				} else {
					g = r.buf[j]
				}
			}
			r.p[j] -= r.lr * g
		case "rmsprop":
			g += r.wd * r.p[j]
			r.sq[j] = r.alpha*r.sq[j] + (1-r.alpha)*g*g
			avg := r.sq[j]
			if r.centered {
				r.ga[j] = r.alpha*r.ga[j] + (1-r.alpha)*g
				avg -= r.ga[j] * r.ga[j]
			}
			avg = math.Sqrt(avg) + r.eps
			if r.mom > 0 {
				r.buf[j] = r.mom*r.buf[j] + g/avg
				r.p[j] -= r.lr * r.buf[j]
			} else {
				r.p[j] -= r.lr * g / avg
			}
		case "adam", "adamw":
			if r.kind == "adamw" {
				r.p[j] *= 1 - r.lr*r.wd
			} else {
				g += r.wd * r.p[j]
			}
			r.m[j] = r.b1*r.m[j] + (1-r.b1)*g
			r.v[j] = r.b2*r.v[j] + (1-r.b2)*g*g
			mh := r.m[j] / (1 - math.Pow(r.b1, float64(r.t)))
			vh := r.v[j] / (1 - math.Pow(r.b2, float64(r.t)))
			r.p[j] -= r.lr * mh / (math.Sqrt(vh) + r.eps)
		}
	}
	r.started = true
}

func TestOptimizersVsFloat64(t *testing.T) {
	cases := []struct {
		name string
		ref  ref64
		make func(ps []*autograd.Tensor) Optimizer
	}{
		{"sgd", ref64{kind: "sgd", lr: 0.1},
			func(ps []*autograd.Tensor) Optimizer { return NewSGD(ps, 0.1, 0, 0, 0, false) }},
		{"sgd_momentum_wd", ref64{kind: "sgd", lr: 0.05, mom: 0.9, damp: 0.1, wd: 1e-2},
			func(ps []*autograd.Tensor) Optimizer { return NewSGD(ps, 0.05, 0.9, 0.1, 1e-2, false) }},
		{"sgd_nesterov", ref64{kind: "sgd", lr: 0.05, mom: 0.9, wd: 1e-3, nesterov: true},
			func(ps []*autograd.Tensor) Optimizer { return NewSGD(ps, 0.05, 0.9, 0, 1e-3, true) }},
		{"rmsprop_paper", ref64{kind: "rmsprop", lr: 1e-4, alpha: 0.99, eps: 1e-8, wd: 5e-4},
			func(ps []*autograd.Tensor) Optimizer { return NewRMSprop(ps, 1e-4, 0.99, 1e-8, 5e-4, 0, false) }},
		{"rmsprop_centered_momentum", ref64{kind: "rmsprop", lr: 1e-3, alpha: 0.9, eps: 1e-6, mom: 0.5, centered: true},
			func(ps []*autograd.Tensor) Optimizer { return NewRMSprop(ps, 1e-3, 0.9, 1e-6, 0, 0.5, true) }},
		{"adam", ref64{kind: "adam", lr: 1e-3, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 1e-2},
			func(ps []*autograd.Tensor) Optimizer { return NewAdam(ps, 1e-3, 0.9, 0.999, 1e-8, 1e-2) }},
		{"adamw", ref64{kind: "adamw", lr: 1e-3, b1: 0.8, b2: 0.99, eps: 1e-8, wd: 0.1},
			func(ps []*autograd.Tensor) Optimizer { return NewAdamW(ps, 1e-3, 0.8, 0.99, 1e-8, 0.1) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, 8))
			const n, steps = 50, 6
			p := autograd.Param(make([]float32, n), n)
			ref := tc.ref
			ref.p = make([]float64, n)
			for j := range n {
				p.Data[j] = float32(rng.NormFloat64())
				ref.p[j] = float64(p.Data[j])
			}
			p0 := slices.Clone(ref.p)
			opt := tc.make([]*autograd.Tensor{p})
			for range steps {
				p.Grad = make([]float32, n)
				for j := range n {
					p.Grad[j] = float32(rng.NormFloat64() * 0.1)
				}
				opt.Step()
				ref.step(p.Grad)
			}
			// float32 rounding of p (|p| ~ 1) costs ~1e-7 per step; a wrong rule is
			// off by far more than 0.1% of how far the parameters moved.
			var worst, moved float64
			for j := range n {
				worst = math.Max(worst, math.Abs(float64(p.Data[j])-ref.p[j]))
				moved = math.Max(moved, math.Abs(ref.p[j]-p0[j]))
			}
			if tol := 2e-7*steps + 1e-3*moved; worst > tol || moved == 0 {
				t.Errorf("max |go - float64 reference| = %g after %d steps (moved %g, tol %g)", worst, steps, moved, tol)
			}
		})
	}
}

// Single steps worked out by hand.
func TestOptimizerHandSteps(t *testing.T) {
	one := func(opt func(ps []*autograd.Tensor) Optimizer, p, g float32, steps int) float32 {
		x := autograd.Param([]float32{p}, 1)
		o := opt([]*autograd.Tensor{x})
		for range steps {
			x.Grad = []float32{g}
			o.Step()
		}
		return x.Data[0]
	}
	near := func(name string, got float32, want float64) {
		t.Helper()
		if math.Abs(float64(got)-want) > 1e-6*math.Max(1, math.Abs(want)) {
			t.Errorf("%s = %.9g, want %.9g", name, got, want)
		}
	}
	// p - lr*(g + wd*p) = 1 - 0.1*(0.5 + 0.1) = 0.94
	near("sgd wd", one(func(ps []*autograd.Tensor) Optimizer { return NewSGD(ps, 0.1, 0, 0, 0.1, false) }, 1, 0.5, 1), 0.94)
	// momentum 0.9: buf1 = 0.5 -> p = 0.95; buf2 = 0.9*0.5 + 0.5 = 0.95 -> p = 0.855
	near("sgd momentum", one(func(ps []*autograd.Tensor) Optimizer { return NewSGD(ps, 0.1, 0.9, 0, 0, false) }, 1, 0.5, 2), 0.855)
	// nesterov: d = g + 0.9*buf = 0.95 -> p = 0.905
	near("sgd nesterov", one(func(ps []*autograd.Tensor) Optimizer { return NewSGD(ps, 0.1, 0.9, 0, 0, true) }, 1, 0.5, 1), 0.905)
	// Adam's first step moves by lr*g/|g| (bias-corrected m/sqrt(v) = sign g), up to eps.
	near("adam first step", one(func(ps []*autograd.Tensor) Optimizer { return NewAdam(ps, 0.01, 0.9, 0.999, 1e-8, 0) }, 1, 0.3, 1), 0.99)
	// Constant gradient: every Adam step is lr*sign(g).
	near("adam 3 steps", one(func(ps []*autograd.Tensor) Optimizer { return NewAdam(ps, 0.01, 0.9, 0.999, 1e-8, 0) }, 1, -0.3, 3), 1.03)
	// AdamW: p*(1 - lr*wd) - lr = 1*(1-0.001) - 0.01 = 0.989
	near("adamw", one(func(ps []*autograd.Tensor) Optimizer { return NewAdamW(ps, 0.01, 0.9, 0.999, 1e-8, 0.1) }, 1, 0.3, 1), 0.989)
	// Adam (L2): g' = 0.3 + 0.1*1 = 0.4 > 0, still a step of lr.
	near("adam l2", one(func(ps []*autograd.Tensor) Optimizer { return NewAdam(ps, 0.01, 0.9, 0.999, 1e-8, 0.1) }, 1, 0.3, 1), 0.99)
	// RMSprop first step: sq = 0.01*g², p -= lr*g/(0.1|g|) = 10*lr*sign(g).
	near("rmsprop first step", one(func(ps []*autograd.Tensor) Optimizer { return NewRMSprop(ps, 1e-3, 0.99, 1e-8, 0, 0, false) }, 1, 0.5, 1), 0.99)
}

func TestOptimizerSkipsNilGrad(t *testing.T) {
	for _, mk := range []func(ps []*autograd.Tensor) Optimizer{
		func(ps []*autograd.Tensor) Optimizer { return NewSGD(ps, 0.1, 0.9, 0, 0.1, false) },
		func(ps []*autograd.Tensor) Optimizer { return NewRMSprop(ps, 0.1, 0.99, 1e-8, 0.1, 0, false) },
		func(ps []*autograd.Tensor) Optimizer { return NewAdam(ps, 0.1, 0.9, 0.999, 1e-8, 0.1) },
		func(ps []*autograd.Tensor) Optimizer { return NewAdamW(ps, 0.1, 0.9, 0.999, 1e-8, 0.1) },
	} {
		a := autograd.Param([]float32{1, 2}, 2)
		b := autograd.Param([]float32{3}, 1)
		o := mk([]*autograd.Tensor{a, b})
		b.Grad = []float32{0.5}
		o.Step()
		o.Step()
		if a.Data[0] != 1 || a.Data[1] != 2 {
			t.Errorf("%T changed a parameter without gradient (weight decay must be skipped too): %v", o, a.Data)
		}
		if b.Data[0] == 3 {
			t.Errorf("%T did not update the parameter with a gradient", o)
		}
		for k := range o.State() {
			if strings.HasPrefix(k, "0.") {
				t.Errorf("%T keeps state %q for a parameter that never had a gradient", o, k)
			}
		}
		if st := o.State()["1.step"]; len(st) != 1 || st[0] != 2 {
			t.Errorf("%T: step of parameter 1 = %v, want 2", o, st)
		}
	}
}

// Checkpoint and resume: an optimiser restored from State continues bit-identically.
func TestOptimizerStateResume(t *testing.T) {
	makers := map[string]func(ps []*autograd.Tensor) Optimizer{
		"sgd":     func(ps []*autograd.Tensor) Optimizer { return NewSGD(ps, 0.1, 0.9, 0.1, 1e-2, true) },
		"rmsprop": func(ps []*autograd.Tensor) Optimizer { return NewRMSprop(ps, 1e-3, 0.99, 1e-8, 5e-4, 0.5, true) },
		"adam":    func(ps []*autograd.Tensor) Optimizer { return NewAdam(ps, 1e-2, 0.9, 0.999, 1e-8, 0) },
		"adamw":   func(ps []*autograd.Tensor) Optimizer { return NewAdamW(ps, 1e-2, 0.9, 0.999, 1e-8, 0.1) },
	}
	for name, mk := range makers {
		rng := rand.New(rand.NewPCG(1, 2))
		grad := func() [][]float32 {
			return [][]float32{{float32(rng.NormFloat64()), float32(rng.NormFloat64()), float32(rng.NormFloat64())}, {float32(rng.NormFloat64())}}
		}
		a := []*autograd.Tensor{autograd.Param([]float32{1, -1, 0.5}, 3), autograd.Param([]float32{2}, 1)}
		oa := mk(a)
		for range 3 {
			g := grad()
			a[0].Grad, a[1].Grad = g[0], g[1]
			oa.Step()
		}
		st := oa.State()
		b := []*autograd.Tensor{a[0].Clone().SetRequiresGrad(true), a[1].Clone().SetRequiresGrad(true)}
		ob := mk(b)
		fresh := []*autograd.Tensor{a[0].Clone().SetRequiresGrad(true), a[1].Clone().SetRequiresGrad(true)}
		of := mk(fresh)
		if err := ob.LoadState(st); err != nil {
			t.Fatalf("%s: LoadState: %v", name, err)
		}
		for range 2 {
			g := grad()
			for i := range a {
				a[i].Grad, b[i].Grad, fresh[i].Grad = slices.Clone(g[i]), slices.Clone(g[i]), slices.Clone(g[i])
			}
			oa.Step()
			ob.Step()
			of.Step()
		}
		for i := range a {
			if !slices.Equal(a[i].Data, b[i].Data) {
				t.Errorf("%s: resumed run differs: %v vs %v", name, a[i].Data, b[i].Data)
			}
		}
		if slices.Equal(a[0].Data, fresh[0].Data) {
			t.Errorf("%s: a fresh optimiser gives the same result, the test proves nothing", name)
		}
		// State is a copy: mutating it does not touch the optimiser.
		for k := range st {
			st[k][0] = 1e9
		}
		if v := ob.State(); v["1.step"][0] == 1e9 {
			t.Errorf("%s: State shares memory with the optimiser", name)
		}
	}

	o := NewAdam([]*autograd.Tensor{autograd.Param([]float32{1, 2}, 2)}, 1e-3, 0.9, 0.999, 1e-8, 0)
	for _, bad := range []map[string][]float32{
		{"0.exp_avg": {1, 2, 3}, "0.step": {1}}, // wrong size
		{"1.exp_avg": {1, 2}, "1.step": {1}},    // no parameter 1
		{"0.square_avg": {1, 2}, "0.step": {1}}, // not an Adam field
		{"0.exp_avg": {1, 2}},                   // no step count
		{"0.step": {1.5}},                       // not a count
		{"x": {1}},                              // malformed key
	} {
		if err := o.LoadState(bad); err == nil {
			t.Errorf("LoadState(%v) accepted bad state", bad)
		}
	}
	if len(o.State()) != 0 {
		t.Error("a rejected LoadState changed the state")
	}
	o.SetLR(0.5)
	if o.LR() != 0.5 {
		t.Error("SetLR/LR")
	}
}

func TestClipGradNorm(t *testing.T) {
	a := autograd.Param([]float32{0, 0}, 2)
	b := autograd.Param([]float32{0}, 1)
	c := autograd.Param([]float32{0}, 1) // no gradient: ignored
	a.Grad, b.Grad = []float32{3, 4}, []float32{12}
	ps := []*autograd.Tensor{a, b, c}
	if n := ClipGradNorm(ps, 20); n != 13 || a.Grad[0] != 3 || b.Grad[0] != 12 {
		t.Errorf("below the limit: norm %v grads %v %v", n, a.Grad, b.Grad)
	}
	n := ClipGradNorm(ps, 6.5)
	if n != 13 {
		t.Errorf("norm %v, want 13", n)
	}
	coef := 6.5 / (13 + 1e-6)
	for i, want := range []float64{3 * coef, 4 * coef} {
		if math.Abs(float64(a.Grad[i])-want) > 1e-6 {
			t.Errorf("clipped grad %v, want %v", a.Grad[i], want)
		}
	}
	if after := ClipGradNorm(ps, 100); math.Abs(after-6.5) > 1e-5 {
		t.Errorf("norm after clipping %v, want 6.5", after)
	}
}

func TestFMA32(t *testing.T) {
	exact := func(a, b, c float32) float32 {
		x := new(big.Float).SetPrec(200).SetFloat64(float64(a))
		x.Mul(x, new(big.Float).SetPrec(200).SetFloat64(float64(b)))
		x.Add(x, new(big.Float).SetPrec(200).SetFloat64(float64(c)))
		f, _ := x.Float32()
		return f
	}
	// a*b = 1 - 2^-46; the float64 sum 2^24+3 is a float32 tie that ties-to-even would
	// round up, but the exact value is below it.
	a, b, c := float32(1+0x1p-23), float32(1-0x1p-23), float32(1<<24+2)
	if got, want := fma32(a, b, c), exact(a, b, c); got != want || want != 1<<24+2 {
		t.Errorf("fma32 double rounding: %v, want %v", got, want)
	}
	if got := fma32(-a, b, -c); got != -(1<<24 + 2) {
		t.Errorf("fma32 negative tie: %v", got)
	}
	rng := rand.New(rand.NewPCG(3, 3))
	for i := range 100000 {
		a, b := float32(rng.NormFloat64()), float32(rng.NormFloat64())
		c := float32(rng.NormFloat64() * math.Pow(2, float64(rng.IntN(60)-30)))
		if i%2 == 0 {
			c = -float32(float64(a) * float64(b)) // heavy cancellation
		}
		if got, want := fma32(a, b, c), exact(a, b, c); got != want {
			t.Fatalf("fma32(%v, %v, %v) = %v, want %v", a, b, c, got, want)
		}
	}
}

// Large tensors are split across goroutines; the result must not depend on it.
func TestOptimizerParallelSplit(t *testing.T) {
	const n = 5*parallelGrain + 123
	run := func(procs int) [][]float32 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		var out [][]float32
		for _, mk := range []func(ps []*autograd.Tensor) Optimizer{
			func(ps []*autograd.Tensor) Optimizer { return NewRMSprop(ps, 1e-3, 0.99, 1e-8, 5e-4, 0.5, true) },
			func(ps []*autograd.Tensor) Optimizer { return NewSGD(ps, 1e-2, 0.9, 0, 1e-3, true) },
			func(ps []*autograd.Tensor) Optimizer { return NewAdamW(ps, 1e-3, 0.9, 0.999, 1e-8, 0.1) },
		} {
			p := autograd.Param(make([]float32, n), n)
			p.Grad = make([]float32, n)
			for i := range n {
				p.Data[i] = float32(i%101) * 0.01
				p.Grad[i] = float32(i%89-44) * 1e-3
			}
			o := mk([]*autograd.Tensor{p})
			o.Step()
			o.Step()
			out = append(out, p.Data)
		}
		return out
	}
	serial, par := run(1), run(4)
	for i := range serial {
		if !slices.Equal(serial[i], par[i]) {
			t.Errorf("optimiser %d: parallel result differs from serial", i)
		}
	}
}
