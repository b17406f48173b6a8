package halo

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cvogl/halo/autograd"
	"github.com/cvogl/halo/loader/golden"
	"github.com/cvogl/halo/loader/safetensors"
	"github.com/cvogl/halo/loader/torchfile"
	"github.com/cvogl/halo/nn"
)

// newMiniHALO holds the real HALO sub-modules of the golden checkpoint under their
// official names.
func newMiniHALO() nn.Module {
	rng := rand.New(rand.NewPCG(7, 7))
	return nn.Children{
		{Name: "combine_clickptns_conv", M: NewConvBNLeakyReLU(rng, 4, 3, 1, 1, 0)},
		{Name: "fcn_out", M: nn.NewSequential(NewConvBNLeakyReLU(rng, 512, 256, 1, 1, 0), conv(rng, 256, 45, 1, 1, 0, true))},
		{Name: "InfoNCE_sem_serial", M: nn.Children{{Name: "logit_scale", M: nn.ParamEntry{T: autograd.Param([]float32{1})}}}},
	}
}

func sameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// The official checkpoint format (DataParallel "module." keys in a save_checkpoint
// wrapper) imports from the zip, legacy and cuda-tagged files bit for bit.
func TestImportGoldenCheckpoints(t *testing.T) {
	dir := golden.Dir(t)
	want, err := safetensors.Open(filepath.Join(dir, "checkpoint_minihalo.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ file, format string }{
		{"checkpoint_minihalo_legacy.pth.tar", "legacy"},
		{"checkpoint_minihalo_zip.pth.tar", "zip"},
		{"checkpoint_minihalo_zip_cuda_tagged.pth.tar", "zip"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			m := newMiniHALO()
			r, err := importInto(filepath.Join(dir, tc.file), m, KindAuto)
			if err != nil {
				t.Fatal(err)
			}
			if r.Kind != KindHALO || r.Format != tc.format || len(r.Mapped) != 15 || len(r.Unused) != 0 ||
				len(r.Missing) != 0 || len(r.MissingCounters) != 0 || len(r.ShapeMismatch) != 0 {
				t.Fatalf("report:\n%s", r)
			}
			if r.Mapped[0].From != "module."+r.Mapped[0].To {
				t.Errorf("mapping %v: want the module. prefix dropped", r.Mapped[0])
			}
			sd := nn.StateDict(m)
			for _, k := range nn.StateKeys(m) {
				name := "state_dict.module." + k
				if e := sd[k]; e.Count != nil {
					v, _, err := want.Int64(name)
					if err != nil || *e.Count != v[0] {
						t.Errorf("%s: counter %d, want %v (%v)", k, *e.Count, v, err)
					}
					continue
				}
				v, shape, err := want.Float32(name)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(shape, sd[k].T.Shape) || !sameBits(sd[k].T.Data, v) {
					t.Errorf("%s differs from the golden tensor", k)
				}
			}
		})
	}
}

