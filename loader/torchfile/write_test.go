package torchfile

import (
	"archive/zip"
	"bytes"
	"flag"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/go_written_*.pth")

// treeEqual compares two decoded trees; tensors are equal when dtype, shape, stride,
// offset and storage bytes are. Storage identity (which tensors share one) is checked
// through the pairing maps.
func treeEqual(a, b any, pair map[*Storage]*Storage) error {
	if n, ok := a.(int); ok { // Go ints are written as Python ints and read back as int64
		a = int64(n)
	}
	switch x := a.(type) {
	case *Tensor:
		y, ok := b.(*Tensor)
		if !ok {
			return fmt.Errorf("tensor vs %T", b)
		}
		if x.DType != y.DType || !reflect.DeepEqual(x.Shape, y.Shape) || !reflect.DeepEqual(x.Stride, y.Stride) ||
			x.Offset != y.Offset || x.RequiresGrad != y.RequiresGrad {
			return fmt.Errorf("tensor %s%v/%v+%d grad=%v vs %s%v/%v+%d grad=%v", x.DType, x.Shape, x.Stride, x.Offset, x.RequiresGrad,
				y.DType, y.Shape, y.Stride, y.Offset, y.RequiresGrad)
		}
		if !bytes.Equal(x.Storage.Data, y.Storage.Data) {
			return fmt.Errorf("storage bytes differ")
		}
		if p, ok := pair[x.Storage]; ok && p != y.Storage {
			return fmt.Errorf("storage sharing differs")
		}
		pair[x.Storage] = y.Storage
		return nil
	case *Dict:
		y, ok := b.(*Dict)
		if !ok || len(x.Keys) != len(y.Keys) || x.Ordered != y.Ordered {
			return fmt.Errorf("dict vs %T", b)
		}
		for i := range x.Keys {
			if err := treeEqual(x.Keys[i], y.Keys[i], pair); err != nil {
				return fmt.Errorf("key %d: %w", i, err)
			}
			if err := treeEqual(x.Values[i], y.Values[i], pair); err != nil {
				return fmt.Errorf("[%v]: %w", x.Keys[i], err)
			}
		}
		if x.Ordered {
			return treeEqual(x.State, y.State, pair)
		}
		return nil
	case Tuple, List, Set:
		xv, yv := reflect.ValueOf(a), reflect.ValueOf(b)
		if xv.Type() != yv.Type() || xv.Len() != yv.Len() {
			return fmt.Errorf("%T(%d) vs %T", a, xv.Len(), b)
		}
		for i := 0; i < xv.Len(); i++ {
			if err := treeEqual(xv.Index(i).Interface(), yv.Index(i).Interface(), pair); err != nil {
				return fmt.Errorf("[%d]: %w", i, err)
			}
		}
		return nil
	case *big.Int:
		if y, ok := b.(*big.Int); !ok || x.Cmp(y) != 0 {
			return fmt.Errorf("%v vs %v", a, b)
		}
		return nil
	}
	if !reflect.DeepEqual(a, b) {
		return fmt.Errorf("%#v vs %#v", a, b)
	}
	return nil
}

func annotationTree() List {
	return List{
		Tuple{int64(7), "q/0007.jpg", "s/0007.png", Tuple{int64(511), int64(0)}, Tuple{int64(1023), int64(999)},
			List{1.5, 2.0, 300.25, 400.0}, List{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8}, "church"},
		Tuple{int64(8), "q/0008.jpg", "s/0008.png", Tuple{int64(1), int64(2)}, Tuple{int64(3), int64(4)},
			List{0.0, 0.0, 1.0, 1.0}, List{1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0}, "ünïcode"},
	}
}

func TestWriteReadAnnotations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "CVOGL_SVI_train.pth")
	want := annotationTree()
	if err := WriteFile(path, want); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if f.Format != FormatZip || f.Archive != "CVOGL_SVI_train" || f.Version != "3" {
		t.Errorf("format %s archive %q version %q", f.Format, f.Archive, f.Version)
	}
	if !reflect.DeepEqual(f.Root, want) {
		t.Errorf("got %#v", f.Root)
	}
	checkZipLayout(t, path, []string{"CVOGL_SVI_train/data.pkl", "CVOGL_SVI_train/byteorder", "CVOGL_SVI_train/version"})
}

