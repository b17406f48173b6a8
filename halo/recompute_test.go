package halo

import (
	"bytes"
	"io"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cvogl/halo/loader"
	"github.com/cvogl/halo/nn"
)

// TestRecomputeBitIdentical trains the tiny preset with dropout and drop-path on, with
// and without Config.Recompute: losses, every gradient, every BatchNorm buffer and the
// dropout generator's state afterwards must agree to the bit, over two steps (the
// second one sees the first's running statistics and generator state).
func TestRecomputeBitIdentical(t *testing.T) { compareRecompute(t, 2, true) }

// TestRecomputeChunked is the same with the LSKNet branches run one sample at a time:
// the dropout masks must be the whole batch's (a wrong mask changes the loss far beyond
// rounding), parameter gradients agree to float rounding, and the generator ends in
// exactly the same state.
func TestRecomputeChunked(t *testing.T) { compareRecompute(t, 1, false) }

func compareRecompute(t *testing.T, chunk int, exact bool) {
	train, _, err := loader.EmbeddedDefault("drone")
	if err != nil {
		t.Fatal(err)
	}
	it, err := train.Batches(nil, loader.BatchOptions{BatchSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := it.Next()
	if err != nil && err != io.EOF {
		t.Fatal(err)
	}
	it.Close()
	models := [2]*Model{}
	for i, rc := range []bool{false, true} {
		cfg, err := Preset("tiny", "drone")
		if err != nil {
			t.Fatal(err)
		}
		cfg.DropRate, cfg.DropPathRate = 0.3, 0.3 // many zeroed values and samples
		cfg.Recompute, cfg.RecomputeChunk = rc, chunk
		if models[i], err = NewModel(cfg, 3); err != nil {
			t.Fatal(err)
		}
	}
	for step := range 2 {
		var losses [2]Losses
		for i, m := range models {
			nn.ZeroGrad(m)
			if losses[i], _, err = m.TrainStep(batch, 1, 1); err != nil {
				t.Fatal(err)
			}
		}
		if exact && losses[0] != losses[1] || !exact && !lossesClose(losses[0], losses[1]) {
			t.Fatalf("step %d: losses %+v plain, %+v recomputed", step, losses[0], losses[1])
		}
		plain, rec := nn.StateDict(models[0]), nn.StateDict(models[1])
		grads := 0
		for _, name := range nn.StateKeys(models[0]) {
			a, b := plain[name], rec[name]
			if a.Count != nil {
				if *a.Count != *b.Count {
					t.Fatalf("step %d: %s = %d plain, %d recomputed", step, name, *a.Count, *b.Count)
				}
				continue
			}
			check := recomputeSameBits
			if !exact {
				check = recomputeClose
			}
			check(t, name, b.T.Data, a.T.Data)
			if a.IsParam() && a.T.Grad != nil {
				check(t, "grad of "+name, b.T.Grad, a.T.Grad)
				grads++
			}
		}
		if grads < 100 {
			t.Fatalf("only %d gradients compared", grads)
		}
		s0, _ := models[0].RNGState()
		s1, _ := models[1].RNGState()
		if !bytes.Equal(s0, s1) {
			t.Fatalf("step %d: dropout generator state differs after the step", step)
		}
	}
}

func recomputeSameBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, plain %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s[%d] = %v recomputed, %v plain", what, i, got[i], want[i])
		}
	}
}

func lossesClose(a, b Losses) bool {
	for _, p := range [][2]float64{{a.Total, b.Total}, {a.Geo, b.Geo}, {a.Cls, b.Cls}, {a.InfoNCE, b.InfoNCE}} {
		if math.Abs(p[0]-p[1]) > 1e-5*math.Abs(p[1])+1e-7 {
			return false
		}
	}
	return true
}

// recomputeClose allows float rounding relative to the tensor's scale (sums over
// chunks instead of over the batch).
func recomputeClose(t *testing.T, what string, got, want []float32) {
	t.Helper()
	scale := 0.0
	for _, v := range want {
		scale = math.Max(scale, math.Abs(float64(v)))
	}
	for i := range got {
		if d := math.Abs(float64(got[i]) - float64(want[i])); !(d <= 1e-4*scale+1e-12) {
			t.Fatalf("%s[%d] = %v chunked, %v plain (scale %g)", what, i, got[i], want[i], scale)
		}
	}
}

func TestPCGJump(t *testing.T) {
	for _, n := range []uint64{0, 1, 2, 3, 7, 64, 1000, 123457} {
		p := rand.NewPCG(0x1234, 0x9876)
		want := pcgJump(pcgState(p), n)
		for range n {
			p.Uint64()
		}
		if got := pcgState(p); got != want {
			t.Fatalf("jump %d: %x, stepping gives %x", n, want, got)
		}
	}
}
