package halo

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cvogl/halo/autograd"
	"github.com/cvogl/halo/nn"
)

// The official model's forward is 82.0 GMAC per sample at paper size (DroneAerial);
// the per-part figures of the design notes: LSKNet-S ~54, satellite FPN ~12, the two
// attention layers ~12, ResNet18 ~2.4.
func TestForwardMACsPaper(t *testing.T) {
	cfg, err := Preset("paper", "drone")
	if err != nil {
		t.Fatal(err)
	}
	got := ForwardMACs(cfg, 1)
	if math.Abs(got/82.0e9-1) > 0.01 {
		t.Errorf("ForwardMACs(paper, 1) = %.3f GMAC, want 82.0 within 1%%", got/1e9)
	}
	if b2 := ForwardMACs(cfg, 2); b2 != 2*got {
		t.Errorf("ForwardMACs(paper, 2) = %v, want twice %v", b2, got)
	}
	parts := map[string]float64{}
	for _, s := range ForwardStages(cfg, 1, false) {
		key := s.Name
		for _, p := range []string{"lsknet", "resnet", "attn_l"} {
			if len(key) >= len(p) && key[:len(p)] == p {
				key = p
			}
		}
		parts[key] += s.MACs
	}
	for _, w := range []struct {
		part      string
		gmac, tol float64
	}{{"lsknet", 54, 1}, {"fpn_sat", 12, 0.5}, {"attn_l", 12, 0.5}, {"resnet", 2.4, 0.1}} {
		if g := parts[w.part] / 1e9; math.Abs(g-w.gmac) > w.tol {
			t.Errorf("%s: %.2f GMAC, want %.1f ± %.1f", w.part, g, w.gmac, w.tol)
		}
	}
	t.Logf("paper drone: %.3f GMAC/sample; parts %v", got/1e9, parts)
}

func tinyModels(t *testing.T) (a, b *Model, cfg Config) {
	t.Helper()
	cfg, err := Preset("tiny", "drone")
	if err != nil {
		t.Fatal(err)
	}
	if a, err = NewModel(cfg, 3); err != nil {
		t.Fatal(err)
	}
	if b, err = NewModel(cfg, 3); err != nil {
		t.Fatal(err)
	}
	return a, b, cfg
}

func sameData(t *testing.T, what string, got, want *autograd.Tensor) {
	t.Helper()
	if got == nil || want == nil {
		if got != want {
			t.Errorf("%s: got %v, want %v", what, got, want)
		}
		return
	}
	if !slices.Equal(got.Shape, want.Shape) {
		t.Fatalf("%s: shape %v, want %v", what, got.Shape, want.Shape)
	}
	for i := range want.Data {
		if got.Data[i] != want.Data[i] && !(got.Data[i] != got.Data[i] && want.Data[i] != want.Data[i]) {
			t.Fatalf("%s[%d] = %v, want %v (bit-identical)", what, i, got.Data[i], want.Data[i])
		}
	}
}

