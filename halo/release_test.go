package halo

import (
	"math"
	"testing"

	"github.com/cvogl/halo/autograd"
	"github.com/cvogl/halo/nn"
	"github.com/cvogl/halo/simd"
)

// releaseConfig is the micro architecture on inputs large enough that its activations
// go through the buffer pool (simd.MinPoolLen values and up).
func releaseConfig(recompute bool) Config {
	c := microConfig()
	c.Name, c.QueryH, c.QueryW, c.SatSize = "release", 128, 128, 256
	c.Recompute = recompute
	return c
}

// modelRun is what a few training steps and two eval passes produce.
type modelRun struct {
	losses []float64
	params [][]float32
	eval   [][]float32 // Boxes and Attn of each eval pass
	stats  simd.BufStats
}

// runModel trains a fresh model for steps plain-SGD steps on one synthetic batch, then
// runs two inference passes, with the buffer pool on or off (off: every released
// buffer goes to the garbage collector and every tensor is fresh). Buffers handed out
// by GetBuf are NaN-filled, so an op reading stale data cannot go unnoticed.
func runModel(t *testing.T, cfg Config, pool bool, steps int) modelRun {
	t.Helper()
	simd.FlushBufs()
	limit := int64(0)
	if pool {
		limit = 1 << 30
	}
	oldLimit := simd.SetBufLimit(limit)
	oldPoison := simd.SetPoisonBufs(true)
	defer func() {
		simd.SetBufLimit(oldLimit)
		simd.SetPoisonBufs(oldPoison)
		simd.FlushBufs()
	}()
	simd.ResetBufStats()
	m, err := NewModel(cfg, 9)
	if err != nil {
		t.Fatal(err)
	}
	b := SyntheticBatch(cfg, 2, 11)
	var r modelRun
	_, params := nn.NamedParams(m)
	for range steps {
		l, _, err := m.TrainStep(b, 1, 1)
		if err != nil {
			t.Fatal(err)
		}
		r.losses = append(r.losses, l.Total)
		for _, p := range params {
			for i, g := range p.Grad {
				p.Data[i] -= 1e-3 * g
			}
			p.ZeroGrad()
		}
	}
	for _, p := range params {
		r.params = append(r.params, append([]float32(nil), p.Data...))
	}
	m.SetTraining(false)
	q, click, sat := batchTensors(b)
	for range 2 {
		autograd.NoGrad(func() {
			out, err := m.Forward(q, click, sat, ForwardOpts{Descriptors: true})
			if err != nil {
				t.Fatal(err)
			}
			r.eval = append(r.eval, append([]float32(nil), out.Boxes.Data...), append([]float32(nil), out.Attn.Data...),
				append([]float32(nil), out.QueryDesc.Data...))
		})
	}
	r.stats = simd.ReadBufStats()
	return r
}

func poolSameBits(t *testing.T, what string, i int, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s %d: %d values vs %d", what, i, len(got), len(want))
	}
	for j := range want {
		if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
			t.Fatalf("%s %d: element %d is %v with the pool, %v without", what, i, j, got[j], want[j])
		}
	}
}

// TestModelPoolingBitIdentical: the whole model, trained for a few steps with its
// intermediates released and their buffers reused, then run for inference twice,
// gives bit for bit what it gives with every buffer fresh.
func TestModelPoolingBitIdentical(t *testing.T) {
	for _, recompute := range []bool{false, true} {
		cfg := releaseConfig(recompute)
		want := runModel(t, cfg, false, 3)
		got := runModel(t, cfg, true, 3)
		for i := range want.losses {
			if got.losses[i] != want.losses[i] {
				t.Fatalf("recompute %v, step %d: loss %v with the pool, %v without", recompute, i, got.losses[i], want.losses[i])
			}
		}
		for i := range want.params {
			poolSameBits(t, "parameter", i, got.params[i], want.params[i])
		}
		for i := range want.eval {
			poolSameBits(t, "eval output", i, got.eval[i], want.eval[i])
		}
		if got.stats.Hits == 0 || got.stats.HitBytes < got.stats.HeldBytes {
			t.Fatalf("recompute %v: the pool was barely used: %+v", recompute, got.stats)
		}
		t.Logf("recompute %v: %+v", recompute, got.stats)
	}
}

// TestForwardReleasesMatchActivations: an inference pass that releases its
// intermediates at the model level gives what one that keeps them all (Activations)
// gives, and a second pass, served from the pool, too.
func TestForwardReleasesMatchActivations(t *testing.T) {
	simd.FlushBufs()
	defer simd.SetPoisonBufs(simd.SetPoisonBufs(true))
	cfg := releaseConfig(false)
	m, err := NewModel(cfg, 4)
	if err != nil {
		t.Fatal(err)
	}
	m.SetTraining(false)
	q, click, sat := batchTensors(SyntheticBatch(cfg, 1, 3))
	var keep *Output
	autograd.NoGrad(func() { keep, err = m.Forward(q, click, sat, ForwardOpts{Activations: true}) })
	if err != nil {
		t.Fatal(err)
	}
	for pass := range 2 {
		simd.ResetBufStats()
		autograd.NoGrad(func() {
			out, err := m.Forward(q, click, sat, ForwardOpts{})
			if err != nil {
				t.Fatal(err)
			}
			poolSameBits(t, "boxes, pass", pass, out.Boxes.Data, keep.Boxes.Data)
			poolSameBits(t, "attention, pass", pass, out.Attn.Data, keep.Attn.Data)
		})
		if s := simd.ReadBufStats(); pass == 1 && s.Hits == 0 {
			t.Fatalf("second inference pass reused no buffer: %+v", s)
		}
	}
	for name, a := range keep.Acts {
		if a.Data == nil {
			t.Fatalf("activation %s was released", name)
		}
	}
}
