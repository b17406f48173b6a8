package autograd

import (
	"fmt"
	"sync/atomic"

	"github.com/cvogl/halo/simd"
)

// Buffer release.
//
// A tensor made by Zeros or Empty holds its Data in a buffer from the simd pool,
// behind a reference-counted bufRef that every view of it (Reshape, Detach, a
// checkpoint's result header) shares. Release drops one header's reference; the
// buffer goes back to the pool when the last one goes, so the next step's tensors of
// the same size reuse it instead of allocating.
//
// The danger is a buffer reused while someone still reads it, so Release never frees
// what a recorded graph may still need:
//   - every recorded node counts as a reader of each of its inputs until its backward
//     has run (or Backward has dropped it); a released tensor with readers left is only
//     marked, and the last reader's completion frees it;
//   - a tensor produced by a recorded op is freed only once its own node has run (its
//     backward may read its output), which Backward's reverse topological order makes
//     the last use;
//   - in grad mode, a leaf (no node) that no recorded node reads is never freed: an
//     op's backward could have captured it without recording it as an input, so the
//     garbage collector takes it instead; trainable leaves (parameters) are never freed.
//
// A freed header's Data becomes nil, so a read after Release fails loudly instead of
// seeing another tensor's numbers.

// bufRef is one pooled buffer and the number of tensor headers that use it.
type bufRef struct {
	data []float32
	refs atomic.Int32
}

// Release states.
const (
	relLive    = iota // not released
	relPending        // released; freed when the graph is done with it
	relKept           // released, but left to the garbage collector
	relFreed          // reference dropped
)

// pooled wraps a buffer from the pool in a new tensor owning it.
func pooled(data []float32, shape []int) *Tensor {
	t := &Tensor{Shape: append([]int(nil), shape...), Data: data}
	if len(data) >= simd.MinPoolLen {
		t.buf = &bufRef{data: data}
		t.buf.refs.Store(1)
	}
	return t
}

// view returns a new header for data (all or part of t.Data) that keeps t's buffer
// alive until the view is released too.
func (t *Tensor) view(shape []int, data []float32) *Tensor {
	if t.rel.Load() == relFreed {
		panic(fmt.Sprintf("autograd: view of released tensor %s", tensorLabel(t)))
	}
	v := &Tensor{Shape: shape, Data: data, Name: t.Name}
	if t.buf != nil {
		t.buf.refs.Add(1)
		v.buf = t.buf
	}
	return v
}

// Release promises that the caller never reads t, or a view made from it, again
// (views made earlier keep their own reference). When nothing else can read its buffer
// (see above) the buffer goes back to the pool at once, which is what happens in
// NoGrad (inference) mode; in grad mode a tensor of the recorded graph is freed by
// Backward once the last op that reads it has run. Releasing twice, releasing a tensor
// not backed by the pool, or releasing a parameter does nothing.
func (t *Tensor) Release() {
	if t == nil || t.buf == nil || t.node == nil && t.requiresGrad {
		return
	}
	if !t.rel.CompareAndSwap(relLive, relPending) {
		return
	}
	if GradEnabled() && t.node == nil && t.readers.Load() == 0 {
		t.rel.Store(relKept)
		return
	}
	t.tryFree()
}

// Released reports whether Release was called on t.
func (t *Tensor) Released() bool { return t.rel.Load() != relLive }

// tryFree drops t's reference if t was released and nothing recorded may read it.
func (t *Tensor) tryFree() {
	if t.node != nil || t.readers.Load() > 0 || !t.rel.CompareAndSwap(relPending, relFreed) {
		return
	}
	b := t.buf
	t.buf, t.Data = nil, nil
	if b.refs.Add(-1) == 0 {
		simd.PutBuf(b.data)
	}
}

// readerDone is called when a recorded node that read t has run or been dropped.
func (t *Tensor) readerDone() {
	if t.readers.Add(-1) == 0 && t.rel.Load() == relPending {
		t.tryFree()
	}
}
