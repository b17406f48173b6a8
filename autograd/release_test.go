package autograd

import (
	"math"
	"testing"
	"unsafe"

	"github.com/cvogl/halo/ops"
	"github.com/cvogl/halo/simd"
)

// freshPool empties the process-wide buffer pool for one test and NaN-fills every
// Empty buffer, so an op that reads an element it did not write shows up as NaN.
func freshPool(t *testing.T) {
	t.Helper()
	simd.FlushBufs()
	oldLimit := simd.SetBufLimit(1 << 30)
	oldPoison := simd.SetPoisonBufs(true)
	simd.ResetBufStats()
	t.Cleanup(func() {
		simd.SetBufLimit(oldLimit)
		simd.SetPoisonBufs(oldPoison)
		simd.FlushBufs()
	})
}

// big is a length the pool handles, and one no other test in the package asks for.
const big = simd.MinPoolLen + 7

func sameBuf(a, b []float32) bool { return unsafe.SliceData(a) == unsafe.SliceData(b) }

// takeBack asks the pool for a buffer of n values and reports whether it is buf.
func takeBack(n int, buf []float32) bool {
	b := simd.GetBuf(n)
	return sameBuf(b, buf)
}

func fill(t *Tensor, v float32) {
	for i := range t.Data {
		t.Data[i] = v
	}
}

func TestReleaseNoGradReturnsBuffer(t *testing.T) {
	freshPool(t)
	NoGrad(func() {
		x := Empty(big)
		buf := x.Data
		x.Release()
		if x.Data != nil || !x.Released() {
			t.Fatal("a released tensor keeps its Data")
		}
		x.Release() // twice: a no-op, not a double put (which would panic)
		if !takeBack(big, buf) {
			t.Fatal("released buffer not reused")
		}
	})
}

func TestReleasedViewKeepsBaseAlive(t *testing.T) {
	freshPool(t)
	NoGrad(func() {
		x := Empty(big)
		fill(x, 3)
		buf := x.Data
		v := Reshape(x, 1, big)
		d := v.Detach()
		x.Release()
		v.Release()
		if d.Data == nil || d.Data[big-1] != 3 {
			t.Fatal("a live view lost its data when the base and another view were released")
		}
		if takeBack(big, buf) {
			t.Fatal("buffer returned to the pool while a view of it is alive")
		}
		d.Release()
		if !takeBack(big, buf) {
			t.Fatal("buffer not returned once every view was released")
		}
	})
}

func TestReleaseParamAndSmallIgnored(t *testing.T) {
	freshPool(t)
	p := RandTensor(1, -1, 1, big) // a trainable leaf
	p.Release()
	if p.Data == nil || p.Released() {
		t.Fatal("Release freed a parameter")
	}
	NoGrad(func() {
		s := Full(2, 10) // too small for the pool
		s.Release()
		if s.Data == nil || s.Data[9] != 2 {
			t.Fatal("Release of an unpooled tensor touched its data")
		}
	})
}

// In grad mode Release must wait until the backward no longer needs the data: the
// input of a Mul is read by the other factor's gradient.
func TestReleaseInGraphWaitsForBackward(t *testing.T) {
	freshPool(t)
	w := RandTensor(2, -1, 1, big)
	x := Empty(big) // a leaf without gradient, read by Mul's backward for dw
	fill(x, 2)
	a := MulScalar(w, 3)
	aBuf := a.Data
	y := Mul(a, x)
	r := Reshape(y, big)
	x.Release()
	a.Release()
	y.Release()
	if x.Data == nil || a.Data == nil || y.Data == nil {
		t.Fatal("Release in grad mode freed a tensor the backward still reads")
	}
	loss := SumAll(r)
	loss.Backward()
	for i, g := range w.Grad {
		if g != 6 {
			t.Fatalf("w.grad[%d] = %v, want 6", i, g)
		}
	}
	if x.Data != nil || a.Data != nil || y.Data != nil {
		t.Fatal("Backward did not free the released tensors")
	}
	if r.Data == nil {
		t.Fatal("Backward freed an unreleased view")
	}
	if !takeBack(big, aBuf) {
		t.Fatal("a's buffer not back in the pool after Backward")
	}
}

