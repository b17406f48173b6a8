package nn

import (
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cvogl/halo/autograd"
	"github.com/cvogl/halo/loader/golden"
	"github.com/cvogl/halo/loader/safetensors"
)

// miniHALO has the real HALO sub-modules of the golden checkpoint, with their names.
func newMiniHALO() Module {
	rng := rand.New(rand.NewPCG(0, 0))
	fcn := NewSequential(newConvBNLeaky(rng, 512, 256, 1, 1, 0), NewConv2d(rng, 256, 45, 1, 1, ConvOpts{Bias: true}))
	return Children{
		{"combine_clickptns_conv", newConvBNLeaky(rng, 4, 3, 1, 1, 0)},
		{"fcn_out", fcn},
		{"InfoNCE_sem_serial", Children{{"logit_scale", ParamEntry{autograd.Param([]float32{LogitScaleInit})}}}},
	}
}

// The golden checkpoint (official save_checkpoint of a DataParallel model after one
// RMSprop step, flattened to safetensors) loads strictly under our names, and its
// optimizer state fits Params(m) index by index, i.e. our parameter order is
// model.parameters() order.
func TestGoldenCheckpointStateAndOptimizer(t *testing.T) {
	c := golden.Load(t, "checkpoint_minihalo")
	m := newMiniHALO()
	ps := Params(m)
	if len(ps) != 9 {
		t.Fatalf("%d parameters, the checkpoint's optimizer has 9", len(ps))
	}
	opt := NewRMSprop(ps, 1e-4, 0.99, 1e-8, 5e-4, 0, false)
	path := filepath.Join(c.Dir, c.Entry.File)
	_, r, err := LoadCheckpoint(path, m, opt, true)
	if err != nil || r.Loaded != 15 {
		t.Fatalf("LoadCheckpoint: %v (%v)", err, r)
	}
	sd := StateDict(m)
	for _, k := range StateKeys(m) {
		want, _ := c.F32(t, "state_dict.module."+k)
		var got []float32
		if e := sd[k]; e.Count != nil {
			got = []float32{float32(*e.Count)}
		} else {
			got = e.T.Data
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s not loaded", k)
		}
	}
	st := opt.State()
	for i, p := range ps {
		sq, shape := c.F32(t, "optimizer.state."+strconv.Itoa(i)+".square_avg")
		if !slices.Equal(shape, p.Shape) {
			t.Errorf("parameter %d (%s) has shape %v, optimizer state %v", i, p.Name, p.Shape, shape)
		}
		if !slices.Equal(st[strconv.Itoa(i)+".square_avg"], sq) || st[strconv.Itoa(i)+".step"][0] != 1 {
			t.Errorf("optimizer state of parameter %d not loaded", i)
		}
	}
}

// A training run checkpointed and resumed continues bit-identically, and the file
// has the official layout (state_dict.*, optimizer.state.*, I64 steps).
func TestCheckpointResume(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ckpt.safetensors")
	build := func() (Module, *Linear, Optimizer) {
		l := NewLinear(rand.New(rand.NewPCG(4, 4)), 3, 2, true)
		m := Children{{"head", l}}
		return m, l, NewRMSprop(Params(m), 1e-2, 0.99, 1e-8, 5e-4, 0.9, false)
	}
	x := autograd.New([]float32{1, -2, 0.5, 0.3, 0.1, -1}, 2, 3)
	train := func(m Module, l *Linear, o Optimizer, steps int) {
		for range steps {
			ZeroGrad(m)
			autograd.SumAll(autograd.Linear(x, l.Weight, l.Bias)).Backward()
			o.Step()
		}
	}
	m1, l1, o1 := build()
	train(m1, l1, o1, 2)
	if err := SaveCheckpoint(path, m1, o1, map[string]string{"epoch": "2"}); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"state_dict.head.weight", "state_dict.head.bias", "optimizer.state.0.square_avg",
		"optimizer.state.0.momentum_buffer", "optimizer.state.1.step"} {
		if !f.Has(n) {
			t.Errorf("checkpoint lacks %s (has %q)", n, f.Names())
		}
	}
	if in, _ := f.Info("optimizer.state.0.square_avg"); !slices.Equal(in.Shape, []int{2, 3}) {
		t.Errorf("square_avg stored with shape %v, want the parameter's [2 3]", in.Shape)
	}
	if in, _ := f.Info("optimizer.state.1.step"); in.DType != "I64" {
		t.Errorf("step stored as %s", in.DType)
	}

	m2, l2, o2 := build()
	meta, _, err := LoadCheckpoint(path, m2, o2, true)
	if err != nil || meta["epoch"] != "2" {
		t.Fatalf("LoadCheckpoint: %v, metadata %v", err, meta)
	}
	train(m1, l1, o1, 2)
	train(m2, l2, o2, 2)
	if !slices.Equal(l1.Weight.Data, l2.Weight.Data) || !slices.Equal(l1.Bias.Data, l2.Bias.Data) {
		t.Error("resumed training differs from uninterrupted training")
	}

	// A mismatching model fails strictly and names the file.
	other := Children{{"head", NewLinear(rand.New(rand.NewPCG(1, 1)), 3, 4, true)}}
	if _, _, err := LoadCheckpoint(path, other, nil, true); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("mismatching checkpoint: %v", err)
	}
}
