package nn

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/cvogl/halo/autograd"
	"github.com/cvogl/halo/simd"
)

// Optimizer updates parameters from their gradients.
//
// The update rules are PyTorch 1.13's single-tensor implementations, evaluated in
// float32 in PyTorch's operation order, hyper-parameters rounded to float32 where
// PyTorch's kernels round them and multiply-adds fused where its x86 CPU kernels fuse
// them (add with alpha, addcmul), so results match PyTorch bit for bit. Parameters whose Grad is nil are skipped entirely,
// as PyTorch skips p.grad is None: no state, no weight decay, no step count.
//
// State returns the per-parameter state for checkpoints, keyed like PyTorch's
// optimizer.state_dict()["state"]: "<index>.<field>" with index the position in the
// parameter list and field step, square_avg, grad_avg, momentum_buffer, exp_avg or
// exp_avg_sq; step is a one-element float32 (as in PyTorch 1.13, exact to 2^24).
// LoadState restores it exactly; the learning rate is not part of it (schedules set
// it from the epoch).
type Optimizer interface {
	Step()
	SetLR(lr float64)
	LR() float64
	State() map[string][]float32
	LoadState(state map[string][]float32) error
}

// optState holds per-parameter step counts and named buffers.
type optState struct {
	params []*autograd.Tensor
	lr     float64
	steps  []int64
	bufs   map[string][][]float32 // field -> per-parameter buffer (nil until used)
	fields []string               // the fields this optimiser may have
}

func newOptState(params []*autograd.Tensor, lr float64, fields ...string) optState {
	s := optState{params: params, lr: lr, steps: make([]int64, len(params)),
		bufs: make(map[string][][]float32), fields: fields}
	for _, f := range fields {
		s.bufs[f] = make([][]float32, len(params))
	}
	return s
}

// buf returns parameter i's buffer for field, allocating zeros on first use.
func (s *optState) buf(field string, i int) []float32 {
	b := s.bufs[field][i]
	if b == nil {
		b = make([]float32, len(s.params[i].Data))
		s.bufs[field][i] = b
	}
	return b
}

// SetLR sets the learning rate for the next steps.
func (s *optState) SetLR(lr float64) { s.lr = lr }

// LR returns the current learning rate.
func (s *optState) LR() float64 { return s.lr }

// Params returns the parameter list the optimiser updates.
func (s *optState) Params() []*autograd.Tensor { return s.params }

// State returns a copy of the per-parameter state (see Optimizer).
func (s *optState) State() map[string][]float32 {
	st := make(map[string][]float32)
	for i, n := range s.steps {
		if n > 0 {
			st[strconv.Itoa(i)+".step"] = []float32{float32(n)}
		}
	}
	for f, bs := range s.bufs {
		for i, b := range bs {
			if b != nil {
				st[strconv.Itoa(i)+"."+f] = append([]float32(nil), b...)
			}
		}
	}
	return st
}

// LoadState replaces the state with a copy of st, checking every key, index and size
// first (on error nothing changes).
func (s *optState) LoadState(st map[string][]float32) error {
	steps := make([]int64, len(s.params))
	bufs := make(map[string][][]float32)
	for _, f := range s.fields {
		bufs[f] = make([][]float32, len(s.params))
	}
	keys := make([]string, 0, len(st))
	for k := range st {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := st[k]
		is, field, ok := strings.Cut(k, ".")
		i, err := strconv.Atoi(is)
		if !ok || err != nil || i < 0 || i >= len(s.params) {
			return fmt.Errorf("optimizer state: key %q is not <param index 0..%d>.<field>", k, len(s.params)-1)
		}
		if field == "step" {
			if len(v) != 1 || v[0] < 0 || v[0] != float32(math.Trunc(float64(v[0]))) {
				return fmt.Errorf("optimizer state: %q = %v is not a step count", k, v)
			}
			steps[i] = int64(v[0])
			continue
		}
		b, known := bufs[field]
		if !known {
			return fmt.Errorf("optimizer state: key %q: this optimizer has no field %q (fields %v)", k, field, s.fields)
		}
		if n := len(s.params[i].Data); len(v) != n {
			return fmt.Errorf("optimizer state: %q has %d values, parameter %d (%s, shape %v) has %d",
				k, len(v), i, s.params[i].Name, s.params[i].Shape, n)
		}
		b[i] = append([]float32(nil), v...)
	}
	for f, bs := range bufs {
		for i, b := range bs {
			if b != nil && steps[i] == 0 {
				return fmt.Errorf("optimizer state: parameter %d has %s but no step count", i, f)
			}
		}
	}
	s.steps, s.bufs = steps, bufs
	return nil
}

