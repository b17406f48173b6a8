package halo

import (
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/cvogl/halo/autograd"
	"github.com/cvogl/halo/loader/golden"
	"github.com/cvogl/halo/nn"
)

// The per-module golden cases: each builds the Go module from the case's
// hyper-parameters, loads the stored state_dict, runs forward and backward with the
// stored cotangents and compares outputs, input and parameter gradients and the
// BatchNorm buffers after the forward.

// moduleCase runs one case. build returns the module (nil for a parameter-free
// function); forward maps the case's inputs (by name without "in.") to its outputs
// (by name without "out.").
type moduleCase struct {
	build   func(t *testing.T, c *golden.Case) nn.Module
	forward func(m nn.Module, in map[string]*autograd.Tensor) map[string]*autograd.Tensor
}

// testRNG is only used for construction: every parameter is overwritten by the case.
func testRNG() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }

func runModuleCases(t *testing.T, op string, mc moduleCase) {
	for _, name := range golden.CasesOf(t, op) {
		t.Run(name, func(t *testing.T) {
			runModuleCase(t, golden.Load(t, name), mc)
		})
	}
}

func sortedNames(c *golden.Case, prefix string) []string {
	var names []string
	for n := range c.Tensors {
		if strings.HasPrefix(n, prefix) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

func runModuleCase(t *testing.T, c *golden.Case, mc moduleCase) {
	m := mc.build(t, c)
	var sd map[string]*nn.Entry
	if m != nil {
		sd = loadCaseState(t, c, m)
		switch mode := c.Hparams["mode"]; mode {
		case "train":
			m.SetTraining(true)
		case "eval":
			m.SetTraining(false)
		default:
			t.Fatalf("hparam mode is %v, want train or eval", mode)
		}
	}

	in := map[string]*autograd.Tensor{}
	for _, n := range sortedNames(c, "in.") {
		d, s := c.F32(t, n)
		x := autograd.New(d, s...)
		x.SetRequiresGrad(c.Has("grad." + n))
		in[strings.TrimPrefix(n, "in.")] = x
	}
	out := mc.forward(m, in)

	var outs []*autograd.Tensor
	var cots [][]float32
	for _, n := range sortedNames(c, "out.") {
		y, ok := out[strings.TrimPrefix(n, "out.")]
		if !ok {
			t.Errorf("the Go module gives no %s", n)
			continue
		}
		c.Check(t, n, y.Data)
		cn := "cot." + strings.TrimPrefix(n, "out.")
		if c.Has(cn) {
			cot, _ := c.F32(t, cn)
			outs = append(outs, y)
			cots = append(cots, cot)
		}
	}
	if t.Failed() {
		return // a wrong forward makes every gradient wrong too
	}
	if len(outs) == 0 {
		t.Fatal("no output has a cotangent")
	}
	autograd.Backward(outs, cots)

	for _, n := range sortedNames(c, "grad.in.") {
		x := in[strings.TrimPrefix(n, "grad.in.")]
		if x.Grad == nil {
			t.Errorf("%s: no gradient reached the input", n)
			continue
		}
		c.Check(t, n, x.Grad)
	}
	for _, key := range sortedKeys(sd) {
		e := sd[key]
		if !e.IsParam() {
			continue
		}
		gn := "grad.param." + key
		if !c.Has(gn) {
			if e.T.Grad != nil && maxAbs(e.T.Grad) != 0 {
				t.Errorf("%s: PyTorch gives no gradient, ours has max |g| %g", key, maxAbs(e.T.Grad))
			}
			continue
		}
		if e.T.Grad == nil {
			t.Errorf("%s: no gradient", gn)
			continue
		}
		c.Check(t, gn, e.T.Grad)
	}
	for _, n := range sortedNames(c, "grad.param.") {
		if _, ok := sd[strings.TrimPrefix(n, "grad.param.")]; !ok {
			t.Errorf("%s: the Go module has no such parameter", n)
		}
	}
	checkBuffersOut(t, c, sd)
	for _, n := range sortedNames(c, "buffer_out.") {
		if _, ok := sd[strings.TrimPrefix(n, "buffer_out.")]; !ok {
			t.Errorf("%s: the Go module has no such buffer", n)
		}
	}
}

func sortedKeys(sd map[string]*nn.Entry) []string {
	keys := make([]string, 0, len(sd))
	for k := range sd {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// loadCaseState copies every param.* and buffer.* of the case into m by state_dict
// name; the two key sets must be equal.
func loadCaseState(t *testing.T, c *golden.Case, m nn.Module) map[string]*nn.Entry {
	t.Helper()
	sd := nn.StateDict(m)
	for _, key := range nn.StateKeys(m) {
		e := sd[key]
		src := "param." + key
		if e.Buffer {
			src = "buffer." + key
		}
		if !c.Has(src) {
			t.Fatalf("case has no %s for the Go module's state_dict entry %s", src, key)
		}
		if e.Count != nil {
			v, _ := c.I64(t, src)
			*e.Count = v[0]
			continue
		}
		d, s := c.F32(t, src)
		if !autograd.SameShape(s, e.T.Shape) {
			t.Fatalf("%s: golden shape %v, Go %v", src, s, e.T.Shape)
		}
		copy(e.T.Data, d)
	}
	for _, n := range append(sortedNames(c, "param."), sortedNames(c, "buffer.")...) {
		key := n[strings.IndexByte(n, '.')+1:]
		if _, ok := sd[key]; !ok {
			t.Fatalf("case tensor %s has no state_dict entry in the Go module", n)
		}
	}
	return sd
}

// checkBuffersOut compares the BatchNorm buffers after a train-mode forward; in eval
// mode (no buffer_out.* stored) they must be unchanged.
func checkBuffersOut(t *testing.T, c *golden.Case, sd map[string]*nn.Entry) {
	t.Helper()
	for _, key := range sortedKeys(sd) {
		e := sd[key]
		if !e.Buffer {
			continue
		}
		name := "buffer_out." + key
		if !c.Has(name) {
			name = "buffer." + key
			if c.Hparams["mode"] == "train" {
				t.Errorf("train-mode case stores no %s", "buffer_out."+key)
			}
		}
		if e.Count != nil {
			want, _ := c.I64(t, name)
			if *e.Count != want[0] {
				t.Errorf("%s = %d, golden %s = %d", key, *e.Count, name, want[0])
			}
			continue
		}
		if strings.HasPrefix(name, "buffer.") {
			c.CheckTol(t, name, e.T.Data, 0)
		} else {
			c.Check(t, name, e.T.Data)
		}
	}
}

// forwardX wraps a single-input, single-output module forward.
func forwardX(m nn.Module, in map[string]*autograd.Tensor) map[string]*autograd.Tensor {
	return map[string]*autograd.Tensor{"y": m.(nn.Forwarder).Forward(in["x"])}
}

func hparamInt(t *testing.T, c *golden.Case, key string, def int) int {
	t.Helper()
	if _, ok := c.Hparams[key]; !ok {
		return def
	}
	v := c.Hparam(t, key)
	if v != math.Trunc(v) {
		t.Fatalf("hparam %s = %v is not an integer", key, v)
	}
	return int(v)
}

func hparamInts4(t *testing.T, c *golden.Case, key string) [4]int {
	t.Helper()
	v := c.Ints(t, key)
	if len(v) != 4 {
		t.Fatalf("hparam %s = %v, want 4 values", key, v)
	}
	return [4]int(v)
}

func TestLoFTRLayerGolden(t *testing.T) {
	runModuleCases(t, "LoFTREncoderLayer", moduleCase{
		build: func(t *testing.T, c *golden.Case) nn.Module {
			if a := c.Hparams["attention"]; a != "linear" {
				t.Fatalf("attention %v, only linear is ported", a)
			}
			return NewLoFTRLayer(testRNG(), hparamInt(t, c, "d_model", 0), hparamInt(t, c, "nhead", 0))
		},
		forward: func(m nn.Module, in map[string]*autograd.Tensor) map[string]*autograd.Tensor {
			return map[string]*autograd.Tensor{"y": m.(*LoFTRLayer).Forward(in["x"], in["source"])}
		},
	})
}

func TestLSKblockGolden(t *testing.T) {
	runModuleCases(t, "LSKblock", moduleCase{
		build: func(t *testing.T, c *golden.Case) nn.Module {
			return NewLSKblock(testRNG(), hparamInt(t, c, "dim", 0))
		},
		forward: forwardX,
	})
}

func TestLSKAttentionGolden(t *testing.T) {
	runModuleCases(t, "LSKNet.Attention", moduleCase{
		build: func(t *testing.T, c *golden.Case) nn.Module {
			return NewLSKAttention(testRNG(), hparamInt(t, c, "d_model", 0))
		},
		forward: forwardX,
	})
}

func TestLSKMlpGolden(t *testing.T) {
	runModuleCases(t, "LSKNet.Mlp", moduleCase{
		build: func(t *testing.T, c *golden.Case) nn.Module {
			if d := c.Hparam(t, "drop"); d != 0 {
				t.Fatalf("drop %v: random dropout cannot be compared", d)
			}
			return NewLSKMlp(testRNG(), hparamInt(t, c, "in_features", 0), hparamInt(t, c, "hidden_features", 0), 0, testRNG())
		},
		forward: forwardX,
	})
}

func TestLSKBlockGolden(t *testing.T) {
	runModuleCases(t, "LSKNet.Block", moduleCase{
		build: func(t *testing.T, c *golden.Case) nn.Module {
			if c.Hparam(t, "drop") != 0 || c.Hparam(t, "drop_path") != 0 {
				t.Fatal("random dropout / drop-path cannot be compared")
			}
			return NewLSKBlock(testRNG(), hparamInt(t, c, "dim", 0), hparamInt(t, c, "mlp_ratio", 0), 0, 0, testRNG())
		},
		forward: forwardX,
	})
}

func TestPatchEmbedGolden(t *testing.T) {
	runModuleCases(t, "OverlapPatchEmbed", moduleCase{
		build: func(t *testing.T, c *golden.Case) nn.Module {
			k := hparamInt(t, c, "patch_size", 0)
			if p := hparamInt(t, c, "padding", k/2); p != k/2 {
				t.Fatalf("padding %d, the official module uses patch_size//2 = %d", p, k/2)
			}
			return NewPatchEmbed(testRNG(), hparamInt(t, c, "in_chans", 0), hparamInt(t, c, "embed_dim", 0), k, hparamInt(t, c, "stride", 0))
		},
		forward: forwardX,
	})
}

func TestLSKNetGolden(t *testing.T) {
	runModuleCases(t, "LSKNet", moduleCase{
		build: func(t *testing.T, c *golden.Case) nn.Module {
			if c.Hparam(t, "drop_rate") != 0 || c.Hparam(t, "drop_path_rate") != 0 {
				t.Fatal("random dropout / drop-path cannot be compared")
			}
			return NewLSKNet(testRNG(), hparamInts4(t, c, "embed_dims"), hparamInts4(t, c, "depths"),
				hparamInts4(t, c, "mlp_ratios"), 0, 0, testRNG())
		},
		forward: func(m nn.Module, in map[string]*autograd.Tensor) map[string]*autograd.Tensor {
			s := m.(*LSKNet).Forward(in["x"])
			return map[string]*autograd.Tensor{"s0": s[0], "s1": s[1], "s2": s[2], "s3": s[3]}
		},
	})
}

func TestBasicBlockGolden(t *testing.T) {
	runModuleCases(t, "torchvision.BasicBlock", moduleCase{
		build: func(t *testing.T, c *golden.Case) nn.Module {
			return NewBasicBlock(testRNG(), hparamInt(t, c, "inplanes", 0), hparamInt(t, c, "planes", 0), hparamInt(t, c, "stride", 1))
		},
		forward: forwardX,
	})
}

func TestFPNGolden(t *testing.T) {
	runModuleCases(t, "FPN", moduleCase{
		build: func(t *testing.T, c *golden.Case) nn.Module {
			ch := c.Ints(t, "in_channels")
			if len(ch) != 3 {
				t.Fatalf("in_channels %v, want 3", ch)
			}
			return NewFPN(testRNG(), ch[0], ch[1], ch[2], hparamInt(t, c, "out_channels", 0))
		},
		forward: func(m nn.Module, in map[string]*autograd.Tensor) map[string]*autograd.Tensor {
			return map[string]*autograd.Tensor{"y": m.(*FPN).Forward(in["p2"], in["p3"], in["p4"])}
		},
	})
}

func TestCrossViewFusionGolden(t *testing.T) {
	runModuleCases(t, "CrossViewFusionModule", moduleCase{
		build: func(*testing.T, *golden.Case) nn.Module { return nil },
		forward: func(_ nn.Module, in map[string]*autograd.Tensor) map[string]*autograd.Tensor {
			ctx, attn := CrossViewFusion(in["global_query"], in["value"])
			return map[string]*autograd.Tensor{"context": ctx, "attn": attn}
		},
	})
}

func TestHeadGolden(t *testing.T) {
	runModuleCases(t, "fcn_out", moduleCase{
		build: func(t *testing.T, c *golden.Case) nn.Module {
			// As in NewModel: ConvBatchNormReLU(e, e/2, 1x1) then a 1x1 conv to 9 anchors x 5.
			e := hparamInt(t, c, "emb_size", 0)
			return nn.NewSequential(NewConvBNLeakyReLU(testRNG(), e, e/2, 1, 1, 0), conv(testRNG(), e/2, 9*5, 1, 1, 0, true))
		},
		forward: forwardX,
	})
}

func TestConvBNLeakyReLUGolden(t *testing.T) {
	runModuleCases(t, "ConvBatchNormReLU", moduleCase{
		build: func(t *testing.T, c *golden.Case) nn.Module {
			if c.Hparams["leaky"] != true {
				t.Fatalf("leaky %v: HALO only uses the leaky variant", c.Hparams["leaky"])
			}
			if mom := c.Hparam(t, "bn_momentum"); float32(mom) != 0.999 {
				t.Fatalf("bn_momentum %v, the Go block has 0.999", mom)
			}
			return NewConvBNLeakyReLU(testRNG(), hparamInt(t, c, "in_channels", 0), hparamInt(t, c, "out_channels", 0),
				hparamInt(t, c, "kernel", 0), hparamInt(t, c, "stride", 1), hparamInt(t, c, "padding", 0))
		},
		forward: forwardX,
	})
}

func TestInfoNCEGolden(t *testing.T) {
	runModuleCases(t, "InfoNCE_sem_serial", moduleCase{
		build: func(t *testing.T, c *golden.Case) nn.Module {
			if b := hparamInt(t, c, "block", 0); b != 3 {
				t.Fatalf("block %d, the Go module has 3 descriptors per view", b)
			}
			return NewInfoNCE(testRNG(), hparamInt(t, c, "embed_dim", 0), hparamInt(t, c, "projector_out", 0))
		},
		forward: func(m nn.Module, in map[string]*autograd.Tensor) map[string]*autograd.Tensor {
			nce := m.(*InfoNCE)
			fa := nce.Embed([3]*autograd.Tensor{in["featA0"], in["featA1"], in["featA2"]})
			fb := nce.Embed([3]*autograd.Tensor{in["featB0"], in["featB1"], in["featB2"]})
			return map[string]*autograd.Tensor{"loss": nce.Loss(fa, fb)}
		},
	})
}
