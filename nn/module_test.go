package nn

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cvogl/halo/autograd"
)

// tiny mirrors a PyTorch module
//
//	class Tiny(nn.Module):
//	    def __init__(self):
//	        self.conv = nn.Conv2d(3, 4, 3, bias=False)
//	        self.bn = nn.BatchNorm2d(4)
//	        self.head = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Dropout(0.1), nn.Linear(5, 2, bias=False))
//	        self.logit_scale = nn.Parameter(torch.ones([]))
//
// whose state_dict keys are listed in wantKeys.
type tiny struct {
	Children
	Conv       *Conv2d
	BN         *BatchNorm2d
	Head       *Sequential
	Drop       *Dropout
	LogitScale *autograd.Tensor
}

func newTiny(rng *rand.Rand) *tiny {
	m := &tiny{
		Conv:       NewConv2d(rng, 3, 4, 3, 3, ConvOpts{}),
		BN:         NewBatchNorm2d(4, 0.1, 1e-5),
		Drop:       NewDropout(0.1, rng),
		LogitScale: autograd.Param([]float32{1}),
	}
	m.Head = NewSequential(NewLinear(rng, 4, 5, true), Func(autograd.ReLU), m.Drop, NewLinear(rng, 5, 2, false))
	m.Children = Children{{"conv", m.Conv}, {"bn", m.BN}, {"head", m.Head}, {"logit_scale", ParamEntry{m.LogitScale}}}
	return m
}

var wantKeys = []string{
	"conv.weight",
	"bn.weight", "bn.bias", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked",
	"head.0.weight", "head.0.bias", "head.3.weight",
	"logit_scale",
}

func TestModuleNamesAndOrder(t *testing.T) {
	m := newTiny(rand.New(rand.NewPCG(1, 2)))
	if got := StateKeys(m); !slices.Equal(got, wantKeys) {
		t.Fatalf("StateKeys =\n%q\nwant\n%q", got, wantKeys)
	}
	names, ps := NamedParams(m)
	wantParams := []string{"conv.weight", "bn.weight", "bn.bias", "head.0.weight", "head.0.bias", "head.3.weight", "logit_scale"}
	if !slices.Equal(names, wantParams) {
		t.Fatalf("NamedParams = %q, want %q", names, wantParams)
	}
	for i, p := range ps {
		if p.Name != names[i] || !p.RequiresGrad() {
			t.Errorf("param %d: Name %q requiresGrad %v, want %q true", i, p.Name, p.RequiresGrad(), names[i])
		}
	}
	if got := Params(m); len(got) != len(ps) || got[0] != m.Conv.Weight || got[6] != m.LogitScale {
		t.Errorf("Params order differs from NamedParams")
	}
	if n, want := NumParams(m), 4*3*9+4+4+5*4+5+2*5+1; n != want {
		t.Errorf("NumParams = %d, want %d", n, want)
	}
	sd := StateDict(m)
	if len(sd) != len(wantKeys) {
		t.Fatalf("StateDict has %d keys, want %d", len(sd), len(wantKeys))
	}
	e := sd["bn.num_batches_tracked"]
	if e.T != nil || !e.Buffer || e.Count != &m.BN.NumBatchesTracked || len(e.Shape()) != 0 {
		t.Errorf("num_batches_tracked entry %+v does not point at the counter", e)
	}
	if !sd["bn.running_var"].Buffer || sd["bn.running_var"].T != m.BN.RunningVar || sd["bn.weight"].Buffer {
		t.Errorf("buffer flags or tensors wrong")
	}
	if m.BN.RunningMean.Name != "bn.running_mean" {
		t.Errorf("buffer not named: %q", m.BN.RunningMean.Name)
	}

	// Prefixes compose.
	var sub []string
	m.Head.Visit("model.head", func(n string, _ *Entry) { sub = append(sub, n) })
	if !slices.Equal(sub, []string{"model.head.0.weight", "model.head.0.bias", "model.head.3.weight"}) {
		t.Errorf("prefixed Visit = %q", sub)
	}
	if Join("", "w") != "w" || Join("a.b", "w") != "a.b.w" || Join("a", "") != "a" {
		t.Errorf("Join wrong")
	}
}

func TestModuleFrozenAndShared(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	a := NewLinear(rng, 3, 2, true)
	b := &Linear{Weight: a.Weight} // shares a's weight, like tied weights
	m := Children{{"a", a}, {"b", b}}
	a.Bias.SetRequiresGrad(false)
	names, _ := NamedParams(m)
	if !slices.Equal(names, []string{"a.weight"}) {
		t.Errorf("NamedParams with a frozen bias and a tied weight = %q, want [a.weight]", names)
	}
	if n := NumParams(m); n != 6+2 {
		t.Errorf("NumParams = %d, want 8 (tied counted once, frozen counted)", n)
	}
	if keys := StateKeys(m); !slices.Equal(keys, []string{"a.weight", "a.bias", "b.weight"}) {
		t.Errorf("StateKeys = %q", keys)
	}
}

