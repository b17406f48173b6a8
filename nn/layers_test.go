package nn

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/cvogl/halo/autograd"
	"github.com/cvogl/halo/loader/golden"
)

// convBNLeaky is HALO's ConvBatchNormReLU (leaky): conv without bias, BatchNorm with
// momentum 0.999, LeakyReLU(0.1); state_dict names conv.*, bn.*.
type convBNLeaky struct {
	Children
	Conv *Conv2d
	BN   *BatchNorm2d
}

func newConvBNLeaky(rng *rand.Rand, in, out, k, stride, pad int) *convBNLeaky {
	m := &convBNLeaky{
		Conv: NewConv2d(rng, in, out, k, k, ConvOpts{StrideH: stride, StrideW: stride, PadH: pad, PadW: pad}),
		BN:   NewBatchNorm2d(out, 0.999, 1e-5),
	}
	m.Children = Children{{"conv", m.Conv}, {"bn", m.BN}}
	return m
}

func (m *convBNLeaky) Forward(x *autograd.Tensor) *autograd.Tensor {
	return autograd.LeakyReLU(m.BN.Forward(m.Conv.Forward(x)), 0.1)
}

type goldenModule interface {
	Module
	Forwarder
}

// buildGoldenModule builds the module of a single-module golden case from its hparams.
func buildGoldenModule(t *testing.T, c *golden.Case) goldenModule {
	rng := rand.New(rand.NewPCG(0, 0))
	hp := func(k string) int { return int(c.Hparam(t, k)) }
	switch c.Op {
	case "conv2d":
		k, s, p, d := c.Ints(t, "kernel_size"), c.Ints(t, "stride"), c.Ints(t, "padding"), c.Ints(t, "dilation")
		return NewConv2d(rng, hp("in_channels"), hp("out_channels"), k[0], k[1], ConvOpts{
			StrideH: s[0], StrideW: s[1], PadH: p[0], PadW: p[1], DilH: d[0], DilW: d[1],
			Groups: hp("groups"), Bias: c.Hparams["bias"] == true})
	case "linear":
		return NewLinear(rng, hp("in_features"), hp("out_features"), c.Hparams["bias"] == true)
	case "layernorm":
		return NewLayerNorm(c.Ints(t, "normalized_shape")[0], float32(c.Hparam(t, "eps")))
	case "batchnorm2d":
		return NewBatchNorm2d(hp("num_features"), float32(c.Hparam(t, "momentum")), float32(c.Hparam(t, "eps")))
	case "ConvBatchNormReLU":
		k, stride, pad := hp("kernel"), 1, 0
		if _, ok := c.Hparams["stride"]; ok {
			stride, pad = hp("stride"), hp("padding")
		}
		return newConvBNLeaky(rng, hp("in_channels"), hp("out_channels"), k, stride, pad)
	case "fcn_out":
		emb := hp("emb_size")
		return NewSequential(newConvBNLeaky(rng, emb, emb/2, 1, 1, 0), NewConv2d(rng, emb/2, 45, 1, 1, ConvOpts{Bias: true}))
	}
	t.Fatalf("no module for op %q", c.Op)
	return nil
}