// checkZipLayout verifies the archive with Go's own zip reader: member order, stored
// (uncompressed) members, data 64-byte aligned, CRCs right.
func checkZipLayout(t *testing.T, path string, names []string) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var got []string
	for _, m := range zr.File {
		got = append(got, m.Name)
		if m.Method != zip.Store {
			t.Errorf("%s: method %d", m.Name, m.Method)
		}
		off, err := m.DataOffset()
		if err != nil || off%64 != 0 {
			t.Errorf("%s: data offset %d (%v), not 64-byte aligned", m.Name, off, err)
		}
		rc, err := m.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc) // checks the CRC at EOF
		rc.Close()
		if err != nil {
			t.Errorf("%s: %v", m.Name, err)
		}
		switch {
		case strings.HasSuffix(m.Name, "/byteorder") && string(b) != "little",
			strings.HasSuffix(m.Name, "/version") && string(b) != "3\n":
			t.Errorf("%s = %q", m.Name, b)
		}
	}
	if names != nil && !reflect.DeepEqual(got, names) {
		t.Errorf("members %v, want %v", got, names)
	}
}

func TestRoundTripGoldenCheckpoints(t *testing.T) {
	dir := goldenDir(t)
	for _, name := range []string{"checkpoint_minihalo_zip.pth.tar", "checkpoint_minihalo_legacy.pth.tar", "checkpoint_minihalo_zip_cuda_tagged.pth.tar"} {
		src, err := Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(t.TempDir(), name)
		if err := WriteFile(out, src.Root); err != nil {
			t.Fatal(err)
		}
		back, err := Open(out)
		if err != nil {
			t.Fatal(err)
		}
		if err := treeEqual(src.Root, back.Root, map[*Storage]*Storage{}); err != nil {
			t.Errorf("%s: round trip: %v", name, err)
		}
		if back.Archive != strings.TrimSuffix(name, ".tar") {
			t.Errorf("archive %q", back.Archive)
		}
		checkZipLayout(t, out, nil)
		sd, keys, err := StateDict(back.Root)
		if err != nil || len(sd) != 15 || keys[0] != "module.combine_clickptns_conv.conv.weight" {
			t.Errorf("StateDict: %d tensors, keys %v, %v", len(sd), keys, err)
		}
	}
}

func TestRoundTripMixed(t *testing.T) {
	for _, name := range []string{"mixed_zip.pt", "mixed_legacy.pt"} {
		src := openFixture(t, name)
		d := src.Root.(*Dict)
		// numpy arrays have no writer; everything else must survive
		in := NewDict()
		for i, k := range d.Keys {
			if _, isArr := d.Values[i].(*NDArray); !isArr {
				in.Set(k, d.Values[i])
			}
		}
		var buf bytes.Buffer
		if err := Write(&buf, "mixed", in); err != nil {
			t.Fatal(err)
		}
		back, err := Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "mem")
		if err != nil {
			t.Fatal(err)
		}
		if err := treeEqual(in, back.Root, map[*Storage]*Storage{}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		bd := back.Root.(*Dict)
		s1, _ := bd.Get("slice")
		s2, _ := bd.Get("base")
		if s1.(*Tensor).Storage != s2.(*Tensor).Storage {
			t.Errorf("%s: slice and base no longer share a storage", name)
		}
	}
}