// backboneFile writes the tensors of src under prefix (with the prefix removed) to a
// torch.save file the way the published backbone files hold them, plus extra
// classifier tensors. Counters become int64 scalars set to 7; the first float tensor
// is stored as float64, the second as float16 and the third as bfloat16 (src's
// values replaced by exactly representable ones, so the import must reproduce them
// bit for bit), the next vector as a strided view.
func backboneFile(t *testing.T, path string, src *Model, prefix string, wrap bool, extra ...string) {
	t.Helper()
	sd := nn.StateDict(src)
	d := torchfile.NewOrderedDict()
	floats := 0
	for _, k := range nn.StateKeys(src) {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		e := sd[k]
		var tt *torchfile.Tensor
		var err error
		switch {
		case e.Count != nil:
			*e.Count = 7
			tt, err = torchfile.NewInt64Tensor([]int{}, []int64{7})
		case floats == 0:
			b := make([]byte, 8*len(e.T.Data))
			for i, v := range e.T.Data {
				binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(float64(v)))
			}
			tt, err = torchfile.NewTensor("float64", e.T.Shape, b)
			floats++
		case floats == 1:
			b := make([]byte, 2*len(e.T.Data))
			for i := range e.T.Data {
				h := uint16(0x3c00 + i%512) // 1 + (i%512)/1024: exact in half precision
				binary.LittleEndian.PutUint16(b[2*i:], h)
				e.T.Data[i] = torchfile.Float16ToFloat32(h)
			}
			tt, err = torchfile.NewTensor("float16", e.T.Shape, b)
			floats++
		case floats == 2:
			b := make([]byte, 2*len(e.T.Data))
			for i, v := range e.T.Data {
				h := uint16(math.Float32bits(v) >> 16) // truncated to bfloat16
				binary.LittleEndian.PutUint16(b[2*i:], h)
				e.T.Data[i] = math.Float32frombits(uint32(h) << 16)
			}
			tt, err = torchfile.NewTensor("bfloat16", e.T.Shape, b)
			floats++
		case floats == 3 && len(e.T.Shape) == 1:
			// a strided view (every other element of a storage twice the size)
			wide := make([]float32, 2*len(e.T.Data))
			for i, v := range e.T.Data {
				wide[2*i], wide[2*i+1] = v, -1
			}
			tt, err = torchfile.NewFloat32Tensor([]int{len(wide)}, wide)
			tt.Shape, tt.Stride = slices.Clone(e.T.Shape), []int{2}
			floats++
		default:
			tt, err = torchfile.NewFloat32Tensor(e.T.Shape, e.T.Data)
		}
		if err != nil {
			t.Fatal(err)
		}
		d.Set(strings.TrimPrefix(k, prefix), tt)
	}
	for _, k := range extra {
		tt, _ := torchfile.NewFloat32Tensor([]int{3, 2}, []float32{1, 2, 3, 4, 5, 6})
		d.Set(k, tt)
	}
	var root any = d
	if wrap {
		w := torchfile.NewDict()
		w.Set("state_dict", d)
		w.Set("meta", "lsknet")
		root = w
	}
	if err := torchfile.WriteFile(path, root); err != nil {
		t.Fatal(err)
	}
}

func tinyModel(t testing.TB, seed uint64) *Model {
	t.Helper()
	cfg, err := Preset("tiny", "drone")
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewModel(cfg, seed)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// snapshot copies every tensor and counter of m.
func snapshot(m nn.Module) map[string][]float32 {
	s := map[string][]float32{}
	m.Visit("", func(name string, e *nn.Entry) {
		if e.Count != nil {
			s[name] = []float32{float32(*e.Count)}
		} else {
			s[name] = slices.Clone(e.T.Data)
		}
	})
	return s
}

// checkImported asserts that keys under prefix hold src's values and all others
// kept before's.
func checkImported(t *testing.T, m *Model, src, before map[string][]float32, prefix string) {
	t.Helper()
	now := snapshot(m)
	for k, v := range now {
		want := before[k]
		if strings.HasPrefix(k, prefix) {
			want = src[k]
		}
		if !sameBits(v, want) {
			t.Errorf("%s: not what the import should leave (from file: %v)", k, strings.HasPrefix(k, prefix))
		}
	}
}

func TestImportResNet18(t *testing.T) {
	src := tinyModel(t, 1)
	path := filepath.Join(t.TempDir(), "resnet18-f37072fd.pth")
	const prefix = "query_resnet.base_model."
	backboneFile(t, path, src, prefix, false, "fc.weight", "fc.bias")
	m := tinyModel(t, 2)
	before := snapshot(m)
	r, err := ImportPyTorch(path, m, KindAuto)
	if err != nil {
		t.Fatal(err)
	}
	checkImported(t, m, snapshot(src), before, prefix)
	nBackbone := 0
	for _, k := range nn.StateKeys(m) {
		if strings.HasPrefix(k, prefix) {
			nBackbone++
		}
	}
	if r.Kind != KindResNet18 || len(r.Mapped) != nBackbone || !slices.Equal(r.Unused, []string{"fc.weight", "fc.bias"}) ||
		len(r.Missing)+len(r.MissingCounters)+len(r.Mapped) != len(nn.StateKeys(m)) || len(r.ShapeMismatch) != 0 {
		t.Fatalf("report:\n%s", r)
	}
	if r.Mapped[0] != (KeyMapping{"conv1.weight", prefix + "conv1.weight"}) {
		t.Errorf("first mapping %v", r.Mapped[0])
	}
	if r.Converted["float64"] != 1 || r.Converted["float16"] != 1 || r.Converted["bfloat16"] != 1 || len(r.Converted) != 3 {
		t.Errorf("conversions %v", r.Converted)
	}
	for _, k := range r.Missing {
		if strings.HasPrefix(k, "query_resnet.") {
			t.Errorf("%s reported missing", k)
		}
	}
	s := r.String()
	for _, want := range []string{"resnet18", "query_resnet.* (", "fc.weight", "reference_lsknet.* (", "1 float16"} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q:\n%s", want, s)
		}
	}
	t.Logf("\n%s\n%s", s, r.Summary())
}

