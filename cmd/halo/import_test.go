package main

import (
	"bytes"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cvogl/halo/halo"
	"github.com/cvogl/halo/loader/torchfile"
	"github.com/cvogl/halo/nn"
)

// writeResNetFile writes the query backbone of a tiny model as a torchvision-style
// state_dict (bare keys plus fc.*) and returns the model.
func writeResNetFile(t *testing.T, path string) *halo.Model {
	t.Helper()
	cfg, _ := halo.Preset("tiny", "drone")
	src, err := halo.NewModel(cfg, 11)
	if err != nil {
		t.Fatal(err)
	}
	d := torchfile.NewOrderedDict()
	src.Visit("", func(name string, e *nn.Entry) {
		k, ok := strings.CutPrefix(name, "query_resnet.base_model.")
		if !ok {
			return
		}
		var tt *torchfile.Tensor
		if e.Count != nil {
			tt, _ = torchfile.NewInt64Tensor([]int{}, []int64{*e.Count})
		} else {
			tt, _ = torchfile.NewFloat32Tensor(e.T.Shape, e.T.Data)
		}
		d.Set(k, tt)
	})
	fc, _ := torchfile.NewFloat32Tensor([]int{2}, []float32{1, 2})
	d.Set("fc.bias", fc)
	if err := torchfile.WriteFile(path, d); err != nil {
		t.Fatal(err)
	}
	return src
}

func TestImportCommand(t *testing.T) {
	dir := t.TempDir()
	from := filepath.Join(dir, "resnet18-f37072fd.pth")
	src := writeResNetFile(t, from)
	out := filepath.Join(dir, "model.safetensors")
	var so, se bytes.Buffer
	if code := runMain([]string{"import", "--from", from, "--out", out, "--preset", "tiny"}, &so, &se); code != 0 {
		t.Fatalf("exit %d: %s", code, se.String())
	}
	m, info, err := halo.LoadModel(out, halo.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if info.Metadata["source_kind"] != "resnet18" || m.Cfg.Name != "tiny" {
		t.Errorf("metadata %v, config %+v", info.Metadata, m.Cfg)
	}
	want := nn.StateDict(src)
	for k, e := range nn.StateDict(m) {
		if strings.HasPrefix(k, "query_resnet.") && e.T != nil && !slices.Equal(e.T.Data, want[k].T.Data) {
			t.Errorf("%s not imported", k)
		}
	}

	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"import", "--out", out}, 2, "--from is required"},
		{[]string{"import", "--from", from}, 2, "--out is required"},
		{[]string{"import", "--from", from, "--out", out, "--kind", "vgg"}, 2, "vgg"},
		{[]string{"import", "--from", filepath.Join(dir, "absent.pth"), "--out", out}, 1, "absent.pth"},
		// the tiny file's shapes do not fit the paper preset
		{[]string{"import", "--from", from, "--out", out}, 1, "conv1.weight"},
	} {
		so.Reset()
		se.Reset()
		if code := runMain(tc.args, &so, &se); code != tc.code || !strings.Contains(se.String(), tc.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, se.String(), tc.code, tc.msg)
		}
	}
}

func TestLoadBackbones(t *testing.T) {
	dir := t.TempDir()
	from := filepath.Join(dir, "resnet18.pth")
	src := writeResNetFile(t, from)
	cfg, _ := halo.Preset("tiny", "drone")
	m, _ := halo.NewModel(cfg, 12)
	if err := loadBackbones(m, from, ""); err != nil {
		t.Fatal(err)
	}
	want := nn.StateDict(src)["query_resnet.base_model.layer4.0.conv2.weight"].T.Data
	if got := nn.StateDict(m)["query_resnet.base_model.layer4.0.conv2.weight"].T.Data; !slices.Equal(got, want) {
		t.Error("query backbone not loaded")
	}
	// the ResNet file given as the satellite backbone is refused, naming the flag
	if err := loadBackbones(m, "", from); err == nil || !strings.Contains(err.Error(), "--reference-backbone") {
		t.Errorf("resnet18 as LSKNet: %v", err)
	}
}
