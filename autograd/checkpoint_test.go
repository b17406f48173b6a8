package autograd

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cvogl/halo/ops"
)

// ckBlock is conv 3x3 -> BatchNorm (train) -> GELU -> dropout, plus the input: every
// kind of state a checkpointed network block touches (parameters captured by the
// closure, running statistics, a random generator).
type ckBlock struct {
	w, b, gamma, beta *Tensor
	runMean, runVar   []float32
	src               *rand.PCG
	rng               *rand.Rand
	p                 float32
}

func newCkBlock(seed uint64, c int) *ckBlock {
	k := &ckBlock{
		w:       RandTensor(seed, -0.4, 0.4, c, c, 3, 3),
		b:       RandTensor(seed+1, -0.2, 0.2, c),
		gamma:   RandTensor(seed+2, 0.5, 1.5, c),
		beta:    RandTensor(seed+3, -0.3, 0.3, c),
		runMean: make([]float32, c), runVar: make([]float32, c),
		src: rand.NewPCG(seed, 99), p: 0.3,
	}
	for i := range k.runVar {
		k.runVar[i] = 1
	}
	k.rng = rand.New(k.src)
	return k
}

func (k *ckBlock) forward(x *Tensor) *Tensor {
	y := Conv2d(x, k.w, k.b, ops.ConvParams{StrideH: 1, StrideW: 1, PadH: 1, PadW: 1, DilH: 1, DilW: 1, Groups: 1})
	y = BatchNorm2d(y, k.gamma, k.beta, k.runMean, k.runVar, true, 0.1, 1e-5)
	return Add(x, Dropout(GELU(y), k.p, k.rng, true))
}

// save captures the generator state for CheckpointState.
func (k *ckBlock) save() func() {
	st, err := k.src.MarshalBinary()
	if err != nil {
		panic(err)
	}
	return func() {
		if err := k.src.UnmarshalBinary(st); err != nil {
			panic(err)
		}
	}
}

func (k *ckBlock) params() []*Tensor { return []*Tensor{k.w, k.b, k.gamma, k.beta} }

func bitsEqual(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, plain run %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s[%d] = %v, plain run %v", what, i, got[i], want[i])
		}
	}
}

// TestCheckpointBitIdentical runs two chained blocks plainly and checkpointed, with
// dropout draws outside the blocks in between, and demands identical bits for the
// output, every gradient, the running statistics and the generator's next draws.
func TestCheckpointBitIdentical(t *testing.T) {
	const c = 4
	run := func(check bool, inputGrad bool) (out *Tensor, x *Tensor, ks [2]*ckBlock) {
		x = RandTensor(5, -1, 1, 2, c, 6, 6)
		x.SetRequiresGrad(inputGrad)
		ks = [2]*ckBlock{newCkBlock(10, c), newCkBlock(20, c)}
		ks[1].src = ks[0].src // one generator shared by both blocks, as in a network
		ks[1].rng = ks[0].rng
		h := x
		for _, k := range ks {
			if check {
				h = CheckpointState(k.save, func(in []*Tensor) *Tensor { return k.forward(in[0]) }, h)
			} else {
				h = k.forward(h)
			}
			h = Dropout(h, 0.2, ks[0].rng, true) // draws between the blocks
		}
		out = MulScalar(h, 1.5)
		cot := RandTensor(77, -1, 1, out.Shape...).Data
		Backward([]*Tensor{out}, [][]float32{cot})
		return out, x, ks
	}
	for _, inputGrad := range []bool{true, false} {
		pOut, pX, pK := run(false, inputGrad)
		cOut, cX, cK := run(true, inputGrad)
		if Recomputing() {
			t.Fatal("Recomputing still set after the backward pass")
		}
		bitsEqual(t, "output", cOut.Data, pOut.Data)
		if inputGrad {
			bitsEqual(t, "input grad", cX.Grad, pX.Grad)
		} else if cX.Grad != nil {
			t.Fatal("input that requires no gradient received one")
		}
		names := []string{"w", "b", "gamma", "beta"}
		for bi := range pK {
			for i, p := range pK[bi].params() {
				q := cK[bi].params()[i]
				if q.Grad == nil {
					t.Fatalf("block %d %s: no gradient through the checkpoint", bi, names[i])
				}
				bitsEqual(t, "block grad "+names[i], q.Grad, p.Grad)
			}
			bitsEqual(t, "running mean", cK[bi].runMean, pK[bi].runMean)
			bitsEqual(t, "running var", cK[bi].runVar, pK[bi].runVar)
		}
		if pK[0].runMean[0] == 0 {
			t.Fatal("running mean was never updated: the test checks nothing")
		}
		for i := range 8 {
			if a, b := cK[0].rng.Uint64(), pK[0].rng.Uint64(); a != b {
				t.Fatalf("generator draw %d after backward: %d, plain run %d", i, a, b)
			}
		}
	}
}

