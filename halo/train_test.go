package halo

import (
	"bytes"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cvogl/halo/loader"
	"github.com/cvogl/halo/nn"
)

// microConfig is the architecture at its smallest, for trainer tests that run
// several epochs in seconds.
func microConfig() Config {
	return Config{Name: "micro", QueryH: 64, QueryW: 64, SatSize: 128, Emb: 16, Heads: 8, ProjDim: 16,
		ResNetWidths: [4]int{8, 8, 16, 16}, ResNetBlocks: [4]int{1, 1, 1, 1},
		LSKDims: [4]int{8, 8, 16, 16}, LSKDepths: [4]int{1, 1, 1, 1}, LSKMLPRatios: [4]int{2, 2, 2, 2},
		DropRate: 0.1, DropPathRate: 0.1}
}

var (
	microOnce sync.Once
	microDir  string
	microErr  error
)

// microData writes a small synthetic CVOGL set once per test binary and opens its
// train and val splits.
func microData(t *testing.T) (train, val *loader.Dataset) {
	t.Helper()
	microOnce.Do(func() {
		microDir, microErr = os.MkdirTemp("", "halo-micro-")
		if microErr == nil {
			_, microErr = loader.Synthesize(microDir, loader.SynthOptions{Set: "drone", N: 40, Seed: 7, SatSize: 128, QueryH: 64, QueryW: 64})
		}
	})
	if microErr != nil {
		t.Fatal(microErr)
	}
	quiet := loader.Options{QueryH: 64, QueryW: 64, SatSize: 128, Logf: func(string, ...any) {}}
	train, err := loader.Open(microDir, "drone", "train", quiet)
	if err != nil {
		t.Fatal(err)
	}
	val, err = loader.Open(microDir, "drone", "val", quiet)
	if err != nil {
		t.Fatal(err)
	}
	return train, val
}

func TestMain(m *testing.M) {
	code := m.Run()
	if microDir != "" {
		os.RemoveAll(microDir)
	}
	os.Exit(code)
}

func microTrainer(t *testing.T, epochs int, dir string) *Trainer {
	t.Helper()
	train, val := microData(t)
	m, err := NewModel(microConfig(), 3)
	if err != nil {
		t.Fatal(err)
	}
	o := DefaultTrainOptions()
	o.Epochs, o.BatchSize, o.LR, o.Workers = epochs, 4, 1e-3, 2
	tr, err := NewTrainer(m, train, val, o, dir)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// Training 3 epochs, stopping, and resuming for 3 more must give exactly the run of
// 6 straight epochs: same losses, same validation, same final weights. Epoch 5
// recomputes the hard-sample neighbours, so the resumed half also exercises the
// mined order, the sampler state, the dropout RNG and the optimiser state.
func TestResumeMatchesStraightRun(t *testing.T) {
	if testing.Short() {
		t.Skip("trains twice")
	}
	straight := microTrainer(t, 6, t.TempDir())
	if err := straight.Run(); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	first := microTrainer(t, 3, dir)
	if err := first.Run(); err != nil {
		t.Fatal(err)
	}
	second := microTrainer(t, 6, dir)
	if err := second.Resume(dir); err != nil {
		t.Fatal(err)
	}
	if second.Epoch() != 3 {
		t.Fatalf("resumed at epoch %d, want 3", second.Epoch())
	}
	if err := second.Run(); err != nil {
		t.Fatal(err)
	}
	a, b := straight.History(), second.History()
	if len(a) != 6 || len(b) != 6 {
		t.Fatalf("histories of %d and %d epochs", len(a), len(b))
	}
	for i := range a {
		x, y := a[i], b[i]
		x.Seconds, y.Seconds, x.SamplesPerS, y.SamplesPerS = 0, 0, 0, 0
		if x != y {
			t.Errorf("epoch %d differs after resume:\n straight %+v\n resumed  %+v", i, x, y)
		}
	}
	sa, sb := nn.StateDict(straight.M), nn.StateDict(second.M)
	for _, k := range nn.StateKeys(straight.M) {
		ea, eb := sa[k], sb[k]
		if ea.Count != nil {
			if *ea.Count != *eb.Count {
				t.Errorf("%s: %d vs %d", k, *ea.Count, *eb.Count)
			}
			continue
		}
		for i := range ea.T.Data {
			if math.Float32bits(ea.T.Data[i]) != math.Float32bits(eb.T.Data[i]) {
				t.Errorf("%s[%d]: straight %v, resumed %v", k, i, ea.T.Data[i], eb.T.Data[i])
				break
			}
		}
	}
	if a[5].Loss >= a[0].Loss {
		t.Errorf("training loss did not go down: epoch 1 %.4f, epoch 6 %.4f", a[0].Loss, a[5].Loss)
	}
}

// A non-finite loss stops the step with a message naming it, and neither the last
// nor the best checkpoint is overwritten by the diverged model.
func TestNaNStopsWithoutTouchingCheckpoints(t *testing.T) {
	dir := t.TempDir()
	tr := microTrainer(t, 1, dir)
	if err := tr.Run(); err != nil {
		t.Fatal(err)
	}
	last, _ := os.ReadFile(filepath.Join(dir, "last.safetensors"))
	best, _ := os.ReadFile(filepath.Join(dir, "best.safetensors"))
	if len(last) == 0 || len(best) == 0 {
		t.Fatal("no checkpoints after one epoch")
	}
	tr.O.Epochs = 2
	tr.M.HeadConv.Bias.Data[0] = float32(math.NaN())
	err := tr.Run()
	if err == nil || !strings.Contains(err.Error(), "non-finite") || !strings.Contains(err.Error(), "step 1") {
		t.Fatalf("want a non-finite error naming the step, got %v", err)
	}
	last2, _ := os.ReadFile(filepath.Join(dir, "last.safetensors"))
	best2, _ := os.ReadFile(filepath.Join(dir, "best.safetensors"))
	if !bytes.Equal(last, last2) || !bytes.Equal(best, best2) {
		t.Fatal("a checkpoint changed after the failed step")
	}
}

// TestCheckpointSurvivesKilledWriter kills a process in the middle of writing
// checkpoints over and over: whatever moment it dies, the file under the final name
// is a complete checkpoint (the previous or the new one), never a torn one.
func TestCheckpointSurvivesKilledWriter(t *testing.T) {
	if os.Getenv("HALO_CKPT_WRITER") != "" {
		return // the child branch runs in TestCheckpointWriterChild
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "last.safetensors")
	m, err := NewModel(microConfig(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := nn.Save(path, m, map[string]string{"gen": "0"}); err != nil {
		t.Fatal(err)
	}
	for round := range 3 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCheckpointWriterChild$")
		cmd.Env = append(os.Environ(), "HALO_CKPT_WRITER="+path)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(300+150*round) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		m2, _ := NewModel(microConfig(), 2)
		if _, err := nn.Load(path, m2, true); err != nil {
			t.Fatalf("round %d: checkpoint unreadable after the writer was killed: %v", round, err)
		}
	}
}

// TestCheckpointWriterChild is the writer process of TestCheckpointSurvivesKilledWriter.
func TestCheckpointWriterChild(t *testing.T) {
	path := os.Getenv("HALO_CKPT_WRITER")
	if path == "" {
		t.Skip("helper process only")
	}
	m, err := NewModel(microConfig(), 1)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		m.HeadConv.Bias.Data[0] = float32(i)
		if err := nn.Save(path, m, map[string]string{"gen": "x"}); err != nil {
			t.Fatal(err)
		}
	}
}
