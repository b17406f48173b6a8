package torchfile

import (
	"fmt"
	"math"
	"math/big"
	"reflect"
	"testing"
)

// TestPyObjectsAllProtocols reads one tree pickled by CPython with protocols 0 to 5
// (testdata/gen_pyobjects.py): instances, dict/list subclasses, keyword-only
// constructors, bytes, sets, numpy arrays (Fortran order, big-endian, bool, object) and
// scalars, shared sublists and special floats must decode the same from every protocol.
func TestPyObjectsAllProtocols(t *testing.T) {
	for proto := 0; proto <= 5; proto++ {
		t.Run(fmt.Sprint("p", proto), func(t *testing.T) {
			f := openFixture(t, fmt.Sprintf("pyobjects_p%d.pkl", proto))
			if f.Format != FormatPickle {
				t.Fatalf("format %s", f.Format)
			}
			d := f.Root.(*Dict)
			attrs := func(key string) *Object {
				o, ok := mustGet(t, d, key).(*Object)
				if !ok || o.Module != "__main__" {
					t.Fatalf("%s = %#v", key, mustGet(t, d, key))
				}
				return o
			}
			get := func(v any, k string) any {
				dd, ok := v.(*Dict)
				if !ok {
					t.Fatalf("state %#v is not a dict", v)
				}
				x, _ := dd.Get(k)
				return x
			}
			p := attrs("point")
			if p.Name != "Point" || get(p.State, "x") != int64(1) || get(p.State, "y") != -2.5 {
				t.Errorf("point = %+v", p)
			}
			if tg := attrs("tagged"); tg.Name != "Tagged" || get(tg.DictItems, "a") != int64(1) {
				t.Errorf("tagged = %+v", tg)
			}
			if it := attrs("items"); it.Name != "Items" || !reflect.DeepEqual(it.ListItems, []any{int64(7), int64(8)}) {
				t.Errorf("items = %+v", it)
			}
			kw := attrs("kw")
			if kw.Name != "KW" || get(kw.State, "a") != int64(5) || get(kw.State, "b") != "bee" {
				t.Errorf("kw = %+v", kw)
			}
			if proto >= 4 && (!reflect.DeepEqual(kw.Args, []any{int64(5)}) || get(kw.Kwargs, "b") != "bee") {
				t.Errorf("kw NEWOBJ_EX args = %v %v", kw.Args, kw.Kwargs)
			}
			od := mustGet(t, d, "od").(*Dict)
			if !od.Ordered || !reflect.DeepEqual(od.Keys, []any{"x", "y"}) || !reflect.DeepEqual(od.Values, []any{int64(1), nil}) {
				t.Errorf("od = %+v", od)
			}
			for key, want := range map[string]any{
				"bytes": []byte{0, 1, 0xfe}, "empty_bytes": []byte{}, "bytearray": []byte("xy"),
				"set": Set{int64(3)}, "frozenset": Set{int64(4)},
				"np_u8": new(big.Int).SetUint64(1<<63 + 1), "np_bool_scalar": true, "np_f16": 0.5,
				"nested_tuple": Tuple{Tuple{int64(1), Tuple{int64(2), Tuple{int64(3)}}}},
				"unicode":      "naïve ☃ \U0001F600", "ctrl": "a\nb\\c\x00",
				"ints": List{int64(0), int64(-1), int64(math.MaxInt32), int64(math.MinInt32),
					new(big.Int).Lsh(big.NewInt(1), 63), new(big.Int).Sub(big.NewInt(math.MinInt64), big.NewInt(1)),
					new(big.Int).Exp(big.NewInt(10), big.NewInt(30), nil), true},
			} {
				if err := treeEqual(want, mustGet(t, d, key), map[*Storage]*Storage{}); err != nil {
					t.Errorf("%s: %v", key, err)
				}
			}
			fl := mustGet(t, d, "floats").(List)
			if !math.IsInf(fl[0].(float64), 1) || math.Float64bits(fl[1].(float64)) != 1<<63 || fl[2] != 1e-310 || fl[3] != 0.1 {
				t.Errorf("floats = %v", fl)
			}
			for key, want := range map[string][]float64{
				"np_fortran": {0, 1, 2, 3, 4, 5}, "np_be": {1, -2}, "np_bool": {1, 0},
			} {
				a, ok := mustGet(t, d, key).(*NDArray)
				if !ok {
					t.Errorf("%s = %#v", key, mustGet(t, d, key))
					continue
				}
				got, err := a.Float64()
				if err != nil || !reflect.DeepEqual(got, want) {
					t.Errorf("%s = %v (%v), want %v", key, got, err, want)
				}
			}
			if a := mustGet(t, d, "np_fortran").(*NDArray); !a.Fortran || !reflect.DeepEqual(a.Shape, []int{2, 3}) {
				t.Errorf("np_fortran shape %v fortran %v", a.Shape, a.Fortran)
			}
			if a := mustGet(t, d, "np_obj").(*NDArray); !reflect.DeepEqual(a.Items, List{"a", int64(1)}) && !reflect.DeepEqual(a.Items, []any{"a", int64(1)}) {
				t.Errorf("np_obj items %#v", a.Items)
			}
			sh := mustGet(t, d, "shared").(List)
			a, b := sh[0].(List), sh[1].(List)
			if !reflect.DeepEqual(a, List{int64(1), int64(2)}) || &a[0] != &b[0] {
				t.Errorf("shared list not shared: %v", sh)
			}
		})
	}
}
