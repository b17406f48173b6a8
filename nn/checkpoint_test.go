package nn

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cvogl/halo/autograd"
	"github.com/cvogl/halo/loader/golden"
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
// RMSprop step) loads strictly under our names, and its optimizer state fits
// Params(m) index by index, i.e. our parameter order is model.parameters() order.
func TestGoldenCheckpointStateAndOptimizer(t *testing.T) {
	c := golden.Load(t, "checkpoint_minihalo")
	const sdPrefix, optPrefix = "state_dict.module.", "optimizer.state."
	var keys []string
	state := map[string][]float32{}
	for _, n := range c.File.Names() {
		switch {
		case strings.HasPrefix(n, sdPrefix):
			keys = append(keys, strings.TrimPrefix(n, sdPrefix))
		case strings.HasPrefix(n, optPrefix):
			v, _, err := c.File.Float32(n) // step is I64; Float32 converts
			if err != nil {
				t.Fatal(err)
			}
			state[strings.TrimPrefix(n, optPrefix)] = v
		}
	}
	m := newMiniHALO()
	get := func(k string) ([]float32, []int, bool) {
		v, s, err := c.File.Float32(sdPrefix + k)
		return v, s, err == nil
	}
	r, err := LoadNamed(m, keys, get, true)
	if err != nil || r.Loaded != 15 {
		t.Fatalf("strict load of the checkpoint: %v (%v)", err, r)
	}
	sd := StateDict(m)
	for _, k := range keys {
		want, _, _ := get(k)
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

	ps := Params(m)
	if len(ps) != 9 {
		t.Fatalf("%d parameters, the checkpoint's optimizer has 9", len(ps))
	}
	for i, p := range ps {
		_, shape := c.F32(t, optPrefix+strconv.Itoa(i)+".square_avg")
		if !slices.Equal(shape, p.Shape) {
			t.Errorf("parameter %d (%s) has shape %v, optimizer state %v", i, p.Name, p.Shape, shape)
		}
	}
	opt := NewRMSprop(ps, 1e-4, 0.99, 1e-8, 5e-4, 0, false)
	if err := opt.LoadState(state); err != nil {
		t.Fatalf("LoadState from the checkpoint: %v", err)
	}
	back := opt.State()
	if len(back) != len(state) {
		t.Errorf("State has %d entries, checkpoint %d", len(back), len(state))
	}
	for k, v := range state {
		if !slices.Equal(back[k], v) {
			t.Errorf("optimizer state %s did not round-trip", k)
		}
	}
	if back["0.step"][0] != 1 {
		t.Errorf("step %v, want 1 (one RMSprop step)", back["0.step"])
	}
}