// The staged forward the profiler times must be Model.Forward exactly, in eval and in
// training mode (same dropout draws, same InfoNCE), and report ForwardStages' names.
func TestForwardStagedMatchesForward(t *testing.T) {
	for _, train := range []bool{false, true} {
		ref, staged, cfg := tinyModels(t)
		ref.SetTraining(train)
		staged.SetTraining(train)
		b := SyntheticBatch(cfg, 2, 5)
		q, click, sat := batchTensors(b)
		want, err := ref.Forward(q, click, sat, ForwardOpts{})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		blockParts := map[string][]string{}
		got, err := staged.forwardStaged(q, click, sat, func(s string, outs ...*autograd.Tensor) {
			st, part, _ := strings.Cut(s, "/")
			if len(names) == 0 || names[len(names)-1] != st {
				names = append(names, st)
			}
			if part != "" {
				blockParts[st] = append(blockParts[st], part)
			}
			if len(outs) == 0 {
				t.Errorf("stage %s reported no outputs", s)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		var wantNames []string
		for _, s := range ForwardStages(cfg, 2, train) {
			wantNames = append(wantNames, s.Name)
		}
		if !slices.Equal(names, wantNames) {
			t.Errorf("train=%v: stages %v, want %v", train, names, wantNames)
		}
		var wantParts []string
		for _, c := range LSKPartCosts(cfg, 2) {
			wantParts = append(wantParts, c.Name)
		}
		for _, n := range wantNames {
			if strings.HasPrefix(n, "lsknet.block") && !slices.Equal(blockParts[n], wantParts) {
				t.Errorf("%s: parts %v, want %v", n, blockParts[n], wantParts)
			}
		}
		if len(blockParts) != 4 {
			t.Errorf("parts reported by %d blocks, want the tiny preset's 4", len(blockParts))
		}
		sameData(t, "Boxes", got.Boxes, want.Boxes)
		sameData(t, "Attn", got.Attn, want.Attn)
		sameData(t, "InfoNCE", got.InfoNCE, want.InfoNCE)
		sameData(t, "QueryDesc", got.QueryDesc, want.QueryDesc)
		sameData(t, "SatDesc", got.SatDesc, want.SatDesc)
		if train != (got.InfoNCE != nil) {
			t.Errorf("train=%v: InfoNCE %v", train, got.InfoNCE)
		}
		// BN running statistics moved identically.
		sa, sb := nn.StateDict(ref), nn.StateDict(staged)
		for k, e := range sa {
			if e.Buffer && e.T != nil {
				sameData(t, k, sb[k].T, e.T)
			}
		}
	}
}

// The profiled training step computes TrainStep's loss and gradients, and attributes
// backward time to every stage that has parameters.
func TestProfiledTrainStepMatchesTrainStep(t *testing.T) {
	ref, prof, cfg := tinyModels(t)
	b := SyntheticBatch(cfg, 2, 7)
	l, _, err := ref.TrainStep(b, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	// Keep the gradients: the profiled step zeroes them after its optimiser step.
	var grads [][]float32
	for _, p := range nn.Params(ref) {
		grads = append(grads, slices.Clone(p.Grad))
	}
	var seen [][]float32
	step := func() { // stands in for the optimiser: records the gradients it would use
		for _, p := range nn.Params(prof) {
			seen = append(seen, slices.Clone(p.Grad))
		}
	}
	stages := append(ForwardStages(cfg, 2, true), StageCost{Name: "loss"})
	tt, loss, err := profiledTrainStep(prof, b, step, stages)
	if err != nil {
		t.Fatal(err)
	}
	if float64(loss) != l.Total {
		t.Errorf("profiled loss %v, TrainStep loss %v", loss, l.Total)
	}
	if len(seen) != len(grads) {
		t.Fatalf("%d gradients seen, want %d", len(seen), len(grads))
	}
	for i := range grads {
		if !slices.Equal(seen[i], grads[i]) {
			t.Fatalf("gradient of parameter %d differs from TrainStep's", i)
		}
	}
	if len(tt.fwd.stage) != len(stages) || len(tt.bwd.stage) != len(stages) {
		t.Errorf("%d forward and %d backward times for %d stages", len(tt.fwd.stage), len(tt.bwd.stage), len(stages))
	}
	for i, s := range stages {
		if s.MACs > 0 && (tt.bwd.stage[i] <= 0 || tt.fwd.stage[i] <= 0) {
			t.Errorf("stage %s: forward %v, backward %v", s.Name, tt.fwd.stage[i], tt.bwd.stage[i])
		}
	}
	// Every LSKNet block part did work both ways, and the parts add up to the blocks.
	var blocks, parts time.Duration
	for i, s := range stages {
		if strings.HasPrefix(s.Name, "lsknet.block") {
			blocks += tt.bwd.stage[i]
		}
	}
	for _, c := range LSKPartCosts(cfg, 2) {
		if tt.fwd.parts[c.Name] <= 0 || tt.bwd.parts[c.Name] <= 0 {
			t.Errorf("LSK part %s: forward %v, backward %v", c.Name, tt.fwd.parts[c.Name], tt.bwd.parts[c.Name])
		}
		parts += tt.bwd.parts[c.Name]
	}
	if parts != blocks || len(tt.bwd.parts) != len(LSKPartCosts(cfg, 2)) {
		t.Errorf("LSK parts' backward %v (%d parts), blocks' %v", parts, len(tt.bwd.parts), blocks)
	}
	if tt.untagged != 0 {
		t.Errorf("untagged backward time %v: some nodes escaped the stage tags", tt.untagged)
	}
	if tt.total <= 0 || len(tt.bwdOps) == 0 {
		t.Errorf("times %+v", tt)
	}
}