// fma32 is a*b + c rounded once to float32 (simd.FMA32): PyTorch's CPU kernels for
// add(alpha=) and addcmul compile to fused multiply-adds, and matching them is what
// makes the rmsprop_3steps golden bit-exact.
func fma32(a, b, c float32) float32 { return simd.FMA32(a, b, c) }

// sqrt32 is a correctly rounded float32 square root (the float64 root of a float32
// has enough bits that rounding it once more is exact).
func sqrt32(x float32) float32 { return float32(math.Sqrt(float64(x))) }

// RMSprop is torch.optim.RMSprop.
type RMSprop struct {
	optState
	Alpha, Eps, WeightDecay, Momentum float64
	Centered                          bool
}

// NewRMSprop returns PyTorch's RMSprop (PyTorch defaults: alpha 0.99, eps 1e-8,
// weightDecay 0, momentum 0, centered false; the paper uses lr 1e-4, weightDecay 5e-4).
func NewRMSprop(params []*autograd.Tensor, lr, alpha, eps, weightDecay, momentum float64, centered bool) *RMSprop {
	return &RMSprop{optState: newOptState(params, lr, "square_avg", "momentum_buffer", "grad_avg"),
		Alpha: alpha, Eps: eps, WeightDecay: weightDecay, Momentum: momentum, Centered: centered}
}

// Step applies one update:
//
//	g = grad + wd*p;  sq = alpha*sq + (1-alpha)*g²;  avg = sqrt(sq - ga²) + eps (ga = centred mean of g, else 0)
//	p -= lr*g/avg,  or with momentum  buf = momentum*buf + g/avg;  p -= lr*buf
//
// Multiply-adds are fused exactly where PyTorch's CPU kernels fuse them (fma32);
// every other product is converted to float32 explicitly so Go never fuses it.
func (o *RMSprop) Step() {
	alpha, oneMinus := float32(o.Alpha), float32(1-o.Alpha)
	eps, wd, mom, negLR := float32(o.Eps), float32(o.WeightDecay), float32(o.Momentum), float32(-o.lr)
	for i, p := range o.params {
		if p.Grad == nil {
			continue
		}
		o.steps[i]++
		sq := o.buf("square_avg", i)
		var ga, mb []float32
		if o.Centered {
			ga = o.buf("grad_avg", i)
		}
		if o.Momentum > 0 {
			mb = o.buf("momentum_buffer", i)
		}
		k := rmspropK{alpha, oneMinus, eps, wd, mom, negLR}
		parallel(len(p.Data), func(lo, hi int) {
			k.update(p.Data[lo:hi], p.Grad[lo:hi], sq[lo:hi], part(ga, lo, hi), part(mb, lo, hi))
		})
	}
}

// rmspropK holds RMSprop's float32 hyper-parameters for the element loop.
type rmspropK struct{ alpha, oneMinus, eps, wd, mom, negLR float32 }