// goWrittenTree is the content of testdata/go_written_*.pth. Those files were checked
// to load in PyTorch 1.13 (testdata/verify_go_written.py); comparing bytes keeps the
// writer's output exactly that format.
func goWrittenTree(t *testing.T) any {
	w, err := NewFloat32Tensor([]int{2, 3}, []float32{1, -2, 3.5, 0, 1e-3, 7})
	if err != nil {
		t.Fatal(err)
	}
	steps, err := NewInt64Tensor([]int{}, []int64{12})
	if err != nil {
		t.Fatal(err)
	}
	tr := &Tensor{DType: "float32", Shape: []int{3, 2}, Stride: []int{1, 3}, Storage: w.Storage}
	sd := NewOrderedDict()
	sd.Set("module.fc.weight", w)
	sd.Set("module.fc.weight_t", tr)
	sd.Set("module.bn.num_batches_tracked", steps)
	root := NewDict()
	root.Set("epoch", int64(3))
	root.Set("state_dict", sd)
	root.Set("annotations", annotationTree())
	root.Set("misc", Tuple{nil, true, false, -1, int64(1) << 40, new(big.Int).Lsh(big.NewInt(1), 80), 2.5, []byte{0, 200}, Set{int64(1)}})
	return root
}

func TestWriteMatchesTorchVerifiedBytes(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, "go_written_mixed", goWrittenTree(t)); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "go_written_mixed.pth")
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("writer output changed from the torch-verified %s (rerun with -update only after verifying with PyTorch)", path)
	}
	f, err := Read(bytes.NewReader(want), int64(len(want)), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := treeEqual(goWrittenTree(t), f.Root, map[*Storage]*Storage{}); err != nil {
		t.Error(err)
	}
}

func TestZip64(t *testing.T) {
	old := zip64Limit
	zip64Limit = 40 // every member over 40 bytes and every offset past 40 goes zip64
	defer func() { zip64Limit = old }()
	big, err := NewFloat32Tensor([]int{100}, make([]float32, 100))
	if err != nil {
		t.Fatal(err)
	}
	root := NewDict()
	root.Set("w", big)
	root.Set("l", annotationTree())
	path := filepath.Join(t.TempDir(), "z64.pt")
	if err := WriteFile(path, root); err != nil {
		t.Fatal(err)
	}
	checkZipLayout(t, path, []string{"z64/data.pkl", "z64/byteorder", "z64/data/0", "z64/version"})
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := treeEqual(root, f.Root, map[*Storage]*Storage{}); err != nil {
		t.Error(err)
	}
	raw, _ := os.ReadFile(path)
	if !bytes.Contains(raw, []byte("PK\x06\x06")) || !bytes.Contains(raw, []byte("PK\x06\x07")) {
		t.Error("no zip64 end records")
	}
}

func TestWriteErrors(t *testing.T) {
	cyc := List{nil}
	cyc[0] = cyc
	w, _ := NewFloat32Tensor([]int{2}, []float32{1, 2})
	outside := &Tensor{DType: "float32", Shape: []int{3}, Stride: []int{1}, Storage: w.Storage}
	for name, v := range map[string]any{
		"struct":  struct{}{},
		"utf8":    "\xff",
		"cycle":   cyc,
		"outside": List{outside},
		"dtype":   &Tensor{DType: "complex32", Shape: []int{}, Stride: []int{}, Storage: &Storage{DType: "complex32"}},
	} {
		if err := Write(io.Discard, "a", v); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// a failed WriteFile leaves the old file and no temporary behind
	dir := t.TempDir()
	path := filepath.Join(dir, "keep.pth")
	if err := WriteFile(path, List{int64(1)}); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	if err := WriteFile(path, struct{}{}); err == nil {
		t.Fatal("no error")
	}
	after, _ := os.ReadFile(path)
	ents, _ := os.ReadDir(dir)
	if !bytes.Equal(before, after) || len(ents) != 1 {
		t.Errorf("failed write changed the directory: %d entries", len(ents))
	}
}

func TestArchiveName(t *testing.T) {
	for in, want := range map[string]string{
		"a/b/CVOGL_SVI_val.pth": "CVOGL_SVI_val",
		"checkpoint.pth.tar":    "checkpoint.pth",
		"noext":                 "noext",
		"/x/.hidden":            ".hidden",
		"dir/model.safe.pt":     "model.safe",
		"weights.pt":            "weights",
	} {
		if got := ArchiveName(in); got != want {
			t.Errorf("ArchiveName(%q) = %q, want %q", in, got, want)
		}
	}
}