// A leaf that no recorded op reads may still have been captured by a backward
// closure: grad mode leaves it to the garbage collector.
func TestReleaseUnreadLeafKeptInGradMode(t *testing.T) {
	freshPool(t)
	x := Empty(big)
	fill(x, 1)
	x.Release()
	if x.Data == nil {
		t.Fatal("grad mode freed a leaf no recorded op reads")
	}
	if takeBack(big, x.Data) {
		t.Fatal("its buffer went to the pool")
	}
}

// A released tensor read by a second graph survives the first graph's Backward.
func TestReleaseWaitsForEveryGraph(t *testing.T) {
	freshPool(t)
	w := RandTensor(3, -1, 1, big)
	a := MulScalar(w, 2)
	l1 := SumAll(Mul(a, a))
	l2 := SumAll(Mul(a, w)) // reads a's data in its backward
	a.Release()
	l1.Backward()
	if a.Data == nil {
		t.Fatal("freed while another graph still reads it")
	}
	l2.Backward()
	if a.Data != nil {
		t.Fatal("not freed after the last graph reading it ran")
	}
}

func TestBackwardReturnsIntermediateGrads(t *testing.T) {
	freshPool(t)
	defer simd.SetThreads(simd.SetThreads(1)) // as above
	w := RandTensor(4, -1, 1, big)
	step := func(release bool) {
		a := MulScalar(w, 2)
		b := MulScalar(a, 3)
		if release {
			a.Release()
			b.Release()
		}
		SumAll(b).Backward()
	}
	step(false) // takes w's gradient for good
	if s := simd.ReadBufStats(); s.Puts != 2 || s.Hits != 1 {
		// b's gradient goes back once b's node has run, and w's reuses it; a's goes
		// back at the end.
		t.Fatalf("first step: %+v; want 2 gradients returned, b's reused for w's", s)
	}
	simd.FlushBufs()
	for i := range 3 {
		simd.ResetBufStats()
		w.ZeroGrad()
		step(true)
		// Peak: a, b and their gradients; all four go back during Backward.
		s := simd.ReadBufStats()
		if s.Puts != 4 || i > 0 && (s.Misses != 0 || s.Hits != 4) {
			t.Fatalf("step %d: %+v; want 4 buffers returned, then all 4 reused", i, s)
		}
		for i, g := range w.Grad {
			if g != 6 {
				t.Fatalf("w.grad[%d] = %v, want 6", i, g)
			}
		}
	}
}

// A Grad set from outside belongs to whoever set it: Backward drops it without
// pooling it.
func TestBackwardKeepsForeignGrad(t *testing.T) {
	freshPool(t)
	w := RandTensor(5, -1, 1, big)
	a := MulScalar(w, 2)
	mine := make([]float32, big)
	a.Grad = mine
	SumAll(MulScalar(a, 1)).Backward()
	if takeBack(big, mine) {
		t.Fatal("Backward pooled a gradient buffer it did not allocate")
	}
}

// poolNet is a small network of pooled ops: two 3x3 convolutions with BatchNorm and
// ReLU, a residual sum, a channel concat, a permute and a linear layer.
type poolNet struct {
	w1, b1, w2, g, beta, lw, lb *Tensor
	runMean, runVar             []float32
}

func newPoolNet() *poolNet {
	n := &poolNet{
		w1: RandTensor(11, -0.3, 0.3, 8, 8, 3, 3), b1: RandTensor(12, -0.1, 0.1, 8),
		w2: RandTensor(13, -0.3, 0.3, 8, 8, 3, 3),
		g:  RandTensor(14, 0.5, 1.5, 8), beta: RandTensor(15, -0.2, 0.2, 8),
		lw: RandTensor(16, -0.3, 0.3, 16, 16), lb: RandTensor(17, -0.1, 0.1, 16),
		runMean: make([]float32, 8), runVar: make([]float32, 8),
	}
	for i := range n.runVar {
		n.runVar[i] = 1
	}
	return n
}

func (n *poolNet) params() []*Tensor { return []*Tensor{n.w1, n.b1, n.w2, n.g, n.beta, n.lw, n.lb} }