// Every single-module case: the golden generator reproduces the stored parameters
// under our state_dict names, a strict load takes exactly the stored keys, and the
// forward, backward and buffer updates match.
func TestLayersGolden(t *testing.T) {
	for _, name := range golden.CasesOf(t, "conv2d", "linear", "layernorm", "batchnorm2d", "ConvBatchNormReLU", "fcn_out") {
		t.Run(name, func(t *testing.T) {
			c := golden.Load(t, name)
			m := buildGoldenModule(t, c)

			// Our keys, as param./buffer. names in the case file.
			var stored []string
			for k := range c.Tensors {
				if strings.HasPrefix(k, "param.") || strings.HasPrefix(k, "buffer.") {
					stored = append(stored, k[strings.Index(k, ".")+1:])
				}
			}
			slices.Sort(stored)
			keys := StateKeys(m)
			if sk := slices.Sorted(slices.Values(keys)); !slices.Equal(sk, stored) {
				t.Fatalf("state_dict keys %q, golden has %q", keys, stored)
			}

			FillGolden(m, uint64(c.Hparam(t, "param_seed")))
			filled := map[string][]float32{}
			for k, e := range StateDict(m) {
				if e.T != nil {
					filled[k] = append([]float32(nil), e.T.Data...)
				}
			}
			get := func(k string) ([]float32, []int, bool) {
				for _, p := range []string{"param.", "buffer."} {
					if c.Has(p + k) {
						v, s := c.F32(t, p+k)
						return v, s, true
					}
				}
				return nil, nil, false
			}
			r, err := LoadNamed(m, stored, get, true)
			if err != nil || r.Loaded != len(keys) {
				t.Fatalf("strict load: %v (%v)", err, r)
			}
			for k, v := range filled {
				got, _, _ := get(k)
				for i := range v {
					if math.Float32bits(v[i]) != math.Float32bits(got[i]) {
						t.Fatalf("FillGolden %s[%d] = %v, stored %v", k, i, v[i], got[i])
					}
				}
			}

			m.SetTraining(c.Hparams["mode"] == "train")
			xd, xs := c.F32(t, "in.x")
			x := autograd.Param(xd, xs...)
			y := m.Forward(x)
			c.Check(t, "out.y", y.Data)
			cd, cs := c.F32(t, "cot.y")
			_ = cs
			y.BackwardWith(cd)
			c.Check(t, "grad.in.x", x.Grad)
			sd := StateDict(m)
			for _, k := range keys {
				e := sd[k]
				if e.IsParam() && c.Has("grad.param."+k) {
					c.Check(t, "grad.param."+k, e.T.Grad)
				}
				if !c.Has("buffer_out." + k) {
					continue
				}
				if e.Count != nil {
					want, _ := c.I64(t, "buffer_out."+k)
					if *e.Count != want[0] {
						t.Errorf("%s = %d, want %d", k, *e.Count, want[0])
					}
				} else {
					c.Check(t, "buffer_out."+k, e.T.Data)
				}
			}
		})
	}
}

func TestDropoutModes(t *testing.T) {
	x := autograd.Full(1, 4, 3)
	d := NewDropout(0.5, rand.New(rand.NewPCG(1, 1)))
	y := d.Forward(x)
	zeros := 0
	for _, v := range y.Data {
		switch v {
		case 0:
			zeros++
		case 2:
		default:
			t.Fatalf("dropout(0.5) output %v, want 0 or 2", v)
		}
	}
	if zeros == 0 || zeros == len(y.Data) {
		t.Errorf("dropout dropped %d of %d", zeros, len(y.Data))
	}
	d.SetTraining(false)
	if y := d.Forward(x); !slices.Equal(y.Data, x.Data) {
		t.Error("eval-mode dropout is not the identity")
	}
	p := NewDropPath(0.5, rand.New(rand.NewPCG(2, 2)))
	y = p.Forward(autograd.Full(1, 16, 3))
	for i := 0; i < 16; i++ {
		row := y.Data[3*i : 3*i+3]
		if !(row[0] == row[1] && row[1] == row[2] && (row[0] == 0 || row[0] == 2)) {
			t.Fatalf("drop-path sample %d = %v: must be all 0 or all 2", i, row)
		}
	}
	p.SetTraining(false)
	if y := p.Forward(x); !slices.Equal(y.Data, x.Data) {
		t.Error("eval-mode drop-path is not the identity")
	}
}

// Under activation recomputation the replayed forward must not count a second batch.
func TestBatchNormCountsOnceUnderCheckpoint(t *testing.T) {
	bn := NewBatchNorm2d(3, 0.1, 1e-5)
	x := autograd.RandTensor(1, -1, 1, 2, 3, 4, 4)
	y := autograd.Checkpoint(func(in []*autograd.Tensor) *autograd.Tensor { return bn.Forward(in[0]) }, x)
	autograd.SumAll(y).Backward()
	if bn.NumBatchesTracked != 1 {
		t.Fatalf("num_batches_tracked = %d after one checkpointed forward+backward, want 1", bn.NumBatchesTracked)
	}
	if x.Grad == nil {
		t.Fatal("no gradient through the checkpoint")
	}
}
