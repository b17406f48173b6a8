package torchfile

import (
	"math"
	"math/big"
	"path/filepath"
	"reflect"
	"testing"
)

func openFixture(t *testing.T, name string) *File {
	t.Helper()
	f, err := Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func mustGet(t *testing.T, d *Dict, key string) any {
	t.Helper()
	v, ok := d.Get(key)
	if !ok {
		t.Fatalf("key %q missing", key)
	}
	return v
}

func wantF32(t *testing.T, d *Dict, key string, shape []int, want []float32) {
	t.Helper()
	tt, ok := mustGet(t, d, key).(*Tensor)
	if !ok {
		t.Fatalf("%s is not a tensor", key)
	}
	if !reflect.DeepEqual(tt.Shape, shape) {
		t.Errorf("%s: shape %v, want %v", key, tt.Shape, shape)
	}
	got, err := tt.Float32()
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	if len(got) != len(want) {
		t.Fatalf("%s: %v, want %v", key, got, want)
	}
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Errorf("%s: %v, want %v", key, got, want)
			break
		}
	}
}

func wantI64(t *testing.T, d *Dict, key string, want []int64) {
	t.Helper()
	tt := mustGet(t, d, key).(*Tensor)
	got, err := tt.Int64()
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: %v, want %v", key, got, want)
	}
}

// TestMixedFixtures checks files written by real PyTorch 1.13 (testdata/gen_fixtures.py)
// holding every dtype, non-contiguous and offset views, parameters and numpy values.
func TestMixedFixtures(t *testing.T) {
	for _, c := range []struct {
		file   string
		format Format
	}{{"mixed_zip.pt", FormatZip}, {"mixed_legacy.pt", FormatLegacy}} {
		t.Run(c.file, func(t *testing.T) {
			f := openFixture(t, c.file)
			if f.Format != c.format {
				t.Fatalf("format %s", f.Format)
			}
			d := f.Root.(*Dict)
			wantF32(t, d, "f32", []int{2, 3}, []float32{0, 0.5, 1, 1.5, 2, 2.5})
			wantF32(t, d, "f16", []int{2, 3}, []float32{-0.5, -0.25, 0, 0.25, 0.5, 0.75})
			wantF32(t, d, "bf16", []int{4}, []float32{-2, -0.5, 1, 2.5})
			wantF32(t, d, "f64", []int{3}, []float32{float32(1.0 / 3), -2.5, float32(math.Inf(1))})
			wantF32(t, d, "transposed", []int{4, 3}, []float32{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11})
			wantF32(t, d, "slice", []int{4}, []float32{3, 4, 5, 6})
			wantF32(t, d, "strided", []int{3}, []float32{1, 4, 7})
			wantF32(t, d, "scalar", []int{}, []float32{2.25})
			wantF32(t, d, "empty", []int{0, 3}, []float32{})
			wantF32(t, d, "u8", []int{3}, []float32{0, 255, 17})
			wantF32(t, d, "bool", []int{3}, []float32{1, 0, 1})
			wantI64(t, d, "i32", []int64{-7, 0, 2147483647})
			wantI64(t, d, "i16", []int64{-300, 5})
			wantI64(t, d, "i8", []int64{-128, 127})
			wantI64(t, d, "u8", []int64{0, 255, 17})
			wantI64(t, d, "bool", []int64{1, 0, 1})
			wantI64(t, d, "i64", []int64{-(1 << 40), 3, 4, 1 << 62})
			if _, err := mustGet(t, d, "f32").(*Tensor).Int64(); err == nil {
				t.Error("Int64 of a float tensor succeeded")
			}

			tr := mustGet(t, d, "transposed").(*Tensor)
			if tr.IsContiguous() || !reflect.DeepEqual(tr.Stride, []int{1, 4}) {
				t.Errorf("transposed stride %v", tr.Stride)
			}
			sl := mustGet(t, d, "slice").(*Tensor)
			base := mustGet(t, d, "base").(*Tensor)
			if sl.Offset != 3 || sl.Storage != base.Storage {
				t.Errorf("slice offset %d, shares storage %v", sl.Offset, sl.Storage == base.Storage)
			}
			if p := mustGet(t, d, "param").(*Tensor); !p.RequiresGrad {
				t.Error("parameter lost requires_grad")
			}
			if mustGet(t, d, "f32").(*Tensor).RequiresGrad {
				t.Error("plain tensor has requires_grad")
			}
			if v := mustGet(t, d, "np_f64"); v != 0.125 {
				t.Errorf("np_f64 = %#v", v)
			}
			if v := mustGet(t, d, "np_i64"); v != int64(-42) {
				t.Errorf("np_i64 = %#v", v)
			}
			if v := mustGet(t, d, "np_f32"); v != 1.5 {
				t.Errorf("np_f32 = %#v", v)
			}
			arr, ok := mustGet(t, d, "np_arr").(*NDArray)
			if !ok {
				t.Fatalf("np_arr is %T", mustGet(t, d, "np_arr"))
			}
			if vals, err := arr.Float64(); err != nil || !reflect.DeepEqual(vals, []float64{0, 1, 2, 3, 4, 5}) || !reflect.DeepEqual(arr.Shape, []int{2, 3}) {
				t.Errorf("np_arr = %v %v (%v)", arr.Shape, vals, err)
			}

			big70 := new(big.Int).Lsh(big.NewInt(1), 70)
			py := mustGet(t, d, "py").(List)
			want := List{nil, true, false, big70, new(big.Int).Neg(big70), int64(-1), int64(255), int64(256),
				int64(65535), int64(65536), int64(-1 << 31), int64(1 << 31), 1.5, "héllo ☃", []byte("\x00\xffab"),
				Tuple{int64(1)}, Tuple{int64(1), int64(2), int64(3), int64(4)}, Set{int64(1), int64(2)}, Set{int64(3)}}
			if !reflect.DeepEqual(py, want) {
				t.Errorf("py =\n%#v\nwant\n%#v", py, want)
			}
			od := mustGet(t, d, "od").(*Dict)
			if !od.Ordered || !reflect.DeepEqual(od.Keys, []any{"b", "a"}) || !reflect.DeepEqual(od.Values, []any{int64(1), int64(2)}) {
				t.Errorf("od = %+v", od)
			}
			ik := mustGet(t, d, "int_keys").(*Dict)
			if v, _ := ik.Lookup(int64(-5)); v != "minus five" {
				t.Errorf("int key lookup: %v", v)
			}
			if v, _ := ik.Lookup(Tuple{int64(1), int64(2)}); v != "tuple" {
				t.Errorf("tuple key lookup: %v", v)
			}
		})
	}
}