// loss runs the network on x [2,8,32,32]; with release it releases every intermediate
// after its last use in the forward code, as model code does.
func (n *poolNet) loss(x *Tensor, release bool) *Tensor {
	rel := func(ts ...*Tensor) {
		if release {
			for _, t := range ts {
				t.Release()
			}
		}
	}
	p := ops.ConvParams{PadH: 1, PadW: 1}
	c1 := Conv2d(x, n.w1, n.b1, p)
	bn := BatchNorm2d(c1, n.g, n.beta, n.runMean, n.runVar, true, 0.1, 1e-5)
	rel(c1)
	r := ReLU(bn)
	rel(bn)
	c2 := Conv2d(r, n.w2, nil, p)
	rel(r)
	s := Add(c2, x)
	rel(c2)
	cat := Concat(1, s, x) // [2,16,32,32]
	rel(s)
	pm := Permute(cat, 0, 2, 3, 1) // [2,32,32,16]
	rel(cat)
	lin := Linear(pm, n.lw, n.lb)
	rel(pm)
	sq := Mul(lin, lin)
	rel(lin)
	flat := Reshape(sq, -1)
	rel(sq)
	l := MeanAll(flat)
	rel(flat)
	return l
}

// trainSteps runs steps of plain gradient descent and returns the losses and the
// final parameters.
func trainSteps(release bool, steps int) (losses []float32, params [][]float32) {
	n := newPoolNet()
	x := RandTensor(20, -1, 1, 2, 8, 32, 32).SetRequiresGrad(false)
	for range steps {
		l := n.loss(x, release)
		losses = append(losses, l.Item())
		l.Backward()
		for _, p := range n.params() {
			for i, g := range p.Grad {
				p.Data[i] -= 0.05 * g
			}
			p.ZeroGrad()
		}
	}
	for _, p := range n.params() {
		params = append(params, append([]float32(nil), p.Data...))
	}
	return losses, params
}

// TestPoolingBitIdentical trains the small network with every intermediate released
// and buffers reused (NaN-poisoned when handed out) and without the pool at all: the
// losses and parameters after several steps must match bit for bit.
func TestPoolingBitIdentical(t *testing.T) {
	freshPool(t)
	simd.SetBufLimit(0) // no pooling: every buffer is fresh
	wantL, wantP := trainSteps(false, 4)
	simd.SetBufLimit(1 << 30)
	gotL, gotP := trainSteps(true, 4)
	for i := range wantL {
		if math.Float32bits(gotL[i]) != math.Float32bits(wantL[i]) {
			t.Fatalf("step %d: loss %v with pooling, %v without", i, gotL[i], wantL[i])
		}
	}
	for j := range wantP {
		bitsEqual(t, "parameter", gotP[j], wantP[j])
	}
	if s := simd.ReadBufStats(); s.Hits == 0 {
		t.Fatalf("the pooled run reused nothing: %+v", s)
	}
}

// TestSteadyStateStepAllocatesNothing: once one step has filled the pool, a training
// step of the small network takes every large buffer (activations and gradients) from
// it.
func TestSteadyStateStepAllocatesNothing(t *testing.T) {
	freshPool(t)
	// Kernels take scratch from the pool too (ops' convolution), from parallel
	// chunks: one thread makes the order of takes and puts, hence the number of
	// buffers a step needs, the same every step.
	defer simd.SetThreads(simd.SetThreads(1))
	n := newPoolNet()
	x := RandTensor(20, -1, 1, 2, 8, 32, 32).SetRequiresGrad(false)
	for step := range 3 {
		simd.ResetBufStats()
		l := n.loss(x, true)
		l.Backward()
		for _, p := range n.params() {
			p.ZeroGrad()
		}
		s := simd.ReadBufStats()
		if step > 0 && (s.Misses != 0 || s.Hits == 0) {
			t.Fatalf("step %d: %d pool misses, %d hits; want only hits", step, s.Misses, s.Hits)
		}
	}
}

// Under NoGrad the same network returns each intermediate at once, so a forward
// holds few buffers at a time and a second forward allocates nothing.
func TestNoGradForwardReuses(t *testing.T) {
	freshPool(t)
	defer simd.SetThreads(simd.SetThreads(1)) // as above
	n := newPoolNet()
	x := RandTensor(20, -1, 1, 2, 8, 32, 32).SetRequiresGrad(false)
	var want float32
	for pass := range 3 {
		simd.ResetBufStats()
		var l float32
		NoGrad(func() { l = n.loss(x, true).Item() })
		s := simd.ReadBufStats()
		if pass == 0 {
			want = l
			continue
		}
		if l != want {
			t.Fatalf("pass %d: loss %v, first pass %v", pass, l, want)
		}
		if s.Misses != 0 {
			t.Fatalf("pass %d: %d pool misses", pass, s.Misses)
		}
	}
}
