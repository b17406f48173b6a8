package nn

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cvogl/halo/autograd"
	"github.com/cvogl/halo/loader/safetensors"
)

func snapshot(m Module) map[string][]float32 {
	s := map[string][]float32{}
	m.Visit("", func(n string, e *Entry) {
		if e.T != nil {
			s[n] = append([]float32(nil), e.T.Data...)
		} else {
			s[n] = []float32{float32(*e.Count)}
		}
	})
	return s
}

func equalState(a, b map[string][]float32) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

func TestSaveLoadRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.safetensors")
	a := newTiny(rand.New(rand.NewPCG(1, 1)))
	FillGolden(a, 7) // every entry distinct, buffers included
	a.BN.NumBatchesTracked = 1 << 40
	if err := Save(path, a, map[string]string{"epoch": "3"}); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if f.Metadata["epoch"] != "3" {
		t.Errorf("metadata %v", f.Metadata)
	}
	if !slices.Equal(f.Names(), slices.Sorted(slices.Values(wantKeys))) {
		t.Errorf("file holds %q", f.Names())
	}
	if in, _ := f.Info("bn.num_batches_tracked"); in.DType != "I64" || len(in.Shape) != 0 {
		t.Errorf("num_batches_tracked stored as %+v, want I64 scalar", in)
	}
	if in, _ := f.Info("logit_scale"); len(in.Shape) != 0 || in.DType != "F32" {
		t.Errorf("logit_scale shape %v", in.Shape)
	}

	b := newTiny(rand.New(rand.NewPCG(2, 2)))
	if equalState(snapshot(a), snapshot(b)) {
		t.Fatal("test needs different modules")
	}
	r, err := Load(path, b, true)
	if err != nil || !r.OK() || r.Loaded != len(wantKeys) {
		t.Fatalf("Load: %v, report %v", err, r)
	}
	if !equalState(snapshot(a), snapshot(b)) || b.BN.NumBatchesTracked != 1<<40 {
		t.Error("loaded state differs from saved state")
	}
	// The loaded data must not alias the file's buffers or the other module.
	b.Conv.Weight.Data[0] = 42
	if a.Conv.Weight.Data[0] == 42 {
		t.Error("load aliases the source")
	}
}

// A tiny module's file loaded into one that differs: a key the file lacks (extra),
// a key the module lacks (logit_scale), a shape mismatch (conv with 5 outputs).
func TestLoadReports(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tiny.safetensors")
	src := newTiny(rand.New(rand.NewPCG(1, 1)))
	FillGolden(src, 3)
	if err := Save(path, src, nil); err != nil {
		t.Fatal(err)
	}

	rng := rand.New(rand.NewPCG(5, 5))
	head := NewSequential(NewLinear(rng, 4, 5, true), Func(autograd.ReLU), NewDropout(0, rng), NewLinear(rng, 5, 2, false))
	v := Children{
		{"conv", NewConv2d(rng, 3, 5, 3, 3, ConvOpts{})},
		{"bn", NewBatchNorm2d(4, 0.1, 1e-5)},
		{"head", head},
		{"extra", ParamEntry{autograd.Param(make([]float32, 3), 3)}},
	}
	before := snapshot(v)
	r, err := Load(path, v, true)
	if err == nil {
		t.Fatal("strict load of a mismatching state dict succeeded")
	}
	for _, want := range []string{path, "extra", "logit_scale", "conv.weight", "1 missing", "1 unexpected", "1 with a shape mismatch"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("strict error %q does not mention %q", err, want)
		}
	}
	if !equalState(before, snapshot(v)) {
		t.Error("a failed strict load changed the module")
	}
	if !slices.Equal(r.Missing, []string{"extra"}) || !slices.Equal(r.Unexpected, []string{"logit_scale"}) ||
		!slices.Equal(r.ShapeMismatch, []string{"conv.weight: want [5 3 3 3] got [4 3 3 3]"}) {
		t.Errorf("report %+v", r)
	}

	r, err = Load(path, v, false)
	if err != nil {
		t.Fatalf("non-strict load: %v", err)
	}
	if r.Loaded != len(wantKeys)-2 || r.OK() {
		t.Errorf("non-strict report %+v", r)
	}
	got, want := snapshot(v), snapshot(src)
	for _, k := range []string{"bn.weight", "bn.running_var", "head.0.weight", "head.3.weight"} {
		if !slices.Equal(got[k], want[k]) {
			t.Errorf("non-strict load did not copy %s", k)
		}
	}
	if !slices.Equal(got["conv.weight"], before["conv.weight"]) {
		t.Error("non-strict load touched the mis-shaped conv.weight")
	}

	// More than a few names: the message is shortened with a count.
	big := Children{}
	for i := range 9 {
		big = append(big, Child{string(rune('a' + i)), ParamEntry{autograd.Param([]float32{0}, 1)}})
	}
	_, err = Load(path, big, true)
	if err == nil || !strings.Contains(err.Error(), "9 missing") || !strings.Contains(err.Error(), "4 more") {
		t.Errorf("long report not summarised: %v", err)
	}
}

func TestLoadCorruptFileNamesIt(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.safetensors")
	m := newTiny(rand.New(rand.NewPCG(1, 1)))
	if err := Save(good, m, nil); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(good)
	cases := map[string][]byte{
		"truncated.safetensors": b[:len(b)-10],
		"garbage.safetensors":   []byte("this is not a safetensors file at all"),
		"empty.safetensors":     nil,
	}
	for name, data := range cases {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(p, m, false); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %v does not name the file", name, err)
		}
	}
	missing := filepath.Join(dir, "nope.safetensors")
	if _, err := Load(missing, m, false); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing file: error %v does not name it", err)
	}
}

func TestLoadTensorsGetter(t *testing.T) {
	src := newTiny(rand.New(rand.NewPCG(1, 1)))
	FillGolden(src, 11)
	src.BN.NumBatchesTracked = 5
	sd := StateDict(src)
	get := func(name string) ([]float32, []int, bool) {
		e, ok := sd[name]
		if !ok {
			return nil, nil, false
		}
		if e.Count != nil {
			return []float32{float32(*e.Count)}, []int{}, true
		}
		return e.T.Data, e.T.Shape, true
	}
	dst := newTiny(rand.New(rand.NewPCG(2, 2)))
	r, err := LoadTensors(dst, get, true)
	if err != nil || r.Loaded != len(wantKeys) {
		t.Fatalf("LoadTensors: %v %v", err, r)
	}
	if !equalState(snapshot(src), snapshot(dst)) || dst.BN.NumBatchesTracked != 5 {
		t.Error("LoadTensors did not copy everything")
	}
	// LoadNamed additionally reports source keys the module lacks.
	_, err = LoadNamed(dst, append(StateKeys(src), "module.extra"), get, true)
	if err == nil || !strings.Contains(err.Error(), "module.extra") {
		t.Errorf("LoadNamed did not report the unexpected key: %v", err)
	}
	// A source whose values do not fill its own shape is reported, not copied.
	short := func(name string) ([]float32, []int, bool) {
		v, shape, ok := get(name)
		if name == "head.0.bias" {
			v = v[:2]
		}
		return v, shape, ok
	}
	r, err = LoadTensors(dst, short, true)
	if err == nil || !strings.Contains(err.Error(), "head.0.bias: source gives 2 values for shape [5]") {
		t.Errorf("short tensor not reported: %v (%v)", err, r)
	}
}