// update applies RMSprop to one range; ga (centred) and mb (momentum) may be nil.
// Working on local slices lets the compiler keep everything in registers.
func (k rmspropK) update(data, grad, sq, ga, mb []float32) {
	grad, sq = grad[:len(data)], sq[:len(data)]
	if ga == nil && mb == nil && k.wd != 0 {
		// The paper's configuration: one vectorised pass, same operations and roundings.
		simd.RMSpropStep(data, grad, sq, k.wd, k.oneMinus, k.alpha, k.eps, k.negLR)
		return
	}
	for j, g := range grad {
		if k.wd != 0 {
			g = fma32(k.wd, data[j], g)
		}
		sq[j] = fma32(float32(k.oneMinus*g), g, float32(sq[j]*k.alpha))
		var avg float32
		if ga != nil {
			ga[j] = fma32(k.oneMinus, g, float32(ga[j]*k.alpha))
			avg = sqrt32(fma32(-ga[j], ga[j], sq[j]))
		} else {
			avg = sqrt32(sq[j])
		}
		avg += k.eps
		if mb != nil {
			mb[j] = float32(mb[j]*k.mom) + g/avg
			data[j] = fma32(k.negLR, mb[j], data[j])
		} else {
			data[j] += float32(k.negLR*g) / avg
		}
	}
}

// part returns b[lo:hi], or nil for a nil (unused) buffer.
func part(b []float32, lo, hi int) []float32 {
	if b == nil {
		return nil
	}
	return b[lo:hi]
}

// SGD is torch.optim.SGD.
type SGD struct {
	optState
	Momentum, Dampening, WeightDecay float64
	Nesterov                         bool
}

// NewSGD returns PyTorch's SGD (defaults momentum 0, dampening 0, weightDecay 0).
func NewSGD(params []*autograd.Tensor, lr, momentum, dampening, weightDecay float64, nesterov bool) *SGD {
	return &SGD{optState: newOptState(params, lr, "momentum_buffer"),
		Momentum: momentum, Dampening: dampening, WeightDecay: weightDecay, Nesterov: nesterov}
}

// Step applies d = grad + wd*p; buf = d at the first step, else momentum*buf +
// (1-dampening)*d; d = d + momentum*buf (Nesterov) or buf; p -= lr*d.
func (o *SGD) Step() {
	wd, mom, damp1, negLR := float32(o.WeightDecay), float32(o.Momentum), float32(1-o.Dampening), float32(-o.lr)
	for i, p := range o.params {
		if p.Grad == nil {
			continue
		}
		var mb []float32
		first := false
		if o.Momentum != 0 {
			first = o.bufs["momentum_buffer"][i] == nil
			mb = o.buf("momentum_buffer", i)
		}
		o.steps[i]++
		k := sgdK{wd, mom, damp1, negLR, o.Nesterov, first}
		parallel(len(p.Data), func(lo, hi int) {
			k.update(p.Data[lo:hi], p.Grad[lo:hi], part(mb, lo, hi))
		})
	}
}

// sgdK holds SGD's float32 hyper-parameters for the element loop.
type sgdK struct {
	wd, mom, damp1, negLR float32
	nesterov, first       bool
}

// update applies SGD to one range; mb (momentum) may be nil.
func (k sgdK) update(data, grad, mb []float32) {
	grad = grad[:len(data)]
	for j, d := range grad {
		if k.wd != 0 {
			d = fma32(k.wd, data[j], d)
		}
		if mb != nil {
			if k.first {
				mb[j] = d
			} else {
				mb[j] = fma32(k.damp1, d, float32(mb[j]*k.mom))
			}
			if k.nesterov {
				d = fma32(k.mom, mb[j], d)
			} else {
				d = mb[j]
			}
		}
		data[j] = fma32(k.negLR, d, data[j])
	}
}

// Adam is torch.optim.Adam (Decoupled false: L2 penalty added to the gradient) and
// torch.optim.AdamW (Decoupled true: p *= 1 - lr*wd before the Adam update).
type Adam struct {
	optState
	Beta1, Beta2, Eps, WeightDecay float64
	Decoupled                      bool
}