func TestModuleTrainingAndZeroGrad(t *testing.T) {
	m := newTiny(rand.New(rand.NewPCG(1, 2)))
	if !m.BN.Training || !m.Drop.Training {
		t.Fatal("modules must start in training mode like PyTorch")
	}
	m.SetTraining(false)
	if m.BN.Training || m.Drop.Training {
		t.Error("SetTraining(false) did not reach BatchNorm and the Dropout inside Sequential")
	}
	m.SetTraining(true)
	if !m.BN.Training || !m.Drop.Training {
		t.Error("SetTraining(true) did not propagate")
	}
	for _, p := range Params(m) {
		g := p.GradBuf()
		for i := range g {
			g[i] = 1
		}
	}
	ZeroGrad(m)
	for _, p := range Params(m) {
		for _, g := range p.Grad {
			if g != 0 {
				t.Fatalf("%s: gradient not cleared", p.Name)
			}
		}
	}
}

func TestSequentialForward(t *testing.T) {
	s := NewSequential(Func(func(x *autograd.Tensor) *autograd.Tensor { return autograd.MulScalar(x, 2) }),
		Func(func(x *autograd.Tensor) *autograd.Tensor { return autograd.MulScalar(x, -3) }))
	x := autograd.Param([]float32{1, 2}, 2)
	y := s.Forward(x)
	if y.Data[0] != -6 || y.Data[1] != -12 {
		t.Errorf("Sequential applied out of order: %v", y.Data)
	}
	autograd.SumAll(y).Backward()
	if x.Grad[0] != -6 {
		t.Errorf("gradient through Sequential %v, want -6", x.Grad)
	}
}

// PyTorch's default init: |w| < 1/sqrt(fan_in) for conv and linear weights and
// biases, spread over the whole interval; norms at 1/0.
func TestDefaultInit(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	check := func(name string, v []float32, fanIn int) {
		t.Helper()
		bound := 1 / math.Sqrt(float64(fanIn))
		lo, hi, sum := 0.0, 0.0, 0.0
		for _, x := range v {
			lo, hi, sum = math.Min(lo, float64(x)), math.Max(hi, float64(x)), sum+float64(x)
		}
		if -lo > bound*(1+1e-6) || hi > bound*(1+1e-6) {
			t.Errorf("%s: range [%g, %g] exceeds ±%g", name, lo, hi, bound)
		}
		if -lo < 0.9*bound || hi < 0.9*bound {
			t.Errorf("%s: range [%g, %g] does not fill ±%g", name, lo, hi, bound)
		}
		// 4 standard deviations of the mean of len(v) uniform samples.
		if mean := sum / float64(len(v)); math.Abs(mean) > 4*bound/math.Sqrt(3*float64(len(v))) {
			t.Errorf("%s: mean %g not centred", name, mean)
		}
	}
	// Enough outputs that the biases alone fill 90% of their range with near
	// certainty (a miss has probability 0.95^n).
	c := NewConv2d(rng, 8, 256, 3, 3, ConvOpts{Bias: true})
	check("conv.weight", c.Weight.Data, 72)
	check("conv.bias", c.Bias.Data, 72)
	if !slices.Equal(c.Weight.Shape, []int{256, 8, 3, 3}) || c.P.StrideH != 1 || c.P.DilW != 1 || c.P.Groups != 1 {
		t.Errorf("conv shape %v params %+v", c.Weight.Shape, c.P)
	}
	dw := NewConv2d(rng, 128, 128, 5, 5, ConvOpts{Groups: 128, PadH: 2, PadW: 2, Bias: true})
	check("dwconv.weight", dw.Weight.Data, 25)
	check("dwconv.bias", dw.Bias.Data, 25)
	if !slices.Equal(dw.Weight.Shape, []int{128, 1, 5, 5}) {
		t.Errorf("depthwise shape %v", dw.Weight.Shape)
	}
	l := NewLinear(rng, 50, 200, true)
	check("linear.weight", l.Weight.Data, 50)
	check("linear.bias", l.Bias.Data, 50)
	if !slices.Equal(l.Weight.Shape, []int{200, 50}) {
		t.Errorf("linear shape %v", l.Weight.Shape)
	}
	bn := NewBatchNorm2d(3, 0.1, 1e-5)
	ln := NewLayerNorm(3, 1e-6)
	for i := range 3 {
		if bn.Weight.Data[i] != 1 || bn.Bias.Data[i] != 0 || bn.RunningMean.Data[i] != 0 || bn.RunningVar.Data[i] != 1 ||
			ln.Weight.Data[i] != 1 || ln.Bias.Data[i] != 0 {
			t.Fatalf("norm init wrong: bn %v %v %v %v ln %v %v", bn.Weight.Data, bn.Bias.Data,
				bn.RunningMean.Data, bn.RunningVar.Data, ln.Weight.Data, ln.Bias.Data)
		}
	}
	if bn.RunningMean.RequiresGrad() || !bn.Weight.RequiresGrad() {
		t.Error("running stats must be plain buffers, weights trainable")
	}
	// Same seed, same weights.
	a := NewConv2d(rand.New(rand.NewPCG(9, 9)), 2, 2, 3, 3, ConvOpts{})
	b := NewConv2d(rand.New(rand.NewPCG(9, 9)), 2, 2, 3, 3, ConvOpts{})
	if !slices.Equal(a.Weight.Data, b.Weight.Data) {
		t.Error("initialisation not reproducible from the seed")
	}
}
