package autograd

import (
	"fmt"
	"sync/atomic"
)

// node records one differentiable op: the tensors it read and how to send the
// gradient of its output back to them.
type node struct {
	op       string
	inputs   []*Tensor
	backward func(gout []float32)
}

// noGrad counts active NoGrad scopes; while positive, ops record nothing.
var noGrad atomic.Int32

// NoGrad runs fn with recording switched off: ops compute their outputs only, keep
// no reference to their inputs and build no graph, so intermediates are freed as soon
// as fn drops them. This is inference mode.
func NoGrad(fn func()) {
	noGrad.Add(1)
	defer noGrad.Add(-1)
	fn()
}

// GradEnabled reports whether ops currently record themselves.
func GradEnabled() bool { return noGrad.Load() == 0 }

// Record attaches a backward function to out, an op's freshly computed result, when
// gradients are enabled and some input requires one. backward receives the gradient
// of out and must accumulate (+=) into the GradBuf of each input that RequiresGrad.
// It returns out for chaining. In NoGrad mode (or when no input needs a gradient) the
// closure is dropped, so nothing stays alive through it.
//
// Op implementations call this right after computing the forward, with the backward
// written inline, so the derivative sits next to the maths it differentiates.
func Record(op string, out *Tensor, backward func(gout []float32), inputs ...*Tensor) *Tensor {
	if Records(inputs...) {
		attach(out, op, backward, inputs)
	}
	return out
}

// Records reports whether an op on inputs would be recorded: gradients are enabled
// and some (non-nil) input requires one. Fused inference-only ops use their fused
// kernel only when it does not.
func Records(inputs ...*Tensor) bool {
	if !GradEnabled() {
		return false
	}
	for _, in := range inputs {
		if in != nil && in.requiresGrad {
			return true
		}
	}
	return false
}

// attach makes out the result of a recorded node. Every input gains a reader until the
// node has run (release.go), which keeps its buffer from going back to the pool while
// the backward may still read it.
func attach(out *Tensor, op string, backward func(gout []float32), inputs []*Tensor) {
	out.requiresGrad = true
	out.node = &node{op: op, inputs: inputs, backward: backward}
	for _, in := range inputs {
		if in != nil {
			in.readers.Add(1)
		}
	}
}

// Backward computes the gradient of the scalar t with respect to every tensor that
// requires one and contributed to t, accumulating into their Grad. The graph is freed
// afterwards (a second Backward through it is an error), and the gradients of
// intermediate tensors are dropped unless RetainGrad was called on them.
func (t *Tensor) Backward() {
	if len(t.Data) != 1 {
		panic(fmt.Sprintf("autograd: Backward on a tensor of shape %v; use BackwardWith for non-scalars", t.Shape))
	}
	t.BackwardWith([]float32{1})
}

// BackwardWith is Backward with an explicit gradient for t (the cotangent), for
// non-scalar outputs: it computes the gradients of sum(t * gout).
func (t *Tensor) BackwardWith(gout []float32) {
	Backward([]*Tensor{t}, [][]float32{gout})
}

// Backward runs one backward pass from several outputs at once, seeding each with its
// cotangent: the gradients are those of sum_i sum(outputs[i] * cots[i]).
func Backward(outputs []*Tensor, cots [][]float32) {
	if len(outputs) != len(cots) {
		panic("autograd.Backward: one cotangent per output")
	}
	for i, o := range outputs {
		if len(cots[i]) != len(o.Data) {
			panic(fmt.Sprintf("autograd.Backward: cotangent of %d values for output of shape %v", len(cots[i]), o.Shape))
		}
	}
	order := topoOrder(outputs)
	for i, o := range outputs {
		if !o.requiresGrad {
			continue
		}
		g := o.GradBuf()
		for j, v := range cots[i] {
			g[j] += v
		}
	}
	// Reverse topological order: every consumer runs before its producer, so a
	// tensor's gradient is complete when its own node runs.
	for i := len(order) - 1; i >= 0; i-- {
		t := order[i]
		n := t.node
		if t.Grad != nil {
			runBackward(n, t.Grad) // n.backward, timed under a BackwardProfile
		}
		t.node = nil   // free the graph as we go
		order[i] = nil // and t itself, unless the caller holds it: activations die early
		if !t.retainGrad {
			t.dropGrad() // only n.backward read it: back to the pool
		}
		// n's inputs have one reader fewer, and t itself, if released, is read by no
		// one now: its consumers ran before n (release.go).
		for _, in := range n.inputs {
			if in != nil {
				in.readerDone()
			}
		}
		if t.rel.Load() == relPending {
			t.tryFree()
		}
	}
}

// topoOrder returns the non-leaf tensors reachable from outputs, producers first.
// Iterative, since a deep network's graph would make recursion deep.
func topoOrder(outputs []*Tensor) []*Tensor {
	var order []*Tensor
	visited := map[*Tensor]bool{}
	type frame struct {
		t    *Tensor
		next int
	}
	var stack []frame
	for _, o := range outputs {
		if o.node == nil || visited[o] {
			continue
		}
		visited[o] = true
		stack = append(stack, frame{t: o})
		for len(stack) > 0 {
			f := &stack[len(stack)-1]
			if f.next < len(f.t.node.inputs) {
				in := f.t.node.inputs[f.next]
				f.next++
				if in != nil && in.node != nil && !visited[in] {
					visited[in] = true
					stack = append(stack, frame{t: in})
				}
				continue
			}
			order = append(order, f.t)
			stack = stack[:len(stack)-1]
		}
	}
	return order
}
