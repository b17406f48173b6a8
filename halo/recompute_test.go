package halo

import (
	"bytes"
	"io"
	"math"
	"testing"

	"github.com/cvogl/halo/loader"
	"github.com/cvogl/halo/nn"
)

// TestRecomputeBitIdentical trains the tiny preset with dropout and drop-path on, with
// and without Config.Recompute: losses, every gradient, every BatchNorm buffer and the
// dropout generator's state afterwards must agree to the bit, over two steps (the
// second one sees the first's running statistics and generator state).
func TestRecomputeBitIdentical(t *testing.T) {
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
		cfg.Recompute = rc
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
		if losses[0] != losses[1] {
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
			recomputeSameBits(t, name, b.T.Data, a.T.Data)
			if a.IsParam() && a.T.Grad != nil {
				recomputeSameBits(t, "grad of "+name, b.T.Grad, a.T.Grad)
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