// The LSKNet file keeps its tensors under "state_dict" with a classifier head; a
// detection-framework copy has them under "backbone.".
func TestImportLSKNet(t *testing.T) {
	src := tinyModel(t, 3)
	const prefix = "reference_lsknet."
	for _, tc := range []struct {
		name   string
		prefix string
	}{{"plain", ""}, {"backbone", "backbone."}} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "lsk_s_backbone-e9d2e551.pth")
			backboneFile(t, path, src, prefix, true, "head.weight", "head.bias")
			if tc.prefix != "" {
				f, err := torchfile.Open(path)
				if err != nil {
					t.Fatal(err)
				}
				d, _ := f.Root.(*torchfile.Dict).Get("state_dict")
				sd := d.(*torchfile.Dict)
				for i := range sd.Keys {
					sd.Keys[i] = tc.prefix + sd.Keys[i].(string)
				}
				if err := torchfile.WriteFile(path, f.Root); err != nil {
					t.Fatal(err)
				}
			}
			m := tinyModel(t, 4)
			before := snapshot(m)
			r, err := ImportPyTorch(path, m, KindAuto)
			if err != nil {
				t.Fatal(err)
			}
			checkImported(t, m, snapshot(src), before, prefix)
			if r.Kind != KindLSKNet || !slices.Equal(r.Unused, []string{tc.prefix + "head.weight", tc.prefix + "head.bias"}) ||
				r.Mapped[0] != (KeyMapping{tc.prefix + "patch_embed1.proj.weight", prefix + "patch_embed1.proj.weight"}) {
				t.Fatalf("report:\n%s", r)
			}
			for _, k := range append(r.Missing, r.MissingCounters...) {
				if strings.HasPrefix(k, prefix) {
					t.Errorf("%s reported missing", k)
				}
			}
		})
	}
}

