package torchfile

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// goldenDir returns the shared golden data directory: $HALO_GOLDEN, or shared/golden
// next to the repository root. It fails under CI and skips elsewhere when missing.
func goldenDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("HALO_GOLDEN")
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		root := wd
		for {
			if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
				break
			}
			parent := filepath.Dir(root)
			if parent == root {
				root = ""
				break
			}
			root = parent
		}
		if root != "" {
			dir = filepath.Join(root, "..", "shared", "golden")
		}
	}
	if dir != "" {
		if _, err := os.Stat(filepath.Join(dir, "checkpoint_minihalo.safetensors")); err == nil {
			return dir
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("golden data not found (dir %q); set HALO_GOLDEN", dir)
	}
	t.Skipf("golden data not found (dir %q); set HALO_GOLDEN", dir)
	return ""
}

// stTensor is one tensor of a safetensors file. The parser is local on purpose: these
// tests check torchfile against an independent, trivially simple reader.
type stTensor struct {
	DType string
	Shape []int
	Data  []byte
}

func readSafetensors(t testing.TB, path string) map[string]stTensor {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 8 {
		t.Fatalf("%s: too short", path)
	}
	n := binary.LittleEndian.Uint64(b)
	if n > uint64(len(b)-8) {
		t.Fatalf("%s: bad header length", path)
	}
	var hdr map[string]json.RawMessage
	if err := json.Unmarshal(b[8:8+n], &hdr); err != nil {
		t.Fatal(err)
	}
	data := b[8+n:]
	out := map[string]stTensor{}
	for name, raw := range hdr {
		if name == "__metadata__" {
			continue
		}
		var e struct {
			DType   string `json:"dtype"`
			Shape   []int  `json:"shape"`
			Offsets [2]int `json:"data_offsets"`
		}
		if err := json.Unmarshal(raw, &e); err != nil {
			t.Fatal(err)
		}
		out[name] = stTensor{e.DType, e.Shape, data[e.Offsets[0]:e.Offsets[1]]}
	}
	return out
}

var stDTypes = map[string]string{"F32": "float32", "I64": "int64", "U8": "uint8", "F16": "float16", "F64": "float64", "BF16": "bfloat16", "I32": "int32", "BOOL": "bool"}

// flattenCheckpoint maps a HALO checkpoint tree onto the golden safetensors names:
// state_dict.<key>, optimizer.state.<i>.<name>, best_loss. Plain Python ints (the
// optimizer step) appear as int64 scalars, as in the golden file.
func flattenCheckpoint(t *testing.T, root any) map[string]any {
	t.Helper()
	out := map[string]any{}
	top, ok := root.(*Dict)
	if !ok {
		t.Fatalf("root is %T", root)
	}
	sd, _ := top.Get("state_dict")
	sdd, ok := sd.(*Dict)
	if !ok {
		t.Fatalf("state_dict is %T", sd)
	}
	for i, k := range sdd.Keys {
		out["state_dict."+k.(string)] = sdd.Values[i]
	}
	bl, _ := top.Get("best_loss")
	out["best_loss"] = bl
	opt, _ := top.Get("optimizer")
	st, _ := opt.(*Dict).Get("state")
	std := st.(*Dict)
	for i, k := range std.Keys {
		per := std.Values[i].(*Dict)
		for j, n := range per.Keys {
			out[fmt.Sprintf("optimizer.state.%d.%s", k.(int64), n.(string))] = per.Values[j]
		}
	}
	return out
}

func TestGoldenCheckpoints(t *testing.T) {
	dir := goldenDir(t)
	want := readSafetensors(t, filepath.Join(dir, "checkpoint_minihalo.safetensors"))
	cases := []struct {
		file   string
		format Format
		loc    string
	}{
		{"checkpoint_minihalo_zip.pth.tar", FormatZip, "cpu"},
		{"checkpoint_minihalo_zip_cuda_tagged.pth.tar", FormatZip, "cuda:0"},
		{"checkpoint_minihalo_legacy.pth.tar", FormatLegacy, "cpu"},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			f, err := Open(filepath.Join(dir, c.file))
			if err != nil {
				t.Fatal(err)
			}
			if f.Format != c.format {
				t.Fatalf("format %s, want %s", f.Format, c.format)
			}
			got := flattenCheckpoint(t, f.Root)
			if len(got) != len(want) {
				t.Errorf("%d tensors, golden has %d", len(got), len(want))
			}
			names := make([]string, 0, len(want))
			for n := range want {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, name := range names {
				w := want[name]
				g, ok := got[name]
				if !ok {
					t.Errorf("%s missing", name)
					continue
				}
				compareGolden(t, name, g, w, c.loc)
			}
			top := f.Root.(*Dict)
			if ep, _ := top.Get("epoch"); ep != int64(3) {
				t.Errorf("epoch = %v", ep)
			}
			sd, _ := top.Get("state_dict")
			if !sd.(*Dict).Ordered {
				t.Error("state_dict not marked OrderedDict")
			}
			if md, ok := sd.(*Dict).State.(*Dict); !ok {
				t.Errorf("state_dict _metadata state missing: %T", sd.(*Dict).State)
			} else if _, ok := md.Get("_metadata"); !ok {
				t.Error("no _metadata attribute")
			}
		})
	}
}

func compareGolden(t *testing.T, name string, g any, w stTensor, loc string) {
	t.Helper()
	if step, ok := g.(int64); ok {
		if w.DType != "I64" || len(w.Shape) != 0 || int64(binary.LittleEndian.Uint64(w.Data)) != step {
			t.Errorf("%s: int %d vs golden %s %v", name, step, w.DType, w.Shape)
		}
		return
	}
	tt, ok := g.(*Tensor)
	if !ok {
		t.Errorf("%s: %T, want tensor", name, g)
		return
	}
	if tt.DType != stDTypes[w.DType] {
		t.Errorf("%s: dtype %s, golden %s", name, tt.DType, w.DType)
	}
	if fmt.Sprint(tt.Shape) != fmt.Sprint(w.Shape) {
		t.Errorf("%s: shape %v, golden %v", name, tt.Shape, w.Shape)
	}
	if tt.Storage.Location != loc {
		t.Errorf("%s: location %q, want %q", name, tt.Storage.Location, loc)
	}
	raw, err := tt.Bytes()
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	if string(raw) != string(w.Data) {
		t.Errorf("%s: data differs from golden", name)
	}
	switch tt.DType {
	case "float32":
		f, err := tt.Float32()
		if err != nil || len(f)*4 != len(w.Data) {
			t.Errorf("%s: Float32: %v (%d values)", name, err, len(f))
		}
	case "int64":
		v, err := tt.Int64()
		if err != nil || len(v)*8 != len(w.Data) {
			t.Errorf("%s: Int64: %v", name, err)
		}
	}
}