// wantAnnotations is what gen_fixtures.py stores in every annotations_* fixture.
var wantAnnotations = List{
	Tuple{int64(0), "0001.jpg", "sat_0001.tif", Tuple{int64(128), int64(96)}, Tuple{int64(300), int64(410)},
		List{250.5, 380.0, 351.25, 440.0}, List{0.0, 1.0, 2.5, 3.0, 4.0, 5.0, 6.0, 7.0}, "building"},
	Tuple{int64(1), "0002.jpg", "sat_0002.tif", Tuple{int64(10), int64(20)}, Tuple{int64(1023), int64(0)},
		List{0.0, 0.0, 10.0, 10.0}, List{1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0}, "road"},
}

func TestAnnotationFixtures(t *testing.T) {
	for _, c := range []struct {
		file   string
		format Format
	}{
		{"annotations_zip.pth", FormatZip},
		{"annotations_p0.pkl", FormatPickle},
		{"annotations_p2.pkl", FormatPickle},
		{"annotations_p5.pkl", FormatPickle},
	} {
		f := openFixture(t, c.file)
		if f.Format != c.format {
			t.Errorf("%s: format %s, want %s", c.file, f.Format, c.format)
		}
		if !reflect.DeepEqual(f.Root, wantAnnotations) {
			t.Errorf("%s: root\n%#v\nwant\n%#v", c.file, f.Root, wantAnnotations)
		}
	}
}

// TestPlainPickledTensor reads pickle.dump(tensor): its storage is a whole torch.save
// file nested through torch.storage._load_from_bytes.
func TestPlainPickledTensor(t *testing.T) {
	f := openFixture(t, "tensor_plain.pkl")
	tt, ok := f.Root.(*Tensor)
	if !ok {
		t.Fatalf("root is %T", f.Root)
	}
	got, err := tt.Float32()
	if err != nil || !reflect.DeepEqual(got, []float32{-2, -1, 0, 1, 2}) {
		t.Errorf("got %v, %v", got, err)
	}
}