// A torchvision file whose conv1 has another shape is refused with both shapes
// named, and the model is left untouched.
func TestImportShapeMismatch(t *testing.T) {
	src := tinyModel(t, 1)
	path := filepath.Join(t.TempDir(), "resnet18.pth")
	backboneFile(t, path, src, "query_resnet.base_model.", false)
	f, err := torchfile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	sd := f.Root.(*torchfile.Dict)
	bad, _ := torchfile.NewFloat32Tensor([]int{16, 3, 3, 3}, make([]float32, 16*27))
	sd.Set("conv1.weight", bad)
	if err := torchfile.WriteFile(path, sd); err != nil {
		t.Fatal(err)
	}
	m := tinyModel(t, 2)
	before := snapshot(m)
	r, err := ImportPyTorch(path, m, KindResNet18)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{path, "conv1.weight", "[16 3 3 3]", "[16 3 7 7]"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if r == nil || len(r.ShapeMismatch) != 1 {
		t.Errorf("report %v", r)
	}
	checkImported(t, m, nil, before, "\x00")
}

// A backbone file imported as the wrong kind maps nothing and says what it looks like;
// unknown keys make auto-detection fail with advice; unknown kinds are refused.
func TestImportKindErrors(t *testing.T) {
	src := tinyModel(t, 1)
	dir := t.TempDir()
	path := filepath.Join(dir, "resnet18.pth")
	backboneFile(t, path, src, "query_resnet.base_model.", false)
	m := tinyModel(t, 2)
	_, err := ImportPyTorch(path, m, KindLSKNet)
	if err == nil || !strings.Contains(err.Error(), "look like a resnet18") || !strings.Contains(err.Error(), path) {
		t.Errorf("resnet18 file as lsknet: %v", err)
	}
	if _, err := ImportPyTorch(path, m, "vgg"); err == nil || !strings.Contains(err.Error(), "vgg") {
		t.Errorf("unknown kind: %v", err)
	}
	other := filepath.Join(dir, "other.pth")
	d := torchfile.NewOrderedDict()
	w, _ := torchfile.NewFloat32Tensor([]int{2}, []float32{1, 2})
	d.Set("encoder.weight", w)
	if err := torchfile.WriteFile(other, d); err != nil {
		t.Fatal(err)
	}
	if _, err := ImportPyTorch(other, m, KindAuto); err == nil || !strings.Contains(err.Error(), "cannot tell") || !strings.Contains(err.Error(), other) {
		t.Errorf("unknown keys: %v", err)
	}
}

func TestDetectKind(t *testing.T) {
	for _, tc := range []struct {
		keys []string
		want string
	}{
		{[]string{"conv1.weight", "bn1.weight", "bn1.bias", "layer1.0.conv1.weight", "fc.weight"}, KindResNet18},
		{[]string{"patch_embed1.proj.weight", "block1.0.layer_scale_1", "head.weight"}, KindLSKNet},
		{[]string{"query_resnet.base_model.conv1.weight", "fcn_out.1.bias"}, KindHALO},
		{[]string{"InfoNCE_sem_serial.logit_scale"}, KindHALO},
		{[]string{"conv1.weight"}, ""},
	} {
		if got := detectKind(tc.keys); got != tc.want {
			t.Errorf("detectKind(%v) = %q, want %q", tc.keys, got, tc.want)
		}
	}
}

// Truncated and corrupted checkpoints give an error naming the file, never a panic,
// and leave the model unchanged.
func TestImportCorruptFiles(t *testing.T) {
	dir := golden.Dir(t)
	tmp := t.TempDir()
	m := newMiniHALO()
	before := snapshot(m)
	try := func(label string, data []byte) {
		path := filepath.Join(tmp, "broken.pth.tar")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := importInto(path, m, KindAuto)
		if err == nil {
			t.Errorf("%s: no error", label)
		} else if !strings.Contains(err.Error(), path) {
			t.Errorf("%s: error does not name the file: %v", label, err)
		}
	}
	for _, n := range []string{"checkpoint_minihalo_zip.pth.tar", "checkpoint_minihalo_legacy.pth.tar"} {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		for _, cut := range []int{0, 1, 7, 100, len(b) / 3, len(b) / 2, len(b) - 100, len(b) - 1} {
			try(n+" truncated", b[:cut])
		}
		// The zip's end-of-central-directory signature, or a byte of the legacy
		// stream's magic number.
		c := slices.Clone(b)
		if strings.Contains(n, "zip") {
			c[len(c)-22] ^= 0xff
		} else {
			c[5] ^= 0xff
		}
		try(n+" corrupt", c)
	}
	try("text", []byte("this is not a checkpoint\n"))
	if _, err := importInto(filepath.Join(tmp, "absent.pth"), m, KindAuto); err == nil || !strings.Contains(err.Error(), "absent.pth") {
		t.Errorf("absent file: %v", err)
	}
	after := snapshot(m)
	for k, v := range before {
		if !sameBits(v, after[k]) {
			t.Errorf("%s changed by a failed import", k)
		}
	}
	// Random byte damage may or may not be detectable (a flipped weight bit is not),
	// but it must never panic, and an error must name the file. The damage goes where
	// the structure is: the pickle at the start, the zip directory at the end.
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []string{"checkpoint_minihalo_zip.pth.tar", "checkpoint_minihalo_legacy.pth.tar"} {
		b, _ := os.ReadFile(filepath.Join(dir, n))
		for range 50 {
			c := slices.Clone(b)
			for range 1 + rng.IntN(4) {
				i := rng.IntN(4096)
				if rng.IntN(2) == 0 {
					i = len(c) - 1 - i
				}
				c[i] ^= byte(1 + rng.IntN(255))
			}
			path := filepath.Join(tmp, "damaged.pth.tar")
			if err := os.WriteFile(path, c, 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := importInto(path, m, KindAuto); err != nil && !strings.Contains(err.Error(), path) {
				t.Errorf("%s damaged: error does not name the file: %v", n, err)
			}
		}
	}
}

// setCounters gives every BatchNorm counter a distinct value so round trips are
// seen to carry them.
func setCounters(m nn.Module) {
	i := int64(0)
	m.Visit("", func(_ string, e *nn.Entry) {
		if e.Count != nil {
			i++
			*e.Count = 1000 + i
		}
	})
}

func checkSame(t *testing.T, got, want nn.Module) {
	t.Helper()
	g, w := snapshot(got), snapshot(want)
	if len(g) != len(w) {
		t.Fatalf("%d tensors, want %d", len(g), len(w))
	}
	for k, v := range w {
		if !sameBits(g[k], v) {
			t.Errorf("%s differs after the round trip", k)
		}
	}
}

func TestSaveLoadModelRoundTrip(t *testing.T) {
	m := tinyModel(t, 5)
	setCounters(m)
	paper, _ := Preset("paper", "drone")
	path := filepath.Join(t.TempDir(), "model.safetensors")
	if err := SaveModel(path, m, map[string]string{"source": "test"}); err != nil {
		t.Fatal(err)
	}
	got, info, err := LoadModel(path, paper) // the metadata must win over the fallback
	if err != nil {
		t.Fatal(err)
	}
	if got.Cfg != m.Cfg || info.ConfigSource != "checkpoint metadata" || info.Path != path || info.Metadata["source"] != "test" ||
		info.Metadata["format"] != ModelFormat || got.Training() {
		t.Fatalf("cfg %+v info %+v training %v", got.Cfg, info, got.Training())
	}
	checkSame(t, got, m)
}

// A run directory: best.safetensors is preferred to last.safetensors; without
// config metadata the configuration comes from config.json.
func TestLoadModelRunDirectory(t *testing.T) {
	dir := t.TempDir()
	best, last := tinyModel(t, 6), tinyModel(t, 7)
	setCounters(best)
	cfgJSON, _ := json.Marshal(map[string]any{"model": best.Cfg, "set": "drone"})
	if err := os.WriteFile(filepath.Join(dir, "config.json"), cfgJSON, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := nn.SaveCheckpoint(filepath.Join(dir, "last.safetensors"), last, nil, nil); err != nil {
		t.Fatal(err)
	}
	paper, _ := Preset("paper", "drone")
	got, info, err := LoadModel(dir, paper)
	if err != nil {
		t.Fatal(err)
	}
	if info.Path != filepath.Join(dir, "last.safetensors") || info.ConfigSource != filepath.Join(dir, "config.json") || got.Cfg != last.Cfg {
		t.Fatalf("info %+v", info)
	}
	checkSame(t, got, last)
	if err := nn.SaveCheckpoint(filepath.Join(dir, "best.safetensors"), best, nil, map[string]string{"format": ModelFormat}); err != nil {
		t.Fatal(err)
	}
	got, info, err = LoadModel(dir, paper)
	if err != nil {
		t.Fatal(err)
	}
	if info.Path != filepath.Join(dir, "best.safetensors") {
		t.Fatalf("info %+v", info)
	}
	checkSame(t, got, best)

	// A checkpoint whose "config" metadata does not describe its tensors fails by name.
	svi, _ := Preset("tiny", "svi")
	svi.Emb, svi.ProjDim = 32, 32
	b, _ := json.Marshal(svi)
	md := map[string]string{"config": string(b)}
	if err := nn.SaveCheckpoint(filepath.Join(dir, "best.safetensors"), best, nil, md); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadModel(dir, paper); err == nil || !strings.Contains(err.Error(), "best.safetensors") {
		t.Errorf("mismatched config: %v", err)
	}
}

// writeOfficialCheckpoint saves m as the official training does: save_checkpoint's
// dict around the state_dict of a DataParallel model.
func writeOfficialCheckpoint(t testing.TB, path string, m *Model) {
	t.Helper()
	sd := torchfile.NewOrderedDict()
	m.Visit("", func(name string, e *nn.Entry) {
		var tt *torchfile.Tensor
		if e.Count != nil {
			tt, _ = torchfile.NewInt64Tensor([]int{}, []int64{*e.Count})
		} else {
			tt, _ = torchfile.NewFloat32Tensor(e.T.Shape, e.T.Data)
		}
		sd.Set("module."+name, tt)
	})
	root := torchfile.NewDict()
	loss, _ := torchfile.NewFloat32Tensor([]int{}, []float32{0.4375})
	root.Set("epoch", int64(3))
	root.Set("state_dict", sd)
	root.Set("best_loss", loss)
	root.Set("optimizer", torchfile.NewDict())
	if err := torchfile.WriteFile(path, root); err != nil {
		t.Fatal(err)
	}
}

// An official-format whole-model checkpoint ({'epoch', 'state_dict': {'module.<key>'},
// 'best_loss', 'optimizer'}) loads through LoadModel with the official extras.
func TestLoadModelOfficialCheckpoint(t *testing.T) {
	cfg, _ := Preset("tiny", "drone")
	cfg.OfficialExtras = true
	src, err := NewModel(cfg, 8)
	if err != nil {
		t.Fatal(err)
	}
	setCounters(src)
	path := filepath.Join(t.TempDir(), "drone_model_best.pth.tar")
	writeOfficialCheckpoint(t, path, src)
	fallback, _ := Preset("tiny", "drone")
	got, info, err := LoadModel(path, fallback)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Cfg.OfficialExtras || info.Import == nil || info.Import.Kind != KindHALO || len(info.Import.Unused) != 0 || got.Training() {
		t.Fatalf("info %+v\n%s", info, info.Import)
	}
	checkSame(t, got, src)

	// A backbone file is not a whole model.
	bb := filepath.Join(t.TempDir(), "resnet18.pth")
	backboneFile(t, bb, src, "query_resnet.base_model.", false)
	if _, _, err := LoadModel(bb, fallback); err == nil || !strings.Contains(err.Error(), "resnet18") {
		t.Errorf("backbone as model: %v", err)
	}
}

// vmHWM returns the process's peak resident set from /proc/self/status ("" where
// there is none).
func vmHWM() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// TestFullSizeForward measures the paper model end to end on CPU: SaveModel +
// LoadModel of the 171 MB checkpoint, then one NoGrad eval forward at full
// resolution (query 256x256, satellite 1024x1024, batch 1). Minutes of CPU; run it
// with HALO_FULLSIZE=1 go test -run FullSize -v ./halo.
func TestFullSizeForward(t *testing.T) {
	if os.Getenv("HALO_FULLSIZE") != "1" {
		t.Skip("set HALO_FULLSIZE=1 to run the full-size forward")
	}
	load := func() string { b, _ := os.ReadFile("/proc/loadavg"); return strings.TrimSpace(string(b)) }
	t.Logf("GOMAXPROCS %d, NumCPU %d, load average at start: %s", runtime.GOMAXPROCS(0), runtime.NumCPU(), load())
	cfg, err := Preset("paper", "drone")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	m, err := NewModel(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	if n := nn.NumParams(m); n != 42905980 {
		t.Fatalf("%d parameters, want 42,905,980", n)
	}
	t.Logf("built the paper model in %v; VmHWM %s", time.Since(start).Round(time.Millisecond), vmHWM())
	path := filepath.Join(t.TempDir(), "paper.safetensors")
	start = time.Now()
	if err := SaveModel(path, m, nil); err != nil {
		t.Fatal(err)
	}
	saved := time.Since(start)
	debug.FreeOSMemory()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	t.Logf("SaveModel %v; after it VmHWM reset to %s (the source model)", saved.Round(time.Millisecond), vmHWM())
	start = time.Now()
	m2, _, err := LoadModel(path, Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("LoadModel %v; VmHWM %s (source model + loaded model + file bytes)", time.Since(start).Round(time.Millisecond), vmHWM())
	checkSame(t, m2, m)
	m2 = nil
	// The same weights as the official training would have saved them.
	path = filepath.Join(filepath.Dir(path), "drone_model_best.pth.tar")
	writeOfficialCheckpoint(t, path, m)
	debug.FreeOSMemory()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	start = time.Now()
	m2, info, err := LoadModel(path, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("LoadModel of an official-format .pth.tar (%s): %v; VmHWM %s (source model + loaded model + file bytes)",
		info.Import.Format, time.Since(start).Round(time.Millisecond), vmHWM())
	checkSame(t, m2, m)
	m, m2 = nil, nil
	debug.FreeOSMemory()
	m, err = NewModel(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	m.SetTraining(false)
	q := autograd.RandTensor(1, -2, 2, 1, 3, 256, 256)
	click := autograd.RandTensor(2, 0, 1, 1, 256, 256)
	sat := autograd.RandTensor(3, -2, 2, 1, 3, 1024, 1024)
	for _, x := range []*autograd.Tensor{q, click, sat} {
		x.SetRequiresGrad(false)
	}
	// Reset the peak so VmHWM below is the forward's own (Linux >= 4.0).
	debug.FreeOSMemory()
	hwmReset := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	t.Logf("model and inputs ready; peak reset: %v, VmHWM now %s", hwmReset, vmHWM())
	var out *Output
	start = time.Now()
	autograd.NoGrad(func() { out, err = m.Forward(q, click, sat, ForwardOpts{}) })
	el := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(out.Boxes.Shape, []int{1, 45, 64, 64}) || autograd.FirstNonFinite(out.Boxes.Data) >= 0 {
		t.Fatalf("output %v, first non-finite %d", out.Boxes.Shape, autograd.FirstNonFinite(out.Boxes.Data))
	}
	t.Logf("full-size NoGrad forward (batch 1, 256x256 + 1024x1024): %v; VmHWM %s; load average after: %s",
		el.Round(time.Millisecond), vmHWM(), load())
}