// TestCheckpointWithoutRestoreDiffers shows the replay is what makes the test above
// pass: without it the recomputation draws a different mask and the gradient changes.
func TestCheckpointWithoutRestoreDiffers(t *testing.T) {
	grad := func(withSave bool) []float32 {
		k := newCkBlock(10, 3)
		x := RandTensor(5, -1, 1, 2, 3, 5, 5)
		save := k.save
		if !withSave {
			save = nil
		}
		out := CheckpointState(save, func(in []*Tensor) *Tensor { return k.forward(in[0]) }, x)
		SumAll(out).Backward()
		return x.Grad
	}
	a, b := grad(true), grad(false)
	same := true
	for i := range a {
		same = same && a[i] == b[i]
	}
	if same {
		t.Fatal("checkpoint without generator replay gave the replayed gradient: dropout not exercised")
	}
}

func TestCheckpointNoGradIsPlain(t *testing.T) {
	x := RandTensor(1, -1, 1, 3)
	calls := 0
	var out *Tensor
	NoGrad(func() {
		out = Checkpoint(func(in []*Tensor) *Tensor { calls++; return MulScalar(in[0], 2) }, x)
	})
	if calls != 1 || out.RequiresGrad() || out.Data[0] != 2*x.Data[0] {
		t.Fatalf("under NoGrad: %d calls, requires grad %v", calls, out.RequiresGrad())
	}
}

// TestCheckpointIdentityInput: fn returning its input (an eval-mode dropout) must not
// attach the checkpoint's node to the caller's tensor.
func TestCheckpointIdentityInput(t *testing.T) {
	x := RandTensor(1, -1, 1, 4)
	out := Checkpoint(func(in []*Tensor) *Tensor { return in[0] }, x)
	if out == x || !x.IsLeaf() {
		t.Fatal("checkpoint output aliases its input tensor")
	}
	out.BackwardWith([]float32{1, 2, 3, 4})
	bitsEqual(t, "identity grad", x.Grad, []float32{1, 2, 3, 4})
}

// TestCheckpointNested: a checkpoint inside a checkpointed fn (recomputed twice over).
func TestCheckpointNested(t *testing.T) {
	grads := func(nested bool) ([]float32, []float32) {
		k := newCkBlock(3, 3)
		x := RandTensor(4, -1, 1, 2, 3, 4, 4)
		f := func(in []*Tensor) *Tensor { return k.forward(k.forward(in[0])) }
		if nested {
			f = func(in []*Tensor) *Tensor {
				h := CheckpointState(k.save, func(in []*Tensor) *Tensor { return k.forward(in[0]) }, in[0])
				return k.forward(h)
			}
		}
		out := CheckpointState(k.save, f, x)
		SumAll(Mul(out, out)).Backward()
		return x.Grad, k.w.Grad
	}
	px, pw := grads(false)
	nx, nw := grads(true)
	bitsEqual(t, "nested input grad", nx, px)
	bitsEqual(t, "nested weight grad", nw, pw)
}

// TestCheckpointGradCheck differentiates the checkpointed block against a float64
// reference, with the parameters reached only through the closure.
func TestCheckpointGradCheck(t *testing.T) {
	const n, c, h, w = 2, 3, 4, 4
	x := RandTensor(8, -1, 1, n, c, h, w)
	k := newCkBlock(30, c)
	// The reference replays the generator: one Float32 per element, kept if >= p.
	mask := make([]float64, n*c*h*w)
	mrng := rand.New(rand.NewPCG(30, 99))
	for i := range mask {
		if mrng.Float32() >= k.p {
			mask[i] = float64(1 / (1 - k.p))
		}
	}
	cp := ops.ConvParams{StrideH: 1, StrideW: 1, PadH: 1, PadW: 1, DilH: 1, DilW: 1, Groups: 1}
	// The conv bias is left out: before a train-mode BatchNorm its gradient is
	// exactly zero, so the float32 one is pure rounding.
	bias := make([]float64, c)
	for i, v := range k.b.Data {
		bias[i] = float64(v)
	}
	GradCheck(t, []*Tensor{x, k.w, k.gamma, k.beta},
		func(in []*Tensor) []*Tensor {
			k.w, k.gamma, k.beta = in[1], in[2], in[3]
			return []*Tensor{CheckpointState(k.save, func(ci []*Tensor) *Tensor { return k.forward(ci[0]) }, in[0])}
		},
		func(in [][]float64) [][]float64 {
			y := refConv2d(in[0], in[1], bias, []int{n, c, h, w}, []int{c, c, 3, 3}, cp)
			y = refBatchNorm(y, in[2], in[3], nil, nil, n, c, h*w, 1e-5)
			for i, v := range y {
				y[i] = in[0][i] + 0.5*v*(1+math.Erf(v/math.Sqrt2))*mask[i]
			}
			return [][]float64{y}
		})
}