// NewAdam returns PyTorch's Adam (defaults beta1 0.9, beta2 0.999, eps 1e-8,
// weightDecay 0).
func NewAdam(params []*autograd.Tensor, lr, beta1, beta2, eps, weightDecay float64) *Adam {
	return &Adam{optState: newOptState(params, lr, "exp_avg", "exp_avg_sq"),
		Beta1: beta1, Beta2: beta2, Eps: eps, WeightDecay: weightDecay}
}

// NewAdamW returns PyTorch's AdamW (defaults beta1 0.9, beta2 0.999, eps 1e-8,
// weightDecay 0.01).
func NewAdamW(params []*autograd.Tensor, lr, beta1, beta2, eps, weightDecay float64) *Adam {
	a := NewAdam(params, lr, beta1, beta2, eps, weightDecay)
	a.Decoupled = true
	return a
}

// Step applies m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g²;
// p -= (lr/(1-b1^t)) * m / (sqrt(v)/sqrt(1-b2^t) + eps), the bias corrections in
// float64 as PyTorch computes them on Python floats.
func (o *Adam) Step() {
	b1, om1 := float32(o.Beta1), float32(1-o.Beta1)
	b2, om2 := float32(o.Beta2), float32(1-o.Beta2)
	eps, wd := float32(o.Eps), float32(o.WeightDecay)
	decay := float32(1 - o.lr*o.WeightDecay)
	for i, p := range o.params {
		if p.Grad == nil {
			continue
		}
		o.steps[i]++
		m, v := o.buf("exp_avg", i), o.buf("exp_avg_sq", i)
		t := float64(o.steps[i])
		bc1 := 1 - math.Pow(o.Beta1, t)
		bc2sqrt := float32(math.Sqrt(1 - math.Pow(o.Beta2, t)))
		negStep := float32(-(o.lr / bc1))
		k := adamK{b1, om1, b2, om2, eps, wd, decay, bc2sqrt, negStep, o.Decoupled}
		parallel(len(p.Data), func(lo, hi int) {
			k.update(p.Data[lo:hi], p.Grad[lo:hi], m[lo:hi], v[lo:hi])
		})
	}
}

// adamK holds Adam's float32 hyper-parameters for the element loop.
type adamK struct {
	b1, om1, b2, om2, eps, wd, decay, bc2sqrt, negStep float32
	decoupled                                          bool
}

// update applies Adam/AdamW to one range.
func (k adamK) update(data, grad, m, v []float32) {
	grad, m, v = grad[:len(data)], m[:len(data)], v[:len(data)]
	for j, g := range grad {
		if k.wd != 0 {
			if k.decoupled {
				data[j] = float32(data[j] * k.decay)
			} else {
				g = fma32(k.wd, data[j], g)
			}
		}
		m[j] = fma32(k.om1, g, float32(m[j]*k.b1))
		v[j] = fma32(float32(k.om2*g), g, float32(v[j]*k.b2))
		denom := sqrt32(v[j])/k.bc2sqrt + k.eps
		data[j] += float32(k.negStep*m[j]) / denom
	}
}

// ClipGradNorm scales the gradients of params so that their total 2-norm is at most
// maxNorm, as torch.nn.utils.clip_grad_norm_: coef = maxNorm/(total+1e-6), applied
// when below 1. It returns the total norm before clipping (accumulated in float64).
func ClipGradNorm(params []*autograd.Tensor, maxNorm float64) float64 {
	var ss float64
	for _, p := range params {
		for _, g := range p.Grad {
			ss += float64(g) * float64(g)
		}
	}
	total := math.Sqrt(ss)
	if coef := maxNorm / (total + 1e-6); coef < 1 {
		c := float32(coef)
		for _, p := range params {
			for j := range p.Grad {
				p.Grad[j] *= c
			}
		}
	}
	return total
}