// replaySource returns a recorded stream of generator outputs from a given position.
type replaySource struct {
	vals []uint64
	i    int
}

func (r *replaySource) Uint64() uint64 { v := r.vals[r.i]; r.i++; return v }

// samplewiseBlock is conv -> GELU -> dropout: no batch statistics, so it can run in
// chunks of samples.
func samplewiseBlock(k *ckBlock, x *Tensor, rng *rand.Rand) *Tensor {
	y := Conv2d(x, k.w, k.b, ops.ConvParams{StrideH: 1, StrideW: 1, PadH: 1, PadW: 1, DilH: 1, DilW: 1, Groups: 1})
	return Dropout(GELU(y), k.p, rng, true)
}

func closeTo(t *testing.T, what string, got, want []float32, rel float64) {
	t.Helper()
	scale := 0.0
	for _, v := range want {
		scale = math.Max(scale, math.Abs(float64(v)))
	}
	for i := range want {
		if d := math.Abs(float64(got[i]) - float64(want[i])); !(d <= rel*scale) {
			t.Fatalf("%s[%d] = %v, whole batch %v", what, i, got[i], want[i])
		}
	}
}

// TestCheckpointChunks: a samplewise block run in chunks of 1 and 2 of 3 samples, the
// generator replayed per chunk at the chunk's offset in the whole batch's stream, gives
// the whole batch's output and gradients.
func TestCheckpointChunks(t *testing.T) {
	const n, c, h, w = 3, 3, 5, 5
	per := c * h * w
	src := rand.NewPCG(4, 4)
	stream := make([]uint64, n*per)
	for i := range stream {
		stream[i] = src.Uint64()
	}
	cot := RandTensor(9, -1, 1, n, c, h, w).Data
	k := newCkBlock(40, c)
	x := RandTensor(6, -1, 1, n, c, h, w)
	plain := samplewiseBlock(k, x, rand.New(&replaySource{vals: stream}))
	plain.BackwardWith(cot)
	wantX, wantW, wantB := x.Grad, k.w.Grad, k.b.Grad
	for _, chunk := range []int{1, 2, 3} {
		x.Grad, k.w.Grad, k.b.Grad = nil, nil, nil
		var rng *rand.Rand
		prepared := 0
		prepare := func(s, e int) func() {
			prepared++
			rng = rand.New(&replaySource{vals: stream, i: s * per})
			return func() { rng = nil }
		}
		out := CheckpointChunks(chunk, prepare, func(in []*Tensor) *Tensor { return samplewiseBlock(k, in[0], rng) }, x)
		if want := 2 * ((n + chunk - 1) / chunk); prepared != want/2 {
			t.Fatalf("chunk %d: prepare called %d times in the forward, want %d", chunk, prepared, want/2)
		}
		closeTo(t, "output", out.Data, plain.Data, 1e-6)
		out.BackwardWith(cot)
		closeTo(t, "input grad", x.Grad, wantX, 1e-6)
		closeTo(t, "weight grad", k.w.Grad, wantW, 1e-5)
		closeTo(t, "bias grad", k.b.Grad, wantB, 1e-5)
		if Recomputing() {
			t.Fatal("Recomputing still set")
		}
	}
}

func TestCheckpointChunksGradCheck(t *testing.T) {
	const n, c, h, w = 3, 2, 4, 4
	x := RandTensor(8, -1, 1, n, c, h, w)
	k := newCkBlock(50, c)
	cp := ops.ConvParams{StrideH: 1, StrideW: 1, PadH: 1, PadW: 1, DilH: 1, DilW: 1, Groups: 1}
	GradCheck(t, []*Tensor{x, k.w, k.b},
		func(in []*Tensor) []*Tensor {
			k.w, k.b = in[1], in[2]
			f := func(ci []*Tensor) *Tensor {
				return GELU(Conv2d(ci[0], k.w, k.b, cp))
			}
			return []*Tensor{CheckpointChunks(2, nil, f, in[0])}
		},
		func(in [][]float64) [][]float64 {
			y := refConv2d(in[0], in[1], in[2], []int{n, c, h, w}, []int{c, c, 3, 3}, cp)
			for i, v := range y {
				y[i] = 0.5 * v * (1 + math.Erf(v/math.Sqrt2))
			}
			return [][]float64{y}
		})
}
